"""Supervision boards and the department workbench."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.workorders.factories import City, new_order, order_in, step
from yiwang.workorders.choices import State
from yiwang.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db

DEPARTMENT = reverse("console:department")


def _board(kind: str) -> str:
    return reverse("console:board", args=[kind])


def test_the_overdue_board_lists_late_orders_with_an_urge_button(city: City, as_user: Any) -> None:
    late = order_in(city, State.ACKNOWLEDGED)
    fresh = order_in(city, State.ACKNOWLEDGED)
    WorkOrder.objects.filter(pk=late.pk).update(due_at=late.received_at)  # a test-only shortcut
    client = as_user("town_dispatcher")
    page = client.get(_board("overdue")).content.decode()
    assert late.number in page and fresh.number not in page
    response = client.post(
        reverse("console:order-action", args=[late.number, "urge"]),
        {"urge-version": late.version, "urge-next": _board("overdue")},
    )
    assert response.status_code == 302 and response["Location"] == _board("overdue")
    late.refresh_from_db()
    assert late.urge_count == 1
    assert late.number in client.get(_board("urged")).content.decode()


def test_the_supervised_board(city: City, as_user: Any) -> None:
    order = order_in(city, State.DISPATCHED)
    step(city, order, "supervise", "town_dispatcher", note="三日内办结")
    page = as_user("town_dispatcher").get(_board("supervised")).content.decode()
    assert order.number in page and "三日内办结" in page


def test_the_joint_conference_agenda_records_the_ruling(city: City, as_user: Any) -> None:
    order = order_in(city, State.DISPUTED)
    # A town dispatcher sees the agenda but may not rule.
    town_page = as_user("town_dispatcher").get(_board("disputed")).content.decode()
    assert order.number in town_page and "由市级中心裁定" in town_page
    assert "/rule/" not in town_page

    client = as_user("city_dispatcher")
    page = client.get(_board("disputed")).content.decode()
    assert "职责有争议" in page  # the referral's reason is on the agenda
    assert f"/console/orders/{order.number}/rule/" in page
    response = client.post(
        reverse("console:order-action", args=[order.number, "rule"]),
        {
            "rule-version": order.version,
            "rule-department": city.other_department.code,
            "rule-reason": "联席会议裁定由该单位办理",
            "rule-next": _board("disputed"),
        },
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == State.DISPATCHED
    assert order.lead_department_id == city.other_department.pk


def test_extension_requests_are_granted_or_denied_from_the_board(city: City, as_user: Any) -> None:
    granted, denied = order_in(city, State.IN_PROGRESS), order_in(city, State.IN_PROGRESS)
    for order in (granted, denied):
        assert order.due_at is not None
        step(
            city,
            order,
            "request_extension",
            "dept_handler",
            until=order.due_at + timedelta(days=5),
            reason="需采购材料",
        )
        order.refresh_from_db()
    client = as_user("town_dispatcher")
    page = client.get(_board("extensions")).content.decode()
    assert granted.number in page and "需采购材料" in page
    client.post(
        reverse("console:order-action", args=[granted.number, "grant_extension"]),
        {"grant_extension-version": granted.version},
    )
    client.post(
        reverse("console:order-action", args=[denied.number, "deny_extension"]),
        {"deny_extension-version": denied.version, "deny_extension-reason": "时限足够"},
    )
    granted.refresh_from_db()
    denied.refresh_from_db()
    assert granted.due_at == granted.extension_requested_until
    assert not granted.extension_pending and not denied.extension_pending
    assert denied.extension_granted_until is None
    assert granted.number not in client.get(_board("extensions")).content.decode()


def test_an_unknown_board_is_a_404_and_boards_are_for_dispatchers(as_user: Any) -> None:
    assert as_user("town_dispatcher").get(_board("nonsense")).status_code == 404
    assert as_user("dept_handler").get(_board("overdue")).status_code == 403


def test_the_department_acknowledges_from_its_workbench(city: City, as_user: Any) -> None:
    incoming = order_in(city, State.DISPATCHED)
    working = order_in(city, State.IN_PROGRESS)
    elsewhere = new_order(city)  # not dispatched: not the unit's
    client = as_user("dept_handler")
    page = client.get(DEPARTMENT).content.decode()
    assert incoming.number in page and working.number in page
    assert elsewhere.number not in page
    assert f"/console/orders/{incoming.number}/acknowledge/" in page
    response = client.post(
        reverse("console:order-action", args=[incoming.number, "acknowledge"]),
        {"acknowledge-version": incoming.version, "acknowledge-next": DEPARTMENT},
    )
    assert response.status_code == 302 and response["Location"] == DEPARTMENT
    incoming.refresh_from_db()
    assert incoming.state == State.ACKNOWLEDGED


def _figure(page: str, kpi: str) -> str:
    start = page.index(f'data-kpi="{kpi}"')
    value = page.index("yw-card-value", start)
    return page[page.index(">", value) + 1 : page.index("</dd>", value)].strip()


def test_the_workbench_shows_the_units_figures_and_rank(city: City, as_user: Any) -> None:
    client = as_user("dept_handler")
    before = client.get(DEPARTMENT).content.decode()
    assert _figure(before, "orders") == "0"
    order_in(city, State.CLOSED)
    order_in(city, State.DISPATCHED)
    after = client.get(DEPARTMENT).content.decode()
    assert _figure(after, "orders") == "2"
    assert _figure(after, "satisfaction_rate") == "100%"
    assert _figure(after, "response_rate") == "50%"
    assert _figure(after, "rank") == "1 / 1"


def test_only_department_roles_use_the_workbench(as_user: Any) -> None:
    assert as_user("town_dispatcher").get(DEPARTMENT).status_code == 403


def _department_queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(DEPARTMENT).status_code == 200
    return len(ctx.captured_queries)


def test_the_workbench_costs_the_same_queries_for_2_or_12_orders(
    city: City, as_user: Any, django_assert_max_num_queries: Any
) -> None:
    client = as_user("dept_handler")
    order_in(city, State.DISPATCHED)
    order_in(city, State.IN_PROGRESS)
    _department_queries(client)  # the tier's ranking is cached from the first visit on
    few = _department_queries(client)
    for _ in range(5):
        order_in(city, State.DISPATCHED)
        order_in(city, State.ACKNOWLEDGED)
    with django_assert_max_num_queries(12):
        assert client.get(DEPARTMENT).status_code == 200
    assert _department_queries(client) == few


def _board_queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(_board("extensions")).status_code == 200
    return len(ctx.captured_queries)


def test_a_board_costs_the_same_queries_for_1_or_4_orders(city: City, as_user: Any) -> None:
    client = as_user("town_dispatcher")

    def pending() -> None:
        order = order_in(city, State.IN_PROGRESS)
        assert order.due_at is not None
        step(
            city,
            order,
            "request_extension",
            "dept_handler",
            until=order.due_at + timedelta(days=5),
            reason="需采购材料",
        )

    pending()
    few = _board_queries(client)
    for _ in range(3):
        pending()
    assert _board_queries(client) == few


def test_the_rank_compares_with_the_other_units_of_the_tier(city: City, as_user: Any) -> None:
    # The other unit of the county closes its order on time; ours is still open and late.
    theirs = order_in(city, State.DISPATCHED)
    step(city, theirs, "return", "dept_handler", reason="非本单位职责")
    step(city, theirs, "redispatch", "town_dispatcher", department=city.other_department.code)
    ours = order_in(city, State.DISPATCHED)
    WorkOrder.objects.filter(pk=ours.pk).update(due_at=ours.received_at)  # a test-only shortcut
    WorkOrder.objects.filter(pk=theirs.pk).update(
        replied_at=theirs.received_at, due_at=theirs.received_at + timedelta(hours=1)
    )
    page = as_user("dept_handler").get(DEPARTMENT).content.decode()
    assert _figure(page, "rank") == "2 / 2"


def test_a_whistled_unit_reports_from_its_workbench(city: City, as_user: Any) -> None:
    order = new_order(city)  # at the town center, not yet dispatched
    town = as_user("town_dispatcher")
    page = town.get(reverse("console:order", args=[order.number])).content.decode()
    assert f"/console/orders/{order.number}/whistle/" in page
    response = town.post(
        reverse("console:order-action", args=[order.number, "whistle"]),
        {"whistle-version": order.version, "whistle-department": city.department.code},
    )
    assert response.status_code == 302
    order.refresh_from_db()

    client = as_user("dept_handler")
    page = client.get(DEPARTMENT).content.decode()
    assert "吹哨待报到" in page and order.number in page
    response = client.post(
        reverse("console:order-action", args=[order.number, "answer_whistle"]),
        {"answer_whistle-version": order.version, "answer_whistle-next": DEPARTMENT},
    )
    assert response.status_code == 302 and response["Location"] == DEPARTMENT
    assert order.whistles.get().answered_at is not None
    assert (
        f"/console/orders/{order.number}/answer_whistle/"
        not in client.get(DEPARTMENT).content.decode()
    )
