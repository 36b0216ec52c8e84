"""The dispatcher's queue: scope, filters, sort, saved views, bulk dispatch, query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.workorders.factories import City, new_order, order_in, step
from yiwang.console.models import SavedView
from yiwang.core.models import AuditRecord
from yiwang.workorders.choices import State
from yiwang.workorders.models import WorkOrder
from yiwang.workorders.services import create_work_order

pytestmark = pytest.mark.django_db

QUEUE = reverse("console:queue")


def _elsewhere(city: City) -> WorkOrder:
    """An order in another county, filed on the hotline (city center)."""
    lon, lat = city.other_county_point
    return create_work_order(
        actor=city["hotline_agent"],
        channel="hotline",
        request_type="consultation",
        description="别处的路灯不亮。",
        lon=lon,
        lat=lat,
        contact_phone="13812345678",
    )


def test_a_town_dispatcher_sees_only_its_towns_orders(city: City, as_user: Any) -> None:
    mine = new_order(city)
    theirs = _elsewhere(city)
    page = as_user("town_dispatcher").get(QUEUE).content.decode()
    assert mine.number in page
    assert theirs.number not in page
    # The city dispatcher sees both.
    page = as_user("city_dispatcher").get(QUEUE).content.decode()
    assert mine.number in page and theirs.number in page


def test_a_crafted_filter_does_not_widen_the_scope(city: City, as_user: Any) -> None:
    theirs = _elsewhere(city)
    assert theirs.county is not None
    client = as_user("town_dispatcher")
    page = client.get(QUEUE, {"q": theirs.number, "county": theirs.county.code}).content.decode()
    assert f"/console/orders/{theirs.number}/" not in page


def test_filters_narrow_the_queue(city: City, as_user: Any) -> None:
    received = new_order(city, description="井盖缺失，存在安全隐患。")
    dispatched = order_in(city, State.DISPATCHED)
    closed = order_in(city, State.CLOSED)
    client = as_user("town_dispatcher")

    default = client.get(QUEUE).content.decode()
    assert received.number in default and dispatched.number in default
    assert closed.number not in default  # the queue shows open orders unless asked

    by_state = client.get(QUEUE, {"state": "dispatched"}).content.decode()
    assert dispatched.number in by_state and received.number not in by_state

    by_text = client.get(QUEUE, {"q": "井盖"}).content.decode()
    assert received.number in by_text and dispatched.number not in by_text

    by_unit = client.get(QUEUE, {"department": city.department.code}).content.decode()
    assert dispatched.number in by_unit and received.number not in by_unit

    closed_too = client.get(QUEUE, {"state": "closed"}).content.decode()
    assert closed.number in closed_too

    not_late = client.get(QUEUE, {"overdue": "yes"}).content.decode()
    assert dispatched.number not in not_late


def test_overdue_orders_are_coloured_and_come_first(city: City, as_user: Any) -> None:
    fresh = order_in(city, State.DISPATCHED)
    late = order_in(city, State.DISPATCHED)
    WorkOrder.objects.filter(pk=late.pk).update(due_at=late.received_at)  # a test-only shortcut
    page = as_user("town_dispatcher").get(QUEUE).content.decode()
    assert page.index(late.number) < page.index(fresh.number)
    assert "yc-risk-overdue" in page and "已超期" in page
    overdue_only = as_user("town_dispatcher").get(QUEUE, {"overdue": "yes"}).content.decode()
    assert late.number in overdue_only and fresh.number not in overdue_only


def test_htmx_asks_for_the_results_only(city: City, as_user: Any) -> None:
    order = new_order(city)
    response = as_user("town_dispatcher").get(QUEUE, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert order.number in body
    assert "<html" not in body


def test_department_people_are_sent_to_their_workbench(as_user: Any) -> None:
    response = as_user("dept_handler").get(QUEUE)
    assert response.status_code == 302
    assert response["Location"] == reverse("console:department")


def test_other_roles_get_a_page_that_says_no(as_user: Any) -> None:
    response = as_user("grid_worker").get(QUEUE)
    assert response.status_code == 403
    assert "无权" in response.content.decode()


def test_saved_views_are_kept_listed_and_deleted_with_audit(city: City, as_user: Any) -> None:
    client = as_user("town_dispatcher")
    response = client.post(
        reverse("console:saved-view-create"),
        {"name": "待派单", "query": "state=received&page=3"},
    )
    assert response.status_code == 302
    view = SavedView.objects.get(owner=city["town_dispatcher"])
    assert view.query == "state=received"  # the page number is not part of a view
    assert response["Location"] == f"{QUEUE}?state=received"
    assert "待派单" in client.get(QUEUE).content.decode()
    assert AuditRecord.objects.filter(action="console.saved_view_created").count() == 1

    again = client.post(reverse("console:saved-view-create"), {"name": "待派单", "query": ""})
    assert again.status_code == 422
    assert "已有同名视图" in again.content.decode()

    # Someone else's view is the same 404 as a missing one.
    other = as_user("county_dispatcher").post(reverse("console:saved-view-delete", args=[view.pk]))
    assert other.status_code == 404
    client.post(reverse("console:saved-view-delete", args=[view.pk]))
    assert not SavedView.objects.exists()
    assert AuditRecord.objects.filter(action="console.saved_view_deleted").count() == 1


def test_bulk_dispatch_reports_each_order(city: City, as_user: Any) -> None:
    first, second, stale = new_order(city), new_order(city), new_order(city)
    step(city, stale, "classify", "town_dispatcher", category=city.category.code)
    response = as_user("town_dispatcher").post(
        reverse("console:bulk-dispatch"),
        {
            "department": city.department.code,
            "orders": [
                f"{first.number}:{first.version}",
                f"{second.number}:{second.version}",
                f"{stale.number}:1",  # loaded before the classification
            ],
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "2 张已派出，1 张被拒绝" in body
    states = dict(WorkOrder.objects.values_list("number", "state"))
    assert states[first.number] == states[second.number] == State.DISPATCHED
    assert states[stale.number] == State.RECEIVED


def test_bulk_dispatch_needs_orders_and_a_unit(as_user: Any) -> None:
    response = as_user("town_dispatcher").post(reverse("console:bulk-dispatch"), {"orders": []})
    assert response.status_code == 422


def _queue_queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(QUEUE).status_code == 200
    return len(ctx.captured_queries)


def test_the_queue_costs_the_same_queries_for_2_or_12_orders(
    city: City, as_user: Any, django_assert_max_num_queries: Any
) -> None:
    client = as_user("town_dispatcher")
    order_in(city, State.DISPATCHED)
    new_order(city)
    few = _queue_queries(client)
    for _ in range(5):
        order_in(city, State.DISPATCHED)
        new_order(city)
    with django_assert_max_num_queries(14):
        assert client.get(QUEUE).status_code == 200
    assert _queue_queries(client) == few


def test_an_action_on_an_order_out_of_sight_is_a_404(city: City, as_user: Any) -> None:
    theirs = _elsewhere(city)
    response = as_user("town_dispatcher").post(
        reverse("console:order-action", args=[theirs.number, "dispatch"]),
        {"dispatch-version": theirs.version, "dispatch-department": city.department.code},
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == State.RECEIVED


@pytest.mark.parametrize(
    ("username", "shown", "hidden"),
    [
        ("town_dispatcher", ["派单队列", "督办看板"], ["部门工作台"]),
        ("dept_handler", ["部门工作台"], ["派单队列", "督办看板"]),
        ("grid_worker", [], ["派单队列", "督办看板", "部门工作台"]),
    ],
)
def test_the_navigation_shows_each_role_its_console_pages(
    as_user: Any, username: str, shown: list[str], hidden: list[str]
) -> None:
    page = as_user(username).get("/").content.decode()
    nav = page[page.index('class="yw-nav"') : page.index("</nav>")]
    assert all(label in nav for label in shown)
    assert not any(label in nav for label in hidden)


def test_the_console_speaks_english_when_asked(city: City, as_user: Any) -> None:
    order = order_in(city, State.DISPATCHED)
    client = as_user("town_dispatcher")
    client.cookies["django_language"] = "en"
    page = client.get(QUEUE).content.decode()
    assert "<h1>Dispatch queue</h1>" in page
    detail = client.get(reverse("console:order", args=[order.number])).content.decode()
    assert "Timeline" in detail and "Urge" in detail
