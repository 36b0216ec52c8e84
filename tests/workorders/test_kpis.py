"""KPIs over orders taken through the real lifecycle: each rate moves when its events happen."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from tests.workorders.factories import City, load_city, order_in, step
from yiwang.workorders.choices import State
from yiwang.workorders.kpis import compute_kpis
from yiwang.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def city() -> City:
    return load_city()


def _row(city: City, **settings: Any) -> Any:
    now = timezone.now()
    with override_settings(**settings):
        rows = compute_kpis(
            WorkOrder.objects.all(),
            group_by="department",
            start=now - timedelta(days=1),
            end=now + timedelta(days=400),
        )
    return {r.code: r for r in rows}[city.department.code]


def test_rates_follow_the_lifecycle(city: City) -> None:
    closed = order_in(city, State.CLOSED)  # rated satisfied
    unhappy = order_in(city, State.CALLBACK)
    step(city, unhappy, "callback", "hotline_agent", rating="basically_satisfied")
    order_in(city, State.ACKNOWLEDGED)
    returned = order_in(city, State.RETURNED)
    urged = order_in(city, State.IN_PROGRESS)
    step(city, urged, "urge", "town_dispatcher", note="请尽快处理")

    row = _row(city)
    assert row.dispatched == row.due == 5
    assert row.rated == 2 and row.satisfied == 2
    assert row.satisfaction_rate == 1.0
    assert row.urged == 1 and row.urge_rate == 0.2
    assert row.completed == row.completed_on_time == 2
    assert row.completion_rate == row.on_time_rate == 0.4
    assert row.response_rate == 0.8  # the returned order was never acknowledged
    assert row.return_rate == 0.2
    assert returned.return_count == 1 and closed.rating == "satisfied"

    # A city may count only "satisfied" and "very satisfied".
    strict = _row(city, KPI_BASICALLY_SATISFIED_COUNTS=False)
    assert strict.satisfaction_rate == 0.5


def test_kpi_api_ranks_units_in_scope(city: City) -> None:
    order_in(city, State.CLOSED)
    client = Client()
    client.force_login(city["city_dispatcher"])
    response = client.get("/api/v1/kpis?group_by=department")
    assert response.status_code == 200
    rows = {r["code"]: r for r in response.json()["rows"]}
    assert rows[city.department.code]["satisfaction_rate"] == 1.0

    by_county = client.get("/api/v1/kpis?group_by=county&area=320613").json()["rows"]
    assert [r["code"] for r in by_county] == ["320613"]

    citizen = Client()
    citizen.force_login(city["citizen"])
    assert citizen.get("/api/v1/kpis").json()["rows"] == []
    bad = client.get("/api/v1/kpis?start=2026-02-01&end=2026-01-01")
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "start"
    assert client.get("/api/v1/kpis?area=999999").status_code == 422


def test_resolution_rate_counts_the_callbacks_answer(city: City) -> None:
    solved = order_in(city, State.CALLBACK)
    step(city, solved, "callback", "hotline_agent", rating="satisfied", resolved=True)
    unsolved = order_in(city, State.CALLBACK)
    step(city, unsolved, "callback", "hotline_agent", rating="satisfied", resolved="否")
    unasked = order_in(city, State.CALLBACK)
    step(city, unasked, "callback", "hotline_agent", rating="very_satisfied")
    reopened = order_in(city, State.CALLBACK)
    step(city, reopened, "reopen", "hotline_agent", rating="dissatisfied", reason="没修好")
    row = _row(city)
    assert (row.called_back, row.resolved) == (3, 1)  # the reopened one answered "no" too
    assert row.resolution_rate == pytest.approx(1 / 3, abs=1e-4)
    with pytest.raises(Exception, match="resolved"):
        step(
            city,
            order_in(city, State.CALLBACK),
            "callback",
            "hotline_agent",
            rating="satisfied",
            resolved="maybe",
        )
