"""Demo data of the grid: the demo grid worker's grids as assignments, more workers for the
demo town's grids (one on leave, covered), special grids' departments, registers, patrols with
their tracks, tasks from the town center, and reports (escalated, kept, self-handled).

Reports and tasks go through ``yiwang.grid.services``; back-dated patrols are stored directly
(the service only records positions as they arrive)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.db import transaction
from django.utils import timezone
from shapely.geometry import Point, shape

from yiwang.accounts.models import User
from yiwang.accounts.services import create_user
from yiwang.core.progress import ProgressCallback
from yiwang.demo.accounts import DEMO_COUNTY_CODE, DEMO_PASSWORD
from yiwang.demo.request_texts import mobile, person_name
from yiwang.geo.models import Grid
from yiwang.grid import services
from yiwang.grid.models import (
    GridAssignment,
    Patrol,
    RegisterEntry,
    SpecialGridUnit,
    TrackPoint,
)
from yiwang.org.choices import Role, Tier
from yiwang.org.models import Department, RoleAssignment
from yiwang.workorders.models import Category

WORKERS = {"small": 8, "full": 30}
# Which department a special grid's events go to first, by the words of its name.
SITE_DEPARTMENTS = {
    "school": ("教育",),
    "hospital": ("卫生健康", "卫健"),
    "industrial_park": ("工业和信息化", "工信", "应急管理"),
    "market": ("市场监督",),
    "chemical_plant": ("应急管理",),
    "transport_hub": ("交通运输",),
    "scenic_area": ("文化广电和旅游", "文旅"),
    "construction_site": ("住房和城乡建设", "住建"),
    "government_compound": ("机关事务",),
    "port": ("交通运输",),
}
REPORTS = [
    ("小区东门垃圾堆放三天未清运，影响通行。", "escalate", "需环卫清运车辆"),
    ("沿街店铺占道经营，堆放货物。", "self", ""),
    ("路灯一盏不亮，夜间行人不便。", "escalate", "需专业维修"),
    ("楼道堆放杂物，存在消防隐患。", "self", ""),
    ("井盖松动，车辆经过有响声。", "escalate", "需市政部门更换"),
]
HOUSEHOLD_NAMES = (
    "1号楼101室",
    "1号楼202室",
    "2号楼301室",
    "3号楼102室",
    "5号楼402室",
    "6号楼201室",
)


def _points_in(polygon: Any, rng: random.Random, n: int) -> list[tuple[float, float]]:
    minx, miny, maxx, maxy = polygon.bounds
    out: list[tuple[float, float]] = []
    tries = 0
    while len(out) < n and tries < n * 50:
        tries += 1
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if polygon.contains(Point(x, y)):
            out.append((x, y))
    return out


def _walk(polygon: Any, rng: random.Random, n: int) -> list[tuple[float, float]]:
    """A patrol's track: a random walk of ~40 m steps that stays inside the grid."""
    (start,) = _points_in(polygon, rng, 1) or [polygon.representative_point().coords[0]]
    x, y = start
    heading = rng.uniform(0, 2 * np.pi)
    out = [(x, y)]
    for _ in range(n - 1):
        for _attempt in range(8):
            heading += rng.uniform(-0.6, 0.6)
            nx, ny = x + 0.0004 * np.cos(heading), y + 0.00036 * np.sin(heading)
            if polygon.contains(Point(nx, ny)):
                x, y = nx, ny
                break
            heading += np.pi / 2
        out.append((x, y))
    return out


def _patrol(
    worker: Any, grid: Grid, start: datetime, points: int, rng: random.Random, running: bool = False
) -> Patrol:
    polygon = shape(grid.geometry)
    track = _walk(polygon, rng, points)
    lons = np.array([p[0] for p in track])
    lats = np.array([p[1] for p in track])
    cells = services.cells_of(grid, lons, lats)
    total = len(services.grid_cells(grid)[5])
    end = start + timedelta(seconds=30 * (points - 1))
    patrol = Patrol.objects.create(
        worker=worker,
        grid=grid,
        day=timezone.localdate(start),
        started_at=start,
        ended_at=None if running else end,
        points=points,
        distance_m=services._haversine(lons, lats),
        coverage=min(1.0, len(cells) / total),
        cells=sorted(cells),
        last_lon=float(lons[-1]),
        last_lat=float(lats[-1]),
        last_at=min(end, timezone.now()),
    )
    TrackPoint.objects.bulk_create(
        TrackPoint(
            patrol=patrol,
            recorded_at=start + timedelta(seconds=30 * i),
            lon=float(x),
            lat=float(y),
            accuracy=8.0,
        )
        for i, (x, y) in enumerate(track)
    )
    return patrol


def _department_for(site_type: str, county: Any) -> Department | None:
    words = SITE_DEPARTMENTS.get(site_type, ())
    for region_filter in ({"region": county}, {"tier": Tier.CITY}):
        for word in words:
            found = Department.objects.filter(
                name__contains=word, is_active=True, **region_filter
            ).first()
            if found is not None:
                return found
    return None


def load_demo_data(*, scale: str, seed: int, progress: ProgressCallback) -> str:
    rng = random.Random(seed + 606)
    now = timezone.now()
    today = timezone.localdate()
    demo = User.objects.filter(username="grid_worker").first()
    town_dispatcher = User.objects.filter(username="town_dispatcher").first()
    if demo is None or town_dispatcher is None:
        return "grid: no demo accounts, nothing loaded"
    with transaction.atomic():
        progress("grid", 0, 6)
        mine = list(
            RoleAssignment.objects.get(user=demo, role=Role.GRID_WORKER).grids.order_by("code")
        )
        town = mine[0].town
        for grid in mine:
            GridAssignment.objects.create(
                worker=demo, grid=grid, starts_on=today - timedelta(days=180)
            )
        # more workers for the town's other grids
        # (the town's own first; the small city has few grids per town, so the county's next)
        limit = WORKERS.get(scale, 8)
        nearby = Grid.objects.exclude(id__in=[g.pk for g in mine]).order_by("kind", "code")
        others = list(nearby.filter(town=town)[:limit])
        others += list(
            nearby.filter(county=town.parent_id).exclude(town=town)[: limit - len(others)]
        )
        workers: list[tuple[Any, Grid]] = []
        for index, grid in enumerate(others, 1):
            user = create_user(
                actor=None,
                username=f"gw{index:03d}",
                password=DEMO_PASSWORD,
                full_name=person_name(rng),
                phone=mobile(rng),
                validate=False,
            )
            services.assign_grid(user, grid, actor=None, starts_on=today - timedelta(days=120))
            workers.append((user, grid))
        progress("grid", 1, 6)
        # special grids: their department first
        county_specials = Grid.objects.filter(kind="special", county__code=DEMO_COUNTY_CODE)
        units = 0
        for grid in county_specials.select_related("county"):
            department = _department_for(grid.site_type, grid.county)
            if department is not None:
                SpecialGridUnit.objects.create(grid=grid, department=department)
                units += 1
        # one worker on leave this week, covered by the next
        if len(workers) >= 2:
            services.record_leave(
                workers[0][0],
                starts_on=today,
                ends_on=today + timedelta(days=4),
                reason="年休假",
                cover=workers[1][0],
                actor=town_dispatcher,
            )
        progress("grid", 2, 6)
        # registers of the demo worker's grids
        entries = []
        for grid in mine:
            polygon = shape(grid.geometry)
            spots = iter(_points_in(polygon, rng, 20))
            community = grid.community.name if grid.community_id else ""
            for name in HOUSEHOLD_NAMES:
                x, y = next(spots, (None, None))
                entries.append(
                    RegisterEntry(
                        grid=grid,
                        kind="household",
                        name=f"{person_name(rng)}户",
                        address=f"{community}{name}",
                        phone=mobile(rng),
                        lon=x,
                        lat=y,
                        updated_by=demo,
                    )
                )
            for n in range(1, 5):
                x, y = next(spots, (None, None))
                entries.append(
                    RegisterEntry(
                        grid=grid, kind="building", name=f"{n}号楼", lon=x, lat=y, updated_by=demo
                    )
                )
            for label in ("独居老人", "残疾人", "社区矫正对象"):
                x, y = next(spots, (None, None))
                entries.append(
                    RegisterEntry(
                        grid=grid,
                        kind="key_person",
                        name=person_name(rng),
                        phone=mobile(rng),
                        id_number=f"320602{rng.randrange(1940, 2000)}0101"
                        f"{rng.randrange(1000, 9999)}",
                        note=label,
                        visit_every_days=7 if label == "独居老人" else 30,
                        lon=x,
                        lat=y,
                        updated_by=demo,
                    )
                )
            for label in ("加油站", "幼儿园", "农贸市场"):
                x, y = next(spots, (None, None))
                entries.append(
                    RegisterEntry(
                        grid=grid,
                        kind="key_place",
                        name=f"{community}{label}",
                        visit_every_days=14,
                        lon=x,
                        lat=y,
                        updated_by=demo,
                    )
                )
        RegisterEntry.objects.bulk_create(entries)
        progress("grid", 3, 6)
        # patrols: yesterday for everyone, this morning for the demo worker
        yesterday = now - timedelta(days=1)
        patrols = [_patrol(demo, mine[0], yesterday.replace(hour=9, minute=0), 120, rng)]
        morning = now - timedelta(hours=3)
        patrols.append(_patrol(demo, mine[-1], morning, 60, rng))
        for user, grid in workers:
            patrols.append(_patrol(user, grid, yesterday.replace(hour=14), 80, rng))
            if rng.random() < 0.6:
                recent = now - timedelta(minutes=rng.randrange(1, 8))
                patrol = _patrol(user, grid, recent - timedelta(minutes=20), 40, rng, running=True)
                patrols.append(patrol)
        progress("grid", 4, 6)
        # reports through the services
        category = (
            Category.objects.filter(is_active=True, parent__isnull=False, kind="event")
            .order_by("code")
            .first()
        )
        reports = 0
        if category is not None:
            reporters = [(demo, mine[0]), *workers[:6]]
            for index, (user, grid) in enumerate(reporters):
                for text, mode, reason in REPORTS[index % 2 :: 2]:
                    (x, y) = _points_in(shape(grid.geometry), rng, 1)[0]
                    filed = services.file_report(
                        actor=user,
                        description=text,
                        category=category.code,
                        lon=x,
                        lat=y,
                        mode=mode,
                        reason=reason,
                    )
                    reports += 1
                    if mode == "self" and (user is not demo or reports % 2 == 0):
                        services.self_handle(
                            filed.order,
                            actor=user,
                            note="已现场处置完毕",
                            photos=[("after.png", _PNG)],
                        )
        # tasks from the town center
        tasks = 0
        for kind, title, hours in (
            ("verify", "核实群众反映的楼道堆物情况", 6),
            ("callback", "上门回访独居老人王阿婆", 24),
            ("recheck", "燃气泄漏预警后复查", -2),
        ):
            services.create_task(
                actor=town_dispatcher,
                worker=demo,
                grid=mine[0],
                kind=kind,
                title=title,
                due_at=now + timedelta(hours=hours),
            )
            tasks += 1
        progress("grid", 6, 6)
    return (
        f"grid: {len(workers) + 1} grid workers, {units} special-grid units, {len(entries)} "
        f"register entries, {len(patrols)} patrols, {reports} reports, {tasks} tasks"
    )


# A 1×1 PNG as the demo's after-photo.
_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
