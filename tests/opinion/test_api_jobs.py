"""The API's surge, theme and report endpoints; the periodic job; failed and interrupted
reports; query counts of the lists."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.opinion.conftest import client_for, dispatcher_elsewhere, file_orders
from tests.workorders.factories import City
from yiwang.core.models import AuditRecord
from yiwang.opinion.models import OpinionAlert, Report
from yiwang.opinion.services import fail_stale_reports, generate_report, request_report


def _surge(city: City) -> OpinionAlert:
    from yiwang.opinion.services import detect_surges

    for days_ago in range(1, 29):
        file_orders(city, 1, days_ago=days_ago, category=city.category)
    file_orders(city, 12, days_ago=0, category=city.category)
    (alert,) = detect_surges()
    return alert


@pytest.mark.django_db
def test_surges_api_lists_and_acknowledges_in_scope(city: City) -> None:
    alert = _surge(city)
    dispatcher = client_for(city["county_dispatcher"])
    (listed,) = dispatcher.get("/api/v1/opinion/surges?state=open").json()
    assert listed["id"] == alert.pk and listed["count"] == 12 and listed["window"] == "day"
    assert listed["category"] == city.category.code
    assert client_for(dispatcher_elsewhere(city)).get("/api/v1/opinion/surges").json() == []

    leader = client_for(city["leader"]).post(f"/api/v1/opinion/surges/{alert.pk}/acknowledge")
    assert leader.status_code == 403
    done = dispatcher.post(f"/api/v1/opinion/surges/{alert.pk}/acknowledge")
    assert done.status_code == 200 and done.json()["state"] == "acknowledged"
    again = dispatcher.post(f"/api/v1/opinion/surges/{alert.pk}/acknowledge")
    assert again.status_code == 409
    assert dispatcher.get("/api/v1/opinion/surges?state=open").json() == []


@pytest.mark.django_db
def test_themes_api_gives_rates_per_department(city: City) -> None:
    from tests.workorders.factories import order_in, step

    order = order_in(city, "callback")
    step(city, order, "callback", "hotline_agent", rating="very_dissatisfied", resolved=False)
    order_in(city, "closed")
    body = client_for(city["city_dispatcher"]).get("/api/v1/opinion/themes").json()
    (row,) = [d for d in body["departments"] if d["code"] == city.department.code]
    assert (row["orders"], row["rated"], row["satisfied"], row["dissatisfied"]) == (2, 2, 1, 1)
    assert row["satisfaction_rate"] == 0.5 and row["called_back"] == 1
    assert row["resolution_rate"] == 0.0
    assert body["end"] == timezone.localdate().isoformat()


@pytest.mark.django_db
def test_the_periodic_job_detects_surges_every_fifteen_minutes(city: City) -> None:
    from huey.contrib.djhuey import HUEY

    from yiwang.opinion.tasks import surge_detection_task

    for days_ago in range(1, 29):
        file_orders(city, 1, days_ago=days_ago, category=city.category)
    file_orders(city, 12, days_ago=0, category=city.category)
    surge_detection_task()
    assert OpinionAlert.objects.count() == 1
    moment = timezone.now().replace(minute=15, second=0, microsecond=0)
    due = [t.name for t in HUEY.read_periodic(moment)]
    assert "surge_detection_task" in due
    assert "surge_detection_task" not in [
        t.name for t in HUEY.read_periodic(moment + timedelta(minutes=1))
    ]


@pytest.mark.django_db
def test_a_failing_report_is_recorded_as_failed(city: City, monkeypatch: Any) -> None:
    today = timezone.localdate()
    report = request_report(
        actor=city["leader"], domain="all", start=today, end=today, background=False
    )

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr("yiwang.opinion.reports.build_xlsx", broken)
    with pytest.raises(RuntimeError):
        generate_report(report.pk)
    report.refresh_from_db()
    assert report.status == "failed" and "disk full" in report.error
    assert report.finished_at is not None and report.html == ""
    assert AuditRecord.objects.filter(action="opinion.report_failed").exists()
    status = client_for(city["leader"]).get(f"/api/v1/opinion/reports/{report.pk}").json()
    assert status["status_label"] == "失败" and status["html_url"] is None
    # Not finished: no document to open.
    assert client_for(city["leader"]).get(f"/opinion/reports/{report.pk}/").status_code == 404


@pytest.mark.django_db
def test_reports_left_unfinished_by_a_stopped_server_fail(city: City) -> None:
    today = timezone.localdate()
    old = request_report(
        actor=city["leader"], domain="all", start=today, end=today, background=False
    )
    fresh = request_report(
        actor=city["leader"], domain="all", start=today, end=today, background=False
    )
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=2))
    assert fail_stale_reports() == 1
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == ("failed", "queued")


@pytest.mark.django_db
def test_report_lists_take_a_fixed_number_of_queries(city: City) -> None:
    today = timezone.localdate()

    def queries() -> int:
        client = client_for(city["leader"])
        client.get("/api/v1/opinion/reports")  # warm the session and scope
        with CaptureQueriesContext(connection) as api:
            assert client.get("/api/v1/opinion/reports").status_code == 200
        with CaptureQueriesContext(connection) as page:
            assert client.get("/opinion/reports/").status_code == 200
        return len(api) + len(page)

    request_report(actor=city["leader"], domain="all", start=today, end=today, background=False)
    one = queries()
    for who in ("city_dispatcher", "county_dispatcher", "leader"):
        request_report(actor=city[who], domain="all", start=today, end=today, background=False)
    assert queries() == one
