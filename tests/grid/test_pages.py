"""The grid pages: the app shell for grid workers (manifest, service worker), the center's
queue with its figures, workers with leave/cover and the ranking export, the map's layers,
patrols and registers through the API."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests.grid.conftest import PNG, upload
from tests.workorders.factories import City
from yiwang.accounts.services import create_user
from yiwang.grid import services
from yiwang.grid.models import GridAssignment, GridTask, Patrol, RegisterEntry
from yiwang.org.models import RoleAssignment

pytestmark = pytest.mark.django_db


def test_app_shell_is_installable_and_for_grid_workers(city: City, as_user: Any) -> None:
    page = as_user("grid_worker").get("/grid/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'rel="manifest"' in html and "上报" in html and "巡查" in html
    manifest = as_user("grid_worker").get("/grid/manifest.webmanifest").json()
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/grid/"
    sw = as_user("grid_worker").get("/grid/sw.js")
    assert sw["Service-Worker-Allowed"] == "/grid/" and b"caches" in sw.content
    # a dispatcher is sent to the center; a department handler is refused
    assert as_user("town_dispatcher").get("/grid/")["Location"] == "/grid/center/"
    assert as_user("dept_handler").get("/grid/").status_code == 403


def test_center_queue_shows_share_and_escalations(city: City, as_user: Any) -> None:
    worker = as_user("grid_worker")
    lon, lat = city.point
    base = {"description": "井盖缺失", "category": city.category.code, "lon": lon, "lat": lat}
    worker.post("/api/v1/grid/reports", {**base, "mode": "escalate", "reason": "需专业维修"})
    kept = worker.post("/api/v1/grid/reports", {**base, "mode": "self"}).json()["number"]
    worker.post(
        f"/api/v1/grid/orders/{kept}/self-handle",
        {"note": "已设警示", "photos": [upload("a.png", PNG)]},
    )
    page = as_user("town_dispatcher").get("/grid/center/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="g-total">2<' in html and 'id="g-self-share">50%<' in html
    assert 'id="g-waiting">1<' in html and 'id="g-checks">1<' in html
    assert "井盖缺失" in html and "待上级" not in html
    check = as_user("town_dispatcher").get("/grid/center/?tab=check").content.decode()
    assert kept in check
    assert as_user("dept_handler").get("/grid/center/").status_code == 403


def test_leave_cover_ranking_and_xlsx(city: City, as_user: Any) -> None:
    worker = city["grid_worker"]
    cover = create_user(actor=None, username="gw_cover", password="x-Passw0rd!9", full_name="顾明")
    other_grid = (
        RoleAssignment.objects.get(user=worker, role="grid_worker").grids.order_by("code").first()
    )
    town = as_user("town_dispatcher")
    assert other_grid is not None
    r = town.post("/grid/center/workers/assign/", {"worker": "gw_cover", "grid": "nope"})
    assert "error=" in r["Location"]  # unknown grid: said, nothing assigned
    services.assign_grid(cover, other_grid, actor=city["town_dispatcher"])
    today = timezone.localdate()
    r = town.post(
        "/grid/center/workers/leave/",
        {
            "worker": "grid_worker",
            "cover": "gw_cover",
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=3)).isoformat(),
            "reason": "病假",
        },
    )
    assert "message=" in r["Location"], r["Location"]
    covered = GridAssignment.objects.filter(worker=cover, kind="cover", covering_for=worker)
    assert covered.count() == 2
    assert services.worker_grid_ids(cover) == services.worker_grid_ids(worker)
    # a task to the worker, done late: the ranking shows it
    task = services.create_task(
        actor=city["town_dispatcher"],
        worker=worker,
        grid=other_grid,
        kind="verify",
        title="核实井盖",
        due_at=timezone.now() + timedelta(hours=2),
    )
    services.complete_task(task.pk, actor=worker, result="已核实")
    page = town.get("/grid/center/workers/").content.decode()
    assert "周立新" in page and "顾明" in page and "病假" in page
    xlsx = town.get("/grid/center/workers.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "排名"
    assert any(r[1] == "周立新" and r[9] == 1.0 for r in rows[1:])
    assert GridTask.objects.get(pk=task.pk).done_at is not None


def test_patrol_track_coverage_and_live_position(city: City, as_user: Any) -> None:
    worker = as_user("grid_worker")
    started = worker.post("/api/v1/grid/patrols", {}, content_type="application/json")
    assert started.status_code == 201
    pid = started.json()["id"]
    lon, lat = city.point
    now = timezone.now()
    points = [
        {"lon": lon + i * 0.0005, "lat": lat, "at": (now + timedelta(seconds=30 * i)).isoformat()}
        for i in range(4)
    ]
    body = {"points": points}
    r = worker.post(f"/api/v1/grid/patrols/{pid}/track", body, content_type="application/json")
    assert r.status_code == 200 and r.json()["distance_m"] > 100 and r.json()["coverage"] > 0
    # the same batch again (a resend) stores nothing twice
    worker.post(f"/api/v1/grid/patrols/{pid}/track", body, content_type="application/json")
    stopped = worker.post(f"/api/v1/grid/patrols/{pid}/stop").json()
    assert stopped["points"] == 4 and stopped["ended_at"]
    bad = worker.post(
        f"/api/v1/grid/patrols/{pid}/track",
        {"points": [{"lon": 999, "lat": lat, "at": now.isoformat()}]},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "points[0]"
    layers = as_user("town_dispatcher").get("/api/v1/grid/map").json()
    assert [p["worker"] for p in layers["positions"]] == ["周立新"]
    assert max(g["coverage"] for g in layers["grids"]) > 0
    assert as_user("leader").get("/api/v1/grid/map").json()["positions"] == []
    assert Patrol.objects.get(pk=pid).points == 4


def test_registers_mask_personal_data_outside_the_grid(city: City, as_user: Any) -> None:
    worker = as_user("grid_worker")
    grid_id = min(services.worker_grid_ids(city["grid_worker"]))
    made = worker.post(
        "/api/v1/grid/registers",
        {
            "grid": grid_id,
            "kind": "key_person",
            "name": "王秀英",
            "phone": "13912345678",
            "visit_every_days": 7,
        },
        content_type="application/json",
    )
    assert made.status_code == 201
    mine = worker.get("/api/v1/grid/registers").json()
    assert mine[0]["name"] == "王秀英" and mine[0]["phone"] == "13912345678"
    assert mine[0]["visit_due"] is True
    visit = worker.post(
        f"/api/v1/grid/registers/{made.json()['id']}/visits",
        {"note": "身体状况良好"},
        content_type="application/json",
    )
    assert visit.status_code == 201
    assert worker.get("/api/v1/grid/registers").json()[0]["visit_due"] is False
    seen = as_user("leader").get(f"/api/v1/grid/registers?grid={grid_id}").json()
    assert seen[0]["name"] == "王*英" and seen[0]["phone"] == "139****5678"
    bad = worker.post(
        "/api/v1/grid/registers",
        {"grid": grid_id, "kind": "household", "name": "x", "phone": "123"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "phone"
    assert RegisterEntry.objects.count() == 1


def test_the_phone_offers_self_handling_only_for_kept_matters(city: City, as_user: Any) -> None:
    worker = as_user("grid_worker")
    lon, lat = city.point
    base = {"description": "占道经营", "category": city.category.code, "lon": lon, "lat": lat}
    up = worker.post("/api/v1/grid/reports", {**base, "reason": "需执法"}).json()["number"]
    kept = worker.post("/api/v1/grid/reports", {**base, "mode": "self"}).json()["number"]
    day = worker.get("/api/v1/grid/me").json()
    offers = {o["number"]: o["self_handle"] for o in day["orders"]}
    assert offers == {up: False, kept: True}
    assert day["categories"]["common"][0]["code"] == city.category.code
    assert day["grids"] and day["grids"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    # sent up after all: the town has it waiting, and it is no longer the worker's to handle
    r = worker.post(
        f"/api/v1/grid/orders/{kept}/escalate",
        {"reason": "处置不了"},
        content_type="application/json",
    )
    assert r.status_code == 200
    again = worker.post(
        f"/api/v1/grid/orders/{kept}/escalate", {"reason": "再报"}, content_type="application/json"
    )
    assert again.status_code == 409
    assert not any(o["self_handle"] for o in worker.get("/api/v1/grid/me").json()["orders"])


def test_the_town_checks_a_self_handled_order_on_the_grid_page(city: City, as_user: Any) -> None:
    from yiwang.workorders.models import WorkOrder

    worker = as_user("grid_worker")
    lon, lat = city.point
    base = {"description": "绿化带垃圾", "category": city.category.code, "lon": lon, "lat": lat}
    numbers = [
        worker.post("/api/v1/grid/reports", {**base, "mode": "self"}).json()["number"]
        for _ in range(2)
    ]
    for number in numbers:
        worker.post(
            f"/api/v1/grid/orders/{number}/self-handle",
            {"note": "已清理", "photos": [upload("后.png", PNG)]},
        )
    town = as_user("town_dispatcher")
    page = town.get("/grid/center/?tab=check").content.decode()
    assert "已清理" in page and "核查通过并结案" in page
    ok = town.post(f"/grid/center/orders/{numbers[0]}/check/", {"accepted": "1"})
    assert ok.status_code == 302 and WorkOrder.objects.get(number=numbers[0]).state == "closed"
    no_reason = town.post(f"/grid/center/orders/{numbers[1]}/check/", {"accepted": "0"})
    assert "error=" in no_reason["Location"]
    back = town.post(
        f"/grid/center/orders/{numbers[1]}/check/", {"accepted": "0", "reason": "照片不清晰"}
    )
    assert "message=" in back["Location"]
    assert WorkOrder.objects.get(number=numbers[1]).state == "received"
    # the worker may not check their own handling
    assert (
        as_user("grid_worker").post(f"/grid/center/orders/{numbers[0]}/check/").status_code == 403
    )


def test_a_center_manages_only_its_own_grids_workers(city: City, as_user: Any) -> None:
    from yiwang.core.errors import PermissionDenied
    from yiwang.geo.models import Grid

    far = Grid.objects.exclude(county__code="320613").filter(kind="comprehensive").first()
    assert far is not None
    stranger = create_user(actor=None, username="far_gw", password="x-Passw0rd!9")
    services.assign_grid(stranger, far, actor=None)
    town = as_user("town_dispatcher")
    r = town.post(
        "/grid/center/workers/leave/",
        {
            "worker": "far_gw",
            "cover": "grid_worker",
            "starts_on": "2026-12-01",
            "ends_on": "2026-12-02",
            "reason": "事假",
        },
    )
    assert "error=" in r["Location"]
    with pytest.raises(PermissionDenied):
        services.create_task(
            actor=city["town_dispatcher"],
            worker=stranger,
            grid=far,
            kind="verify",
            title="核实",
            due_at=timezone.now(),
        )


def test_a_cover_loses_the_grids_after_the_leave(city: City) -> None:
    worker = city["grid_worker"]
    cover = create_user(actor=None, username="gw_cover2", password="x-Passw0rd!9")
    own = RoleAssignment.objects.get(user=worker, role="grid_worker").grids.order_by("code")
    first = own.first()
    assert first is not None
    far = own.last()
    assert far is not None
    services.assign_grid(cover, far, actor=None)
    today = timezone.localdate()
    services.record_leave(
        worker,
        starts_on=today + timedelta(days=1),
        ends_on=today + timedelta(days=2),
        reason="培训",
        cover=cover,
        actor=None,
    )
    assert services.worker_grid_ids(cover) == {far.pk}  # not yet
    services.sync_all_assignments(day=today + timedelta(days=1))
    assert first.pk in services.worker_grid_ids(cover)
    services.sync_all_assignments(day=today + timedelta(days=3))
    assert services.worker_grid_ids(cover) == {far.pk}


def test_the_map_page_and_its_layers_by_role(city: City, as_user: Any) -> None:
    page = as_user("county_dispatcher").get("/grid/center/map/")
    html = page.content.decode()
    assert page.status_code == 200 and "网格地图" in html and "实时位置" in html
    assert 'data-src="/api/v1/grid/map?region=' in html
    leader = as_user("leader").get("/grid/center/map/").content.decode()
    assert "实时位置" not in leader  # leaders see coverage and events, not people
    assert as_user("grid_worker").get("/api/v1/grid/map").status_code == 403
    layers = as_user("county_dispatcher").get("/api/v1/grid/map").json()
    assert layers["grids"] and all("coverage" in g for g in layers["grids"])


def test_special_grids_with_their_department_and_workers(city: City, as_user: Any) -> None:
    from yiwang.geo.models import Grid
    from yiwang.grid.models import SpecialGridUnit

    special = Grid.objects.filter(kind="special", county__code="320613").order_by("code").first()
    plain = Grid.objects.filter(kind="comprehensive", county__code="320613").first()
    assert special is not None and plain is not None
    county = as_user("county_dispatcher")
    bad = county.post(
        "/grid/center/special/", {"grid": plain.code, "department": city.department.code}
    )
    assert "error=" in bad["Location"]
    ok = county.post(
        "/grid/center/special/", {"grid": special.code, "department": city.department.code}
    )
    assert "message=" in ok["Location"]
    assert SpecialGridUnit.objects.get(grid=special).department == city.department
    page = county.get("/grid/center/workers/").content.decode()
    assert "专属网格" in page and special.name in page and city.department.name in page
