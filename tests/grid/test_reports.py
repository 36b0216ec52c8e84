"""Reports from the phone: photos checked, location checked against the worker's grids,
idempotent resends, 自办 with the center's check, 上报 to the town and the whistle."""

from __future__ import annotations

from typing import Any

import pytest

from tests.grid.conftest import PNG, jpeg, upload
from tests.workorders.factories import City
from yiwang.grid.models import GridReport
from yiwang.workorders.models import Attachment, WorkOrder

pytestmark = pytest.mark.django_db
URL = "/api/v1/grid/reports"


def _form(city: City, **extra: Any) -> dict[str, Any]:
    lon, lat = city.point
    return {
        "description": "小区东门垃圾堆放，影响通行。",
        "category": city.category.code,
        "lon": lon,
        "lat": lat,
        "mode": "escalate",
        "reason": "需城管清运",
        **extra,
    }


def test_report_with_photo_is_created_once_and_hashed(city: City, as_user: Any) -> None:
    client = as_user("grid_worker")
    form = _form(city, photos=[upload("现场.png", PNG)])
    first = client.post(URL, form, HTTP_IDEMPOTENCY_KEY="device-abc-0001")
    assert first.status_code == 201, first.content
    number = first.json()["number"]
    assert number.startswith("WG")
    # The phone resends after a lost connection: same order, nothing new.
    again = client.post(
        URL, _form(city, photos=[upload("现场.png", PNG)]), HTTP_IDEMPOTENCY_KEY="device-abc-0001"
    )
    assert again.status_code == 200 and again.json()["number"] == number
    assert again.json()["replayed"] is True
    assert WorkOrder.objects.filter(channel="grid", grid_report__isnull=False).count() == 1
    order = WorkOrder.objects.get(number=number)
    assert order.state == "received" and order.center.tier == "town"
    assert order.events.filter(kind="grid_escalated").count() == 1
    (photo,) = Attachment.objects.filter(order=order)
    assert len(photo.sha256) == 64 and photo.content_type == "image/png"


def test_bad_photos_are_refused_by_name(city: City, as_user: Any) -> None:
    client = as_user("grid_worker")
    not_image = client.post(URL, _form(city, photos=[upload("说明.pdf", b"%PDF-1.4 x")]))
    assert not_image.status_code == 422
    body = not_image.json()["error"]
    assert body["details"]["field"] == "photos[0]" and "说明.pdf" in body["message"]
    fake = client.post(URL, _form(city, photos=[upload("photo.jpg", b"MZ\x90\x00")]))
    assert fake.status_code == 422
    big = client.post(URL, _form(city, photos=[upload("big.jpg", jpeg(11 * 1024 * 1024))]))
    assert big.status_code == 422 and big.json()["error"]["details"]["field"] == "photos[0]"
    assert not WorkOrder.objects.filter(channel="grid", grid_report__isnull=False).exists()


def test_outside_my_grids_needs_a_reason_and_is_flagged(city: City, as_user: Any) -> None:
    client = as_user("grid_worker")
    lon, lat = city.other_county_point
    refused = client.post(URL, _form(city, lon=lon, lat=lat))
    assert refused.status_code == 422
    assert refused.json()["error"]["details"]["field"] == "outside_reason"
    ok = client.post(URL, _form(city, lon=lon, lat=lat, outside_reason="路过发现"))
    assert ok.status_code == 201 and ok.json()["outside_grid"] is True
    assert GridReport.objects.get(order__number=ok.json()["number"]).outside_reason == "路过发现"


def test_self_handle_then_the_town_checks(city: City, as_user: Any) -> None:
    worker = as_user("grid_worker")
    made = worker.post(URL, _form(city, mode="self", reason="", photos=[upload("前.png", PNG)]))
    assert made.status_code == 201
    number = made.json()["number"]
    no_photo = worker.post(f"/api/v1/grid/orders/{number}/self-handle", {"note": "已清理"})
    assert no_photo.status_code == 422
    done = worker.post(
        f"/api/v1/grid/orders/{number}/self-handle",
        {"note": "已清理完毕", "photos": [upload("后.png", PNG)]},
    )
    assert done.status_code == 200, done.content
    assert done.json()["state"] == "replied"  # waits for the town's check
    town = as_user("town_dispatcher")
    checked = town.post(
        f"/api/v1/workorders/{number}/check_self_handled",
        {"accepted": True},
        content_type="application/json",
    )
    assert checked.status_code == 200, checked.content
    order = WorkOrder.objects.get(number=number)
    assert order.state == "closed" and order.closed_at is not None
    assert order.attachments.count() == 2


def test_self_handled_category_without_check_closes_at_once(
    city: City, as_user: Any, settings: Any
) -> None:
    settings.GRID_SELF_HANDLE_UNCHECKED_CATEGORIES = [city.category.code]
    worker = as_user("grid_worker")
    number = worker.post(URL, _form(city, mode="self")).json()["number"]
    done = worker.post(
        f"/api/v1/grid/orders/{number}/self-handle",
        {"note": "已劝离", "photos": [upload("后.png", PNG)]},
    )
    assert done.json()["state"] == "closed"


def test_escalated_report_is_whistled_and_answered(city: City, as_user: Any) -> None:
    number = as_user("grid_worker").post(URL, _form(city)).json()["number"]
    town = as_user("town_dispatcher")
    whistled = town.post(
        f"/api/v1/workorders/{number}/whistle",
        {"department": city.department.code},
        content_type="application/json",
    )
    assert whistled.status_code == 200, whistled.content
    answered = as_user("dept_handler").post(
        f"/api/v1/workorders/{number}/answer_whistle", {}, content_type="application/json"
    )
    assert answered.status_code == 200, answered.content
    from yiwang.grid.reading import whistle_rates

    (row,) = [r for r in whistle_rates(city["town_dispatcher"]) if r["whistled"]]
    assert row["reports"] == 1 and row["rate"] == 1.0 and row["on_time"] == 1


def test_signed_out_phone_is_told_to_sign_in(city: City) -> None:
    from django.test import Client

    response = Client().post(URL, _form(city))
    assert response.status_code == 401
    assert not GridReport.objects.exists()


def test_special_grid_reports_go_to_its_department_first(city: City) -> None:
    from shapely.geometry import shape

    from yiwang.accounts.services import create_user
    from yiwang.geo.models import Grid
    from yiwang.grid import services
    from yiwang.grid.models import SpecialGridUnit

    special = Grid.objects.filter(kind="special").order_by("code").first()
    assert special is not None
    SpecialGridUnit.objects.create(grid=special, department=city.department)
    worker = create_user(actor=None, username="school_gw", password="x-Passw0rd!9")
    services.assign_grid(worker, special, actor=None)
    point = shape(special.geometry).representative_point()
    filed = services.file_report(
        actor=worker,
        description="校门口道路积水，学生上下学不便。",
        category=city.category.code,
        lon=point.x,
        lat=point.y,
        reason="需部门处置",
    )
    assert filed.report.special_grid_id == special.pk and not filed.report.outside_grid
    assert filed.order.state == "dispatched"
    assert filed.order.lead_department_id == city.department.pk
    assert filed.report.routed_to_id == city.department.pk
    # kept for 自办, it stays with the worker
    kept = services.file_report(
        actor=worker,
        description="校门口共享单车乱停放。",
        category=city.category.code,
        lon=point.x,
        lat=point.y,
        mode="self",
    )
    assert kept.order.state == "received" and kept.report.routed_to is None
