"""吹哨报到: a town calls a unit to an order; the unit answers within the configured time, and
the SLA sweep flags a call left unanswered — each step on the timeline and in the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.workorders.factories import City, load_city, order_in, step
from yiwang.core.audit import verify_chain
from yiwang.core.errors import Conflict, PermissionDenied
from yiwang.core.models import AuditRecord
from yiwang.workorders.choices import EventKind, State
from yiwang.workorders.models import WorkOrder
from yiwang.workorders.services import perform_action
from yiwang.workorders.sla import sweep_deadlines

pytestmark = pytest.mark.django_db


@pytest.fixture
def city() -> City:
    return load_city()


def test_a_town_whistles_a_unit_which_answers_in_time(city: City, settings: object) -> None:
    order = order_in(city, State.RECEIVED)
    handler = city["dept_handler"]
    # Before the call the unit neither sees the order nor may answer for it.
    assert not WorkOrder.objects.visible_to(handler).filter(pk=order.pk).exists()
    order = step(city, order, "whistle", "town_dispatcher", department=city.department.code)
    called = order.events.get(kind=EventKind.WHISTLED)
    assert called.data["department"] == city.department.code
    assert order.state == State.RECEIVED  # an event, not a transition
    assert WorkOrder.objects.visible_to(handler).filter(pk=order.pk).exists()
    # Calling the same unit again while it has not answered is refused.
    with pytest.raises(Conflict):
        step(city, order, "whistle", "town_dispatcher", department=city.department.code)

    order = step(city, order, "answer_whistle", "dept_handler")
    answered = order.events.get(kind=EventKind.WHISTLE_ANSWERED)
    assert answered.data["late"] is False and answered.actor == handler
    with pytest.raises(Conflict):  # nothing left to answer
        step(city, order, "answer_whistle", "lead_liaison")
    detail = _client(city, "town_dispatcher").get(f"/api/v1/workorders/{order.number}").json()
    (whistle,) = detail["whistles"]
    assert whistle["department"] == city.department.code
    assert whistle["answered_at"] is not None and whistle["late"] is False
    assert {"workorder.whistle", "workorder.answer_whistle"} <= set(
        AuditRecord.objects.values_list("action", flat=True)
    )
    assert verify_chain().ok


def test_only_a_town_whistles_and_only_the_called_unit_answers(city: City) -> None:
    order = order_in(city, State.DISPATCHED)
    with pytest.raises(PermissionDenied):
        step(city, order, "whistle", "county_dispatcher", department=city.department.code)
    # The lead unit was not called: it may not answer a whistle.
    with pytest.raises(PermissionDenied):
        step(city, order, "answer_whistle", "dept_handler")
    refused = _client(city, "dept_handler").post(
        f"/api/v1/workorders/{order.number}/answer_whistle",
        data="{}",
        content_type="application/json",
    )
    assert refused.status_code == 403


def test_the_sweep_flags_a_call_left_unanswered_once(city: City, settings: object) -> None:
    order = order_in(city, State.RECEIVED)
    step(city, order, "whistle", "town_dispatcher", department=city.other_department.code)
    soon = timezone.now() + timedelta(minutes=20)
    assert sweep_deadlines(now=soon).whistles_unanswered == 0
    late = timezone.now() + timedelta(minutes=31)
    assert sweep_deadlines(now=late).whistles_unanswered == 1
    assert sweep_deadlines(now=late + timedelta(minutes=5)).whistles_unanswered == 0
    flagged = order.events.get(kind=EventKind.WHISTLE_OVERDUE)
    assert city.other_department.name in flagged.note
    assert order.whistles.get().overdue_noted_at == late
    assert AuditRecord.objects.filter(action="workorder.whistle_overdue").count() == 1


def test_the_answer_time_is_configuration(city: City, settings: object) -> None:
    settings.WORKORDERS_WHISTLE_ANSWER_MINUTES = 5  # type: ignore[attr-defined]
    order = order_in(city, State.RECEIVED)
    order = perform_action(
        order,
        "whistle",
        actor=city["town_dispatcher"],
        department=city.other_department.code,
    )
    whistle = order.whistles.get()
    assert whistle.answer_by - whistle.called_at == timedelta(minutes=5)


def _client(city: City, username: str) -> Client:
    client = Client()
    client.force_login(city[username])
    return client
