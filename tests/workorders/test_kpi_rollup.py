"""The rankings' monthly aggregate: whole fresh months come from it, the rest live, and the
answer equals the live computation for every scope it serves."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from yiwang.accounts.models import User
from yiwang.demo.bulk import generate_bulk
from yiwang.demo.services import load_demo
from yiwang.geo.locator import reset_locator
from yiwang.workorders.kpi_rollup import (
    add_months,
    kpis_for,
    month_bounds,
    month_start,
    refresh_months,
    year_months,
)
from yiwang.workorders.kpis import compute_kpis
from yiwang.workorders.models import KpiMonth, KpiMonthRefresh, WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def year() -> dict[str, User]:
    load_demo(scale="small", password="Test-Passw0rd!")
    reset_locator()
    generate_bulk(count=600, seed=3)
    return {u.username: u for u in User.objects.all()}


def _live(user: User, group_by: Any, start: Any, end: Any) -> list[Any]:
    return compute_kpis(WorkOrder.objects.visible_to(user), group_by=group_by, start=start, end=end)


@pytest.mark.parametrize("username", ["city_dispatcher", "county_dispatcher", "town_dispatcher"])
@pytest.mark.parametrize("group_by", ["department", "county", "town"])
def test_a_year_from_the_aggregate_equals_the_live_computation(
    year: dict[str, User], username: str, group_by: Any, django_assert_max_num_queries: Any
) -> None:
    refresh_months(year_months())
    user = year[username]
    end = month_bounds(month_start(timezone.localdate()))[0] + timedelta(days=3, hours=5)
    start = month_bounds(add_months(month_start(timezone.localdate()), -11))[0] - timedelta(days=9)
    live = _live(user, group_by, start, end)
    with django_assert_max_num_queries(8):  # refresh times, two live edges, the sums
        rolled = kpis_for(user, group_by=group_by, start=start, end=end)
    assert rolled == live
    assert sum(r.orders for r in rolled) > 0 or username != "city_dispatcher"


def test_months_not_fresh_are_computed_live(year: dict[str, User]) -> None:
    user = year["city_dispatcher"]
    this = month_start(timezone.localdate())
    start, end = month_bounds(add_months(this, -3))[0], month_bounds(this)[1]
    refresh_months([add_months(this, -i) for i in range(4)])
    # Orders change after the refresh: a stale aggregate must not answer for them.
    KpiMonthRefresh.objects.update(refreshed_at=timezone.now() - timedelta(days=3))
    WorkOrder.objects.filter(rating="").update(rating="very_satisfied")
    assert kpis_for(user, group_by="county", start=start, end=end) == _live(
        user, "county", start, end
    )


def test_department_roles_are_always_live(year: dict[str, User]) -> None:
    refresh_months(year_months())
    KpiMonth.objects.update(orders=999_999)  # would show if the aggregate answered
    handler = year["dept_handler"]
    this = month_start(timezone.localdate())
    start, end = month_bounds(add_months(this, -6))[0], month_bounds(this)[0]
    rows = kpis_for(handler, group_by="department", start=start, end=end)
    assert all(r.orders < 999_999 for r in rows)


def test_the_api_and_the_command_use_the_aggregate(year: dict[str, User]) -> None:
    out = StringIO()
    call_command("kpis", "refresh", "--months", "13", stdout=out)
    assert "Rebuilt 13 months" in out.getvalue()
    assert KpiMonthRefresh.objects.count() == 13
    client = Client()
    client.force_login(year["city_dispatcher"])
    this = month_start(timezone.localdate())
    first = add_months(this, -12)
    last = this - timedelta(days=1)
    answer = client.get(f"/api/v1/kpis?group_by=county&start={first}&end={last}").json()
    live = _live(
        year["city_dispatcher"], "county", *(month_bounds(first)[0], month_bounds(this)[0])
    )
    assert [(r["code"], r["orders"], r["due"]) for r in answer["rows"]] == sorted(
        [(r.code, r.orders, r.due) for r in live],
        key=lambda t: [x["code"] for x in answer["rows"]].index(t[0]),
    )
