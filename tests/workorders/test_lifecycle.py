"""The work-order services: the transition matrix, guards, concurrency, idempotency, scope,
deadlines and the records each act leaves."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from tests.workorders.factories import City, load_city, new_order, order_in, step
from yiwang.core.audit import verify_chain
from yiwang.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from yiwang.core.models import AuditRecord
from yiwang.core.workcalendar import default_calendar
from yiwang.org.models import Department
from yiwang.workorders.choices import State
from yiwang.workorders.lifecycle import ACTIONS, WORKING
from yiwang.workorders.models import WorkOrder, WorkOrderEvent
from yiwang.workorders.models.order import AppendOnlyError
from yiwang.workorders.numbering import next_number
from yiwang.workorders.services import perform_action

pytestmark = pytest.mark.django_db

# The business roles, a liaison of the lead unit, and one reader without business rights.
ACTORS = [
    "city_dispatcher",
    "county_dispatcher",
    "town_dispatcher",
    "dept_handler",
    "lead_liaison",
    "grid_worker",
    "hotline_agent",
    "leader",
    "citizen",
    "auditor",
]


class _Undo(Exception):
    """Raised to roll back one attempt of the matrix."""


def _fields(city: City, order: WorkOrder, action: str, spare: WorkOrder) -> dict[str, Any]:
    reason = {"reason": "理由"}
    due = order.due_at or timezone.now()
    return {
        "classify": {"category": city.category.code},
        "dispatch": {"department": city.department.code},
        "direct_answer": {"reply": "已按知识库答复"},
        "transfer": {"line": "119"},
        "merge": {"parent": spare.number},
        "reply": {"reply": "已处理"},
        "request_extension": {"until": due + timedelta(days=10), **reason},
        "callback": {"rating": "very_satisfied"},
        "reopen": {"rating": "dissatisfied", **reason},
        "redispatch": {"department": city.other_department.code},
        "rule": {"department": city.other_department.code, **reason},
        "supervise": {"note": "限期办结"},
        "add_unit": {"department": city.other_department.code},
        "note": {"note": "已电话联系"},
        "whistle": {"department": city.other_department.code},
        "answer_whistle": {},
        "self_handle": {"note": "已现场劝离并清理"},
        "check_self_handled": {},
    }.get(action, reason)


def _attempt(city: City, pk: int, action: str, username: str, spare: WorkOrder) -> str:
    """Take the action and roll it back; answer "ok" or the refusal's class name."""
    outcome = "ok"
    try:
        with transaction.atomic():
            order = WorkOrder.objects.get(pk=pk)
            if action in ("grant_extension", "deny_extension") and order.state in WORKING:
                fields = _fields(city, order, "request_extension", spare)
                order = step(city, order, "request_extension", "dept_handler", **fields)
            if action == "answer_whistle":  # a town has called the unit to this order
                now = timezone.now()
                order.whistles.create(
                    department=city.department, called_at=now, answer_by=now + timedelta(hours=1)
                )
            if action == "check_self_handled":  # the grid worker handled it themself
                order.events.create(
                    kind="self_handled", actor=city["grid_worker"], created_at=timezone.now()
                )
            perform_action(
                order, action, actor=city[username], **_fields(city, order, action, spare)
            )
            raise _Undo
    except _Undo:
        pass
    except DomainError as exc:
        outcome = type(exc).__name__
    return outcome


def test_transition_matrix_allows_exactly_the_table() -> None:
    """Every state × action × role: allowed iff the table says so; otherwise 404 for an order
    out of sight, 403 for a role that may never act so, 409 for the wrong state."""
    city = load_city()
    spare = new_order(city)
    checked = successes = 0
    for state in State.values:
        order = order_in(city, state)
        for username in ACTORS:
            user = city[username]
            sees = WorkOrder.objects.visible_to(user).filter(pk=order.pk).exists()
            roles = {a.role for a in user.role_assignments.all()}
            for action in ACTIONS.values():
                if not sees:
                    expected = "NotFound"
                elif not roles & action.roles:
                    expected = "PermissionDenied"
                elif state not in action.from_states:
                    expected = "Conflict"
                else:
                    expected = "ok"
                got = _attempt(city, order.pk, action.name, username, spare)
                assert got == expected, (state, action.name, username)
                checked += 1
                successes += got == "ok"
    assert checked == len(State.values) * len(ACTORS) * len(ACTIONS)
    # Sanity: the matrix exercised real transitions, and nothing was left behind.
    assert successes > 150
    assert verify_chain().ok


def test_main_path_records_timeline_audit_and_deadline() -> None:
    city = load_city()
    order = order_in(city, State.CLOSED)
    kinds = list(order.events.values_list("kind", flat=True))
    assert kinds == [
        "received",
        "dispatched",
        "acknowledged",
        "started",
        "replied",
        "approved",
        "called_back",
    ]
    event = order.events.get(kind="dispatched")
    assert (event.from_state, event.to_state, event.actor.username) == (
        "received",
        "dispatched",
        "town_dispatcher",
    )
    assert event.data["department"] == city.department.code
    actions = set(
        AuditRecord.objects.filter(object_id=str(order.pk)).values_list("action", flat=True)
    )
    assert {"workorder.received", "workorder.dispatch", "workorder.callback"} <= actions
    # A consultation: 3 working days from dispatch on the official calendar.
    assert order.dispatched_at is not None
    assert order.due_at == default_calendar().add(order.dispatched_at, 3, "working_days")
    assert order.rating == "satisfied"
    assert order.handler == city["dept_handler"]
    assert order.center.tier == "town" and order.version == 7
    # The grid worker's report starts at the town; the demo's department handler sees it only
    # once dispatched to its department.
    assert order.number.startswith("WG") and len(order.number) == 16
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        order.events.all().delete()


def test_required_fields_concurrency_and_side_paths() -> None:
    city = load_city()
    order = order_in(city, State.DISPATCHED)
    # A missing reason is refused, naming the field, and writes nothing.
    events = WorkOrderEvent.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        perform_action(order, "return", actor=city["dept_handler"], reason="")
    assert exc.value.field == "reason"
    perform_action(order, "urge", actor=city["leader"])
    with pytest.raises(ValidationFailed) as exc:
        perform_action(order, "supervise", actor=city["leader"])
    assert exc.value.field == "note"
    assert WorkOrderEvent.objects.count() == events + 1  # only the urge went through
    order.refresh_from_db()
    assert order.urge_count == 1

    # Two people act on the same loaded version: the second is refused, naming the version.
    first = WorkOrder.objects.get(pk=order.pk)
    second = WorkOrder.objects.get(pk=order.pk)
    perform_action(first, "acknowledge", actor=city["dept_handler"])
    with pytest.raises(Conflict) as conflict:
        perform_action(second, "urge", actor=city["leader"])
    assert conflict.value.details["current_version"] == first.version
    with pytest.raises(Conflict):
        perform_action(first, "note", actor=city["leader"], note="x", expected_version=1)

    # Wrong state names the state and what is possible; wrong role names the role.
    with pytest.raises(Conflict) as wrong_state:
        perform_action(first, "acknowledge", actor=city["dept_handler"])
    assert wrong_state.value.details["state"] == "acknowledged"
    assert "start" in wrong_state.value.details["allowed_actions"]
    with pytest.raises(PermissionDenied) as wrong_role:
        perform_action(first, "approve", actor=city["dept_handler"])
    assert "dept_handler" in wrong_role.value.message

    # Extension: requested and granted dates kept apart; the clock pauses while pending.
    due = first.due_at
    assert due is not None
    asked = due + timedelta(days=7)
    step(city, first, "start", "dept_handler")
    step(city, first, "request_extension", "dept_handler", until=asked, reason="需采购配件")
    assert first.extension_pending and first.paused[0][1] is None
    with pytest.raises(Conflict):
        step(city, first, "request_extension", "dept_handler", until=asked, reason="again")
    granted = due + timedelta(days=3)
    step(city, first, "grant_extension", "county_dispatcher", until=granted)
    assert first.extension_requested_until == asked
    assert first.extension_granted_until == first.due_at == granted
    assert not first.extension_pending and first.paused[0][1] is not None

    # Escalation: town → county → city, then no higher.
    other = new_order(city)
    step(city, other, "escalate", "town_dispatcher", reason="跨镇街问题")
    assert (other.state, other.tier) == ("received", "county")
    with pytest.raises(PermissionDenied):  # the town no longer owns it
        step(city, other, "escalate", "town_dispatcher", reason="again")
    step(city, other, "escalate", "county_dispatcher", reason="跨区问题")
    assert other.tier == "city"

    # Return → dispute → joint-conference ruling (city dispatcher only).
    disputed = order_in(city, State.DISPUTED)
    with pytest.raises(PermissionDenied):
        step(city, disputed, "rule", "county_dispatcher", department="x", reason="r")
    step(
        city,
        disputed,
        "rule",
        "city_dispatcher",
        department=city.other_department.code,
        reason="联席会议裁定",
    )
    assert disputed.state == "dispatched"
    assert disputed.lead_department == city.other_department and disputed.return_count == 1

    # Merge: the child closes with its parent.
    parent = order_in(city, State.CALLBACK)
    child = new_order(city)
    step(city, child, "merge", "hotline_agent", parent=parent.number)
    step(city, parent, "callback", "hotline_agent", rating="satisfied")
    child.refresh_from_db()
    assert child.state == "merged" and child.parent == parent and child.closed_at is not None

    # Reopen after an unsatisfied callback: dispatched again, counted.
    again = order_in(city, State.CALLBACK)
    with pytest.raises(ValidationFailed):
        step(city, again, "reopen", "hotline_agent", rating="satisfied", reason="r")
    step(city, again, "reopen", "hotline_agent", rating="very_dissatisfied", reason="未修好")
    assert (again.state, again.reopen_count) == ("dispatched", 1)
    assert verify_chain().ok


def test_intake_validation_idempotency_and_scope() -> None:
    city = load_city()
    before = WorkOrder.objects.count()
    bad: list[tuple[dict[str, Any], str]] = [
        ({"lon": 100.0, "lat": 30.0}, "lon"),
        ({"description": "长" * 4001}, "description"),
        ({"category": "NOPE"}, "category"),
        ({"request_type": "gossip"}, "request_type"),
        ({"request_type": "complaint", "contact_phone": ""}, "contact_phone"),
        ({"contact_phone": "12345"}, "contact_phone"),
        ({"lon": None, "lat": None, "address": ""}, "lon"),
    ]
    for fields, name in bad:
        with pytest.raises(ValidationFailed) as exc:
            new_order(city, **fields)
        assert exc.value.details["field"] == name, fields
    with pytest.raises(ValidationFailed) as outside:
        new_order(city, lon=100.0, lat=30.0)
    assert "不在本市管辖范围内" in outside.value.message
    # A confidential complaint needs no phone.
    new_order(city, request_type="complaint", contact_phone="", confidential=True)
    assert WorkOrder.objects.count() == before + 1

    # Idempotency: the same key and body give the same order; another body is a conflict.
    first = new_order(city, idempotency_key="key-12345")
    count = WorkOrder.objects.count()
    assert new_order(city, idempotency_key="key-12345").number == first.number
    assert WorkOrder.objects.count() == count
    with pytest.raises(Conflict) as conflict:
        new_order(city, idempotency_key="key-12345", description="另一件事")
    assert conflict.value.details["field"] == "Idempotency-Key"

    # Numbers: channel prefix, local date, daily sequence.
    hotline = new_order(city, by="hotline_agent", channel="hotline")
    today = timezone.localdate().strftime("%Y%m%d")
    assert hotline.number == f"RX{today}000001"
    assert hotline.center.tier == "city"  # every channel but grid starts at the city center

    # Scope: another county's dispatcher does not see it; a handler sees only its orders.
    from yiwang.accounts.services import create_user
    from yiwang.org.models import CommandCenter
    from yiwang.org.services import assign_role

    stranger = create_user(actor=None, username="haimen", password="Test-Passw0rd!")
    center = CommandCenter.objects.get(region__code="320614")
    assign_role(stranger, "county_dispatcher", actor=None, center=center)
    with pytest.raises(NotFound):
        perform_action(first, "note", actor=stranger, note="x")
    far = new_order(
        city,
        by="hotline_agent",
        channel="hotline",
        lon=city.other_county_point[0],
        lat=city.other_county_point[1],
    )
    visible = set(WorkOrder.objects.visible_to(stranger).values_list("number", flat=True))
    assert first.number not in visible
    handler = city["dept_handler"]
    assert not WorkOrder.objects.visible_to(handler).exists()
    step(city, first, "dispatch", "town_dispatcher", department=city.department.code)
    assert list(WorkOrder.objects.visible_to(handler).values_list("number", flat=True)) == [
        first.number
    ]
    assert far.county is not None and far.county.code != "320613"
    assert not WorkOrder.objects.visible_to(city["citizen"]).exists()
    # A city department (the demo liaison's) sees what its county branch leads.
    liaison = city["dept_liaison"]
    city_department = liaison.role_assignments.get(role="dept_liaison").department
    branch = Department.objects.filter(parent=city_department).first()
    assert branch is not None
    assert not WorkOrder.objects.visible_to(liaison).exists()
    step(city, hotline, "dispatch", "city_dispatcher", department=branch.code)
    assert list(WorkOrder.objects.visible_to(liaison)) == [hotline]


@override_settings(WORKORDERS_GRID_INTAKE_TIER="county")
def test_grid_intake_tier_is_configurable() -> None:
    city = load_city()
    order = new_order(city)
    assert order.tier == "county" and order.center.region.code == "320613"


def test_routing_is_suggested_and_auto_dispatch_is_configuration() -> None:
    city = load_city()
    category = "E0101"
    manual = new_order(city, by="hotline_agent", channel="hotline", category=category)
    routed = manual.events.get(kind="routed").data
    assert manual.state == "received" and routed["department"]
    # Dispatch without naming a department takes the catalogue's answer.
    step(city, manual, "dispatch", "city_dispatcher")
    assert manual.lead_department is not None
    assert manual.lead_department.code == routed["department"]
    with override_settings(WORKORDERS_AUTO_DISPATCH=True):
        auto = new_order(city, by="hotline_agent", channel="hotline", category=category)
    assert auto.state == "dispatched" and auto.due_at is not None
    dispatched = auto.events.get(kind="dispatched")
    assert dispatched.actor is None and dispatched.data["department"] == routed["department"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_intakes_never_share_a_number() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent connections (PostgreSQL)")
    numbers: list[str] = []
    errors: list[BaseException] = []

    def allocate() -> None:
        try:
            for _ in range(10):
                with transaction.atomic():
                    numbers.append(next_number("hotline"))
        except BaseException as exc:  # reported below, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=allocate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(numbers) == len(set(numbers)) == 40
    assert max(numbers).endswith("000040")


def test_deadline_rules_of_returns_and_extensions() -> None:
    city = load_city()
    # A denied extension: the pause is closed and the deadline does not move earlier.
    order = order_in(city, State.IN_PROGRESS)
    due = order.due_at
    assert due is not None
    step(
        city, order, "request_extension", "dept_handler", until=due + timedelta(days=5), reason="r"
    )
    with pytest.raises(ValidationFailed) as missing:
        step(city, order, "deny_extension", "town_dispatcher")
    assert missing.value.field == "reason"
    step(city, order, "deny_extension", "town_dispatcher", reason="可按期办结")
    assert not order.extension_pending and order.extension_granted_until is None
    assert order.paused[0][1] is not None and order.due_at is not None and order.due_at >= due
    with pytest.raises(Conflict):  # nothing pending any more
        step(city, order, "grant_extension", "town_dispatcher")
    # Asking for a date before the deadline is refused, naming the field.
    with pytest.raises(ValidationFailed) as early:
        step(city, order, "request_extension", "dept_handler", until=due, reason="r")
    assert early.value.field == "until"

    # With no time left, an extension can no longer be asked for, nor the order returned.
    no_time = {"WORKORDERS_TIME_LIMITS": {"consultation": (0, "hours")}}
    with override_settings(**no_time, WORKORDERS_RETURN_WINDOW=(0, "hours")):
        late = order_in(city, State.ACKNOWLEDGED)
        with pytest.raises(Conflict) as after_deadline:
            step(city, late, "request_extension", "dept_handler", until=timezone.now(), reason="r")
        assert "之前提出" in after_deadline.value.message
        with pytest.raises(Conflict) as after_window:
            step(city, late, "return", "dept_handler", reason="不属于本单位")
        assert "退单时限" in after_window.value.message
    # Emergencies get two hours whatever their request type.
    urgent = order_in(city, State.DISPATCHED, priority="emergency")
    assert urgent.dispatched_at is not None
    assert urgent.due_at == urgent.dispatched_at + timedelta(hours=2)
    assert (urgent.time_limit, urgent.time_limit_unit) == (2, "hours")
