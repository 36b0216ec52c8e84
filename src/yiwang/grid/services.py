"""The grid's write paths: assignments with leave and cover, reports from the phone (自办 or
上报), self-handling, patrols and their track, tasks, registers and visits.

Each write is one transaction with its audit record, except the patrol track itself: positions
arrive every 30 s from every worker on patrol, so a batch is stored without an audit record
(the patrol's start and stop are audited) — see docs/grid.md.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely.geometry import shape

from yiwang.core.audit import record_audit
from yiwang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yiwang.core.scoping import roles_of
from yiwang.geo.locator import check_point, locate
from yiwang.geo.models import Grid
from yiwang.grid.models import (
    AssignmentKind,
    EntryKind,
    GridAssignment,
    GridReport,
    GridTask,
    Patrol,
    RegisterEntry,
    ReportMode,
    SpecialGridUnit,
    TaskKind,
    TrackPoint,
    Visit,
)
from yiwang.org.choices import Role
from yiwang.org.models import RoleAssignment
from yiwang.org.services import assign_role
from yiwang.workorders.attachments import check_attachment, check_size
from yiwang.workorders.choices import Channel, Priority, RequestType
from yiwang.workorders.models import WorkOrder
from yiwang.workorders.services import PHONE_RE, add_attachment, create_work_order, perform_action

PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
PHOTOS_MAX = 9
POINTS_MAX = 500


# --- who covers which grid ------------------------------------------------------------------


def worker_grid_ids(worker: Any) -> set[int]:
    """The grids in the worker's role assignment (those of today's assignments)."""
    return set(
        RoleAssignment.objects.filter(user=worker, role=Role.GRID_WORKER).values_list(
            "grids__id", flat=True
        )
    ) - {None}


def require_worker(actor: Any) -> None:
    if actor is None or Role.GRID_WORKER not in roles_of(actor):
        raise PermissionDenied(_("Only a grid worker may do this."))


def _active(qs: QuerySet[GridAssignment], day: date) -> QuerySet[GridAssignment]:
    return qs.filter(starts_on__lte=day).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))


def sync_worker_grids(worker: Any, *, actor: Any | None, day: date | None = None) -> list[Grid]:
    """Make the worker's grid-worker role hold the grids of the assignments active on ``day``
    (a worker with none keeps their last grids until assigned again)."""
    day = day or timezone.localdate()
    ids = _active(GridAssignment.objects.filter(worker=worker), day).values("grid_id")
    grids = list(Grid.objects.filter(id__in=ids).order_by("code"))
    if grids:
        assign_role(worker, Role.GRID_WORKER, actor=actor, grids=grids)
    return grids


def sync_all_assignments(*, day: date | None = None) -> int:
    """Re-sync every worker whose assignments start or end around ``day`` (today): covers
    gain their grids when a leave starts and lose them after it. Answers the workers synced."""
    day = day or timezone.localdate()
    changing = GridAssignment.objects.filter(
        Q(starts_on=day) | Q(ends_on=day - timedelta(days=1))
    ).values_list("worker_id", flat=True)
    from yiwang.accounts.models import User

    workers = list(User.objects.filter(id__in=set(changing)))
    for worker in workers:
        sync_worker_grids(worker, actor=None, day=day)
    return len(workers)


def assign_grid(
    worker: Any, grid: Grid, *, actor: Any | None, starts_on: date | None = None
) -> GridAssignment:
    """Let ``worker`` cover ``grid`` from ``starts_on`` (today) on."""
    day = starts_on or timezone.localdate()
    with transaction.atomic():
        existing = _active(GridAssignment.objects.filter(worker=worker, grid=grid), day).first()
        if existing is not None:
            raise Conflict(
                _("%(worker)s already covers %(grid)s.")
                % {"worker": worker.full_name or worker.username, "grid": grid.name},
                details={"field": "grid"},
            )
        assignment = GridAssignment.objects.create(worker=worker, grid=grid, starts_on=day)
        record_audit(
            "grid.assigned",
            actor=actor,
            obj=assignment,
            after={"worker": worker.username, "grid": grid.code, "from": day.isoformat()},
        )
        sync_worker_grids(worker, actor=actor)
    return assignment


def end_assignment(
    assignment: GridAssignment, *, actor: Any | None, day: date | None = None
) -> None:
    day = day or timezone.localdate()
    with transaction.atomic():
        GridAssignment.objects.filter(pk=assignment.pk).update(ends_on=day - timedelta(days=1))
        record_audit(
            "grid.unassigned", actor=actor, obj=assignment, after={"until": day.isoformat()}
        )
        sync_worker_grids(assignment.worker, actor=actor)


def record_leave(
    worker: Any, *, starts_on: date, ends_on: date, reason: str, cover: Any, actor: Any | None
) -> int:
    """Record a worker's leave and let ``cover`` take over all their grids meanwhile; answers
    the number of grids covered."""
    from yiwang.grid.models import Leave

    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give the reason for the leave."), field="reason")
    if ends_on < starts_on:
        raise ValidationFailed(_("The leave ends before it starts."), field="ends_on")
    if cover.pk == worker.pk:
        raise ValidationFailed(_("A worker cannot cover for themself."), field="cover")
    if Role.GRID_WORKER not in roles_of(cover):
        raise ValidationFailed(_("The cover must be a grid worker."), field="cover")
    with transaction.atomic():
        leave = Leave.objects.create(
            worker=worker, starts_on=starts_on, ends_on=ends_on, reason=reason, cover=cover
        )
        regular = _active(
            GridAssignment.objects.filter(worker=worker, kind=AssignmentKind.REGULAR), starts_on
        )
        grids = [a.grid for a in regular.select_related("grid")]
        GridAssignment.objects.bulk_create(
            GridAssignment(
                worker=cover,
                grid=g,
                kind=AssignmentKind.COVER,
                starts_on=starts_on,
                ends_on=ends_on,
                covering_for=worker,
            )
            for g in grids
        )
        record_audit(
            "grid.leave",
            actor=actor,
            obj=leave,
            after={
                "worker": worker.username,
                "cover": cover.username,
                "from": starts_on.isoformat(),
                "until": ends_on.isoformat(),
                "grids": [g.code for g in grids],
            },
        )
        sync_worker_grids(cover, actor=actor)
    return len(grids)


def set_special_unit(grid: Grid, department: Any, *, actor: Any | None) -> SpecialGridUnit:
    """Name the department a special grid belongs to; its reports sent up go there first."""
    if grid.kind != "special":
        raise ValidationFailed(_("Only a special grid belongs to a department."), field="grid")
    with transaction.atomic():
        unit, _created = SpecialGridUnit.objects.update_or_create(
            grid=grid, defaults={"department": department}
        )
        record_audit(
            "grid.special_unit",
            actor=actor,
            obj=unit,
            after={"grid": grid.code, "department": department.code},
        )
    return unit


def on_leave(worker: Any, day: date | None = None) -> bool:
    day = day or timezone.localdate()
    return worker.grid_leaves.filter(starts_on__lte=day, ends_on__gte=day).exists()


# --- reports from the phone -----------------------------------------------------------------


def checked_photos(photos: Sequence[tuple[str, bytes]], *, field: str = "photos") -> None:
    """Refuse anything that is not a photo, or is too large, naming the file."""
    if len(photos) > PHOTOS_MAX:
        raise ValidationFailed(_("At most %(n)d photos.") % {"n": PHOTOS_MAX}, field=field)
    for index, (name, content) in enumerate(photos):
        where = f"{field}[{index}]"
        check_size(len(content), field=where)
        try:
            _clean, content_type = check_attachment(name, content, field=where)
        except ValidationFailed as exc:
            raise ValidationFailed(
                _("%(name)s is not a photo (JPEG, PNG, GIF or WebP): %(why)s")
                % {"name": name, "why": exc.message},
                field=where,
            ) from exc
        if content_type not in PHOTO_TYPES:
            raise ValidationFailed(
                _("%(name)s is not a photo (JPEG, PNG, GIF or WebP).") % {"name": name},
                field=where,
            )


@dataclass(frozen=True)
class Filed:
    order: WorkOrder
    report: GridReport
    replayed: bool


def file_report(
    *,
    actor: Any,
    description: str,
    category: str,
    lon: Any,
    lat: Any,
    photos: Sequence[tuple[str, bytes]] = (),
    idempotency_key: str | None = None,
    priority: str = Priority.NORMAL,
    mode: str = ReportMode.ESCALATE,
    reason: str = "",
    outside_reason: str = "",
) -> Filed:
    """A grid worker's report: a work order on the grid channel at the town center, with its
    photos (checked and hashed), located and checked against the worker's grids. ``mode``
    ``escalate`` (上报) sends it up with ``reason`` — to a special grid's department first —,
    ``self`` (自办) keeps it for the worker to handle. A resend with the same
    ``idempotency_key`` answers the first order and writes nothing."""
    require_worker(actor)
    if mode not in ReportMode.values:
        raise ValidationFailed(_("Choose to handle it yourself or to send it up."), field="mode")
    reason = (reason or "").strip()
    outside_reason = (outside_reason or "").strip()
    if mode == ReportMode.ESCALATE and not reason:
        raise ValidationFailed(_("Say why the matter is sent up."), field="reason")
    if len(reason) > 500 or len(outside_reason) > 200:
        raise ValidationFailed(_("The reason is too long."), field="reason")
    if not category:
        raise ValidationFailed(_("Choose a category."), field="category")
    checked_photos(photos)
    lon_f, lat_f = check_point(lon, lat)
    location = locate(lon_f, lat_f)
    mine = worker_grid_ids(actor)
    special = location.special_grid
    in_mine = bool((location.grid and location.grid.id in mine) or (special and special.id in mine))
    if location.inside and not in_mine and not outside_reason:
        raise ValidationFailed(
            _(
                "This place lies in %(grid)s, outside your grids. Give a reason to report it "
                "anyway; it will be flagged."
            )
            % {"grid": location.grid.name if location.grid else "-"},
            details={
                "field": "outside_reason",
                "grid": location.grid.code if location.grid else None,
            },
        )
    phone = actor.phone if PHONE_RE.match(actor.phone or "") else ""
    with transaction.atomic():
        order = create_work_order(
            actor=actor,
            channel=Channel.GRID,
            request_type=RequestType.REPORT,
            description=description,
            lon=lon_f,
            lat=lat_f,
            category=category,
            priority=priority,
            contact_name=actor.full_name,
            contact_phone=phone,
            confidential=not phone,
            idempotency_key=idempotency_key,
            attachments=list(photos),
        )
        existing = GridReport.objects.filter(order=order).first()
        if existing is not None:
            return Filed(order, existing, True)
        unit = (
            SpecialGridUnit.objects.select_related("department").filter(grid_id=special.id).first()
            if special is not None and special.id is not None
            else None
        )
        report = GridReport.objects.create(
            order=order,
            worker=actor,
            grid_id=location.grid.id if location.grid else None,
            special_grid_id=special.id if special else None,
            town_id=order.town_id,
            mode=mode,
            outside_grid=not in_mine,
            outside_reason=outside_reason if not in_mine else "",
            created_at=order.received_at,
        )
        if mode == ReportMode.ESCALATE:
            order = perform_action(order, "grid_escalate", actor=actor, reason=reason)
            if unit is not None:
                # A special grid's events go to its own department first.
                order = perform_action(order, "dispatch", actor=None, department=unit.department)
                GridReport.objects.filter(pk=report.pk).update(routed_to=unit.department)
        record_audit(
            "grid.reported",
            actor=actor,
            obj=order,
            after={
                "number": order.number,
                "mode": mode,
                "outside_grid": not in_mine,
                "special_grid": special.code if special else None,
                "routed_to": unit.department.code if unit else None,
            },
        )
    report.refresh_from_db()
    return Filed(order, report, False)


def self_handle(
    order: WorkOrder, *, actor: Any, note: str, photos: Sequence[tuple[str, bytes]] = ()
) -> WorkOrder:
    """自办: the worker handled the matter; the after-photos and the note go on the order, which
    then waits for the town center's check (or closes, if its category needs none)."""
    require_worker(actor)
    if not (note or "").strip():
        raise ValidationFailed(_("Say what was done."), field="note")
    if not photos:
        raise ValidationFailed(_("Add a photo taken after the handling."), field="photos")
    checked_photos(photos)
    with transaction.atomic():
        for name, content in photos:
            add_attachment(order, actor=actor, name=name, content=content, note=_("After handling"))
        order.refresh_from_db()
        return perform_action(order, "self_handle", actor=actor, note=note.strip())


def escalate(order: WorkOrder, *, actor: Any, reason: str) -> WorkOrder:
    """上报 an order the worker kept for themself after all."""
    require_worker(actor)
    with transaction.atomic():
        order = perform_action(order, "grid_escalate", actor=actor, reason=reason)
        GridReport.objects.filter(order=order).update(mode=ReportMode.ESCALATE)
    return order


# --- patrols ----------------------------------------------------------------------------------


@lru_cache(maxsize=16384)
def _grid_cells(
    grid_id: int, cell_m: int, stamp: tuple[int, str]
) -> tuple[float, float, float, float, int, frozenset[int]]:
    """The grid's coverage squares: origin, square size in degrees, columns, and the cells
    whose centre lies in the grid."""
    grid = Grid.objects.only("geometry", "min_lon", "min_lat", "max_lon", "max_lat").get(pk=grid_id)
    dlat = cell_m / 111_320.0
    dlon = cell_m / (111_320.0 * math.cos(math.radians((grid.min_lat + grid.max_lat) / 2)))
    cols = max(1, math.ceil((grid.max_lon - grid.min_lon) / dlon))
    rows = max(1, math.ceil((grid.max_lat - grid.min_lat) / dlat))
    xs = grid.min_lon + (np.arange(cols) + 0.5) * dlon
    ys = grid.min_lat + (np.arange(rows) + 0.5) * dlat
    gx, gy = np.meshgrid(xs, ys)
    polygon = shape(grid.geometry)
    inside = shapely.contains_xy(polygon, gx.ravel(), gy.ravel())
    cells = frozenset(int(i) for i in np.flatnonzero(inside)) or frozenset({0})
    return grid.min_lon, grid.min_lat, dlon, dlat, cols, cells


def grid_cells(grid: Grid | int) -> tuple[float, float, float, float, int, frozenset[int]]:
    """The grid's coverage squares (kept per process; ``GeographyVersion`` is the key, so an
    import of new boundaries is seen)."""
    from yiwang.geo.locator import get_locator

    cell_m = int(getattr(settings, "GRID_COVERAGE_CELL_M", 50))
    stamp = get_locator().stamp  # checked against the database at most every few seconds
    return _grid_cells(grid if isinstance(grid, int) else grid.pk, cell_m, stamp)


def cells_of(grid: Grid | int, lons: np.ndarray, lats: np.ndarray) -> set[int]:
    min_lon, min_lat, dlon, dlat, cols, cells = grid_cells(grid)
    cx = np.floor((lons - min_lon) / dlon).astype(np.int64)
    cy = np.floor((lats - min_lat) / dlat).astype(np.int64)
    ok = (cx >= 0) & (cx < cols) & (cy >= 0)
    return {int(i) for i in (cy[ok] * cols + cx[ok])} & cells


def start_patrol(*, actor: Any, grid_id: int | None = None) -> Patrol:
    require_worker(actor)
    mine = worker_grid_ids(actor)
    if grid_id is None:
        grid_id = min(mine) if mine else None
    if grid_id is None or grid_id not in mine:
        raise ValidationFailed(_("Choose one of your grids to patrol."), field="grid")
    now = timezone.now()
    with transaction.atomic():
        running = Patrol.objects.filter(worker=actor, ended_at=None).first()
        if running is not None:
            return running
        patrol = Patrol.objects.create(
            worker=actor, grid_id=grid_id, day=timezone.localdate(now), started_at=now
        )
        record_audit("grid.patrol_started", actor=actor, obj=patrol, after={"grid": grid_id})
    return patrol


def _haversine(lons: np.ndarray, lats: np.ndarray) -> float:
    if len(lons) < 2:
        return 0.0
    lon1, lat1 = np.radians(lons[:-1]), np.radians(lats[:-1])
    lon2, lat2 = np.radians(lons[1:]), np.radians(lats[1:])
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return float((2 * 6_371_000 * np.arcsin(np.sqrt(a))).sum())


def _parsed_points(
    points: Iterable[dict[str, Any]], started: datetime, now: datetime
) -> list[tuple[datetime, float, float, float | None]]:
    out = []
    for index, point in enumerate(points):
        where = f"points[{index}]"
        try:
            lon, lat = check_point(point.get("lon"), point.get("lat"))
        except ValidationFailed as exc:
            raise ValidationFailed(exc.message, field=where) from exc
        at = point.get("at")
        if isinstance(at, str):
            try:
                at = datetime.fromisoformat(at.replace("Z", "+00:00"))
            except ValueError as exc:
                raise ValidationFailed(_("The time is not a date and time."), field=where) from exc
        if not isinstance(at, datetime) or at.tzinfo is None:
            raise ValidationFailed(_("Each position needs its time with an offset."), field=where)
        if at > now + timedelta(minutes=5) or at < started - timedelta(minutes=5):
            raise ValidationFailed(_("A position's time lies outside the patrol."), field=where)
        accuracy = point.get("accuracy")
        out.append((at, lon, lat, float(accuracy) if accuracy is not None else None))
    return sorted(out)


def add_track(patrol_id: int, *, actor: Any, points: Sequence[dict[str, Any]]) -> Patrol:
    """Store a batch of positions of the actor's patrol; a batch sent twice is stored once.
    Advances distance, coverage and the last position (the map's live position) in one UPDATE:
    three statements per batch, so ten thousand phones can report every 30 s."""
    if len(points) > POINTS_MAX:
        raise ValidationFailed(
            _("At most %(n)d positions at once.") % {"n": POINTS_MAX}, field="points"
        )
    now = timezone.now()
    patrol = Patrol.objects.filter(pk=patrol_id, worker=actor).only(*_PATROL_FIELDS).first()
    if patrol is None:
        raise NotFound(_("patrol not found"))
    parsed = _parsed_points(points, patrol.started_at, now)
    if not parsed:
        return patrol
    # Only positions after the last one stored move the figures (a resend or a late batch is
    # stored but not counted twice; stop_patrol recounts).
    fresh = [p for p in parsed if patrol.last_at is None or p[0] > patrol.last_at]
    with transaction.atomic():
        TrackPoint.objects.bulk_create(
            [
                TrackPoint(patrol_id=patrol.pk, recorded_at=at, lon=lon, lat=lat, accuracy=acc)
                for at, lon, lat, acc in parsed
            ],
            ignore_conflicts=True,
        )
        if fresh:
            lons = np.array([p[1] for p in fresh])
            lats = np.array([p[2] for p in fresh])
            new_cells = cells_of(patrol.grid_id, lons, lats) - set(patrol.cells)
            if patrol.last_lon is not None and patrol.last_lat is not None:
                lons = np.concatenate([[patrol.last_lon], lons])
                lats = np.concatenate([[patrol.last_lat], lats])
            at, lon, lat, _acc = fresh[-1]
            changes: dict[str, Any] = {
                "points": patrol.points + len(fresh),
                "distance_m": patrol.distance_m + _haversine(lons, lats),
                "last_lon": lon,
                "last_lat": lat,
                "last_at": at,
            }
            if new_cells:
                cells = sorted(set(patrol.cells) | new_cells)
                total = len(grid_cells(patrol.grid_id)[5])
                changes.update(cells=cells, coverage=min(1.0, len(cells) / total))
            # Conditional on the figures read: a concurrent batch of the same patrol (one phone
            # sends one at a time) makes this one count nothing rather than count wrong.
            Patrol.objects.filter(pk=patrol.pk, points=patrol.points).update(**changes)
            for name, value in changes.items():
                setattr(patrol, name, value)
    return patrol


_PATROL_FIELDS = (
    "id",
    "worker_id",
    "grid_id",
    "day",
    "started_at",
    "ended_at",
    "points",
    "distance_m",
    "coverage",
    "cells",
    "last_lon",
    "last_lat",
    "last_at",
)


def stop_patrol(patrol_id: int, *, actor: Any) -> Patrol:
    with transaction.atomic():
        patrol = Patrol.objects.select_for_update().filter(pk=patrol_id, worker=actor).first()
        if patrol is None:
            raise NotFound(_("patrol not found"))
        if patrol.ended_at is None:
            now = timezone.now()
            points = TrackPoint.objects.filter(patrol=patrol).count()
            Patrol.objects.filter(pk=patrol.pk).update(ended_at=now, points=points)
            record_audit(
                "grid.patrol_stopped",
                actor=actor,
                obj=patrol,
                after={"points": points, "coverage": round(patrol.coverage, 3)},
            )
    patrol.refresh_from_db()
    return patrol


# --- tasks --------------------------------------------------------------------------------------


def create_task(
    *,
    actor: Any,
    worker: Any,
    grid: Grid,
    kind: str,
    title: str,
    due_at: datetime,
    detail: str = "",
    order: WorkOrder | None = None,
) -> GridTask:
    """A task for a worker from the center (verification, callback in person, recheck …)."""
    if not roles_of(actor) & {Role.TOWN_DISPATCHER, Role.COUNTY_DISPATCHER, Role.CITY_DISPATCHER}:
        raise PermissionDenied(_("Only a command center assigns tasks to grid workers."))
    if kind not in TaskKind.values:
        raise ValidationFailed(_("Unknown task kind."), field="kind")
    if not (title or "").strip():
        raise ValidationFailed(_("Give the task a title."), field="title")
    if not Grid.objects.visible_to(actor).filter(pk=grid.pk).exists():
        raise PermissionDenied(_("This grid is not in your center's area."))
    if grid.pk not in worker_grid_ids(worker):
        raise ValidationFailed(_("The worker does not cover this grid."), field="worker")
    with transaction.atomic():
        task = GridTask.objects.create(
            worker=worker,
            grid=grid,
            kind=kind,
            title=title.strip()[:120],
            detail=detail,
            order=order,
            due_at=due_at,
            created_by=actor,
            created_at=timezone.now(),
        )
        record_audit(
            "grid.task_created",
            actor=actor,
            obj=task,
            after={"worker": worker.username, "kind": kind, "due_at": due_at.isoformat()},
        )
    return task


def complete_task(task_id: int, *, actor: Any, result: str) -> GridTask:
    if not (result or "").strip():
        raise ValidationFailed(_("Say what you found."), field="result")
    with transaction.atomic():
        task = GridTask.objects.select_for_update().filter(pk=task_id, worker=actor).first()
        if task is None:
            raise NotFound(_("task not found"))
        if task.done_at is not None:
            raise Conflict(_("This task is already done."))
        task.done_at = timezone.now()
        task.result = result.strip()
        task.save(update_fields=["done_at", "result"])
        record_audit(
            "grid.task_done", actor=actor, obj=task, after={"late": task.done_at > task.due_at}
        )
    return task


# --- registers ----------------------------------------------------------------------------------


def save_entry(*, actor: Any, grid_id: int, kind: str, name: str, **fields: Any) -> RegisterEntry:
    require_worker(actor)
    if grid_id not in worker_grid_ids(actor):
        raise PermissionDenied(_("You keep the registers of your own grids only."))
    if kind not in EntryKind.values:
        raise ValidationFailed(_("Unknown register."), field="kind")
    if not (name or "").strip():
        raise ValidationFailed(_("Give the name."), field="name")
    phone = (fields.get("phone") or "").strip()
    if phone and not PHONE_RE.match(phone):
        raise ValidationFailed(_("The phone is not a mobile or landline number."), field="phone")
    with transaction.atomic():
        entry = RegisterEntry.objects.create(
            grid_id=grid_id,
            kind=kind,
            name=name.strip()[:80],
            address=(fields.get("address") or "")[:200],
            phone=phone,
            id_number=(fields.get("id_number") or "")[:18],
            note=(fields.get("note") or "")[:200],
            visit_every_days=int(fields.get("visit_every_days") or 0),
            updated_by=actor,
        )
        record_audit("grid.register_saved", actor=actor, obj=entry, after={"kind": kind})
    return entry


def record_visit(entry_id: int, *, actor: Any, note: str) -> Visit:
    require_worker(actor)
    if not (note or "").strip():
        raise ValidationFailed(_("Note what the visit found."), field="note")
    with transaction.atomic():
        entry = (
            RegisterEntry.objects.select_for_update()
            .filter(pk=entry_id, grid_id__in=worker_grid_ids(actor))
            .first()
        )
        if entry is None:
            raise NotFound(_("register entry not found"))
        now = timezone.now()
        visit = Visit.objects.create(
            entry=entry, worker=actor, visited_at=now, note=note.strip()[:500]
        )
        RegisterEntry.objects.filter(pk=entry.pk).update(last_visited_at=now)
        record_audit("grid.visited", actor=actor, obj=entry, after={"visit": visit.pk})
    return visit


__all__ = [
    "assign_grid",
    "complete_task",
    "create_task",
    "end_assignment",
    "escalate",
    "file_report",
    "record_leave",
    "record_visit",
    "save_entry",
    "self_handle",
    "start_patrol",
    "stop_patrol",
]
