"""The grid API under /api/v1/grid/: the worker's phone (reports, self-handling, patrols,
tasks, registers) and the centers' map. Handlers parse, call one service, render."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Form, Header, Router, Schema, Status
from ninja.files import UploadedFile

from yiwang.core.api_auth import request_user
from yiwang.core.errors import PermissionDenied, ValidationFailed
from yiwang.core.scoping import get_visible_or_404, roles_of
from yiwang.geo.models import Grid
from yiwang.grid import reading, services
from yiwang.grid.models import Patrol, ReportMode
from yiwang.workorders.attachments import check_size
from yiwang.workorders.models import WorkOrder

router = Router(tags=["grid"])

IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class ReportOut(Schema):
    number: str
    state: str
    mode: str
    outside_grid: bool
    routed_to: str | None
    replayed: bool


class ReasonIn(Schema):
    reason: str


class PatrolIn(Schema):
    grid: int | None = None


class PointIn(Schema):
    lon: float
    lat: float
    at: str
    accuracy: float | None = None


class TrackIn(Schema):
    points: list[PointIn]


class PatrolOut(Schema):
    id: int
    grid: int
    day: str
    started_at: str
    ended_at: str | None
    points: int
    distance_m: float
    coverage: float


class ResultIn(Schema):
    result: str


class EntryIn(Schema):
    grid: int
    kind: str
    name: str
    address: str = ""
    phone: str = ""
    id_number: str = ""
    note: str = ""
    visit_every_days: int = 0


class NoteIn(Schema):
    note: str


def _photos(files: list[UploadedFile] | None) -> list[tuple[str, bytes]]:
    out = []
    for index, f in enumerate(files or []):
        check_size(f.size or 0, field=f"photos[{index}]")  # before reading a too-large upload
        out.append((f.name or "", f.read()))
    return out


@router.get("/grid/me")
def me(request: HttpRequest) -> dict[str, Any]:
    """The worker's day: grids with boundaries, points of interest, open tasks, today's
    patrols, open reports, and the category picker (common ones first)."""
    user = request_user(request)
    services.require_worker(user)
    return reading.worker_day(user)


@router.post("/grid/reports", response={201: ReportOut, 200: ReportOut})
def report(
    request: HttpRequest,
    description: Form[str],
    category: Form[str],
    lon: Form[float],
    lat: Form[float],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
    priority: Form[str] = "normal",
    mode: Form[str] = ReportMode.ESCALATE,
    reason: Form[str] = "",
    outside_reason: Form[str] = "",
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Status:
    """Report an event from the grid (multipart: ``description``, ``category``, ``lon``,
    ``lat``, ``photos``; ``mode`` ``escalate`` (上报, with ``reason``) or ``self`` (自办);
    ``priority``; ``outside_reason`` when the place is outside the worker's grids). The same
    ``Idempotency-Key`` again answers the first order (200) and creates nothing."""
    if idempotency_key is not None and not IDEMPOTENCY_KEY_RE.match(idempotency_key):
        raise ValidationFailed(
            "Idempotency-Key must be 8–64 characters of letters, digits, '-' and '_'.",
            field="Idempotency-Key",
        )
    user = request_user(request)
    filed = services.file_report(
        actor=user,
        description=description,
        category=category,
        lon=lon,
        lat=lat,
        photos=_photos(photos),
        idempotency_key=idempotency_key,
        priority=priority,
        mode=mode,
        reason=reason,
        outside_reason=outside_reason,
    )
    body = {
        "number": filed.order.number,
        "state": filed.order.state,
        "mode": filed.report.mode,
        "outside_grid": filed.report.outside_grid,
        "routed_to": filed.report.routed_to.name if filed.report.routed_to else None,
        "replayed": filed.replayed,
    }
    return Status(200 if filed.replayed else 201, body)


def _order(user: Any, number: str) -> WorkOrder:
    return get_visible_or_404(WorkOrder.objects.all(), user, number=number)


@router.post("/grid/orders/{number}/self-handle")
def self_handle(
    request: HttpRequest,
    number: str,
    note: Form[str],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> dict[str, Any]:
    """自办: the after-photos and a note; the order waits for the center's check (or closes)."""
    user = request_user(request)
    order = services.self_handle(
        _order(user, number), actor=user, note=note, photos=_photos(photos)
    )
    return {"number": order.number, "state": order.state}


@router.post("/grid/orders/{number}/escalate")
def escalate(request: HttpRequest, number: str, payload: ReasonIn) -> dict[str, Any]:
    """上报 a matter the worker kept, with the reason."""
    user = request_user(request)
    order = services.escalate(_order(user, number), actor=user, reason=payload.reason)
    return {"number": order.number, "state": order.state}


@router.post("/grid/patrols", response={201: PatrolOut})
def start_patrol(request: HttpRequest, payload: PatrolIn) -> Status:
    """Start a patrol of one of my grids (or answer the one running)."""
    patrol = services.start_patrol(actor=request_user(request), grid_id=payload.grid)
    return Status(201, reading.patrol_out(patrol))


@router.post("/grid/patrols/{patrol_id}/track", response=PatrolOut)
def track(request: HttpRequest, patrol_id: int, payload: TrackIn) -> dict[str, Any]:
    """A batch of positions (``lon``, ``lat``, ``at`` ISO time, ``accuracy`` m); a batch sent
    again is stored once."""
    patrol = services.add_track(
        patrol_id, actor=request_user(request), points=[p.dict() for p in payload.points]
    )
    return reading.patrol_out(patrol)


@router.post("/grid/patrols/{patrol_id}/stop", response=PatrolOut)
def stop_patrol(request: HttpRequest, patrol_id: int) -> dict[str, Any]:
    return reading.patrol_out(services.stop_patrol(patrol_id, actor=request_user(request)))


@router.get("/grid/patrols", response=list[PatrolOut])
def patrols(request: HttpRequest, day: date | None = None) -> list[dict[str, Any]]:
    """My patrol log of a day (default today)."""
    user = request_user(request)
    qs = Patrol.objects.filter(worker=user, day=day or timezone.localdate())
    return [reading.patrol_out(p) for p in qs.order_by("started_at")]


@router.post("/grid/tasks/{task_id}/done")
def task_done(request: HttpRequest, task_id: int, payload: ResultIn) -> dict[str, Any]:
    task = services.complete_task(task_id, actor=request_user(request), result=payload.result)
    return {"id": task.pk, "done_at": task.done_at.isoformat() if task.done_at else None}


@router.get("/grid/registers")
def registers(
    request: HttpRequest, grid: int | None = None, kind: str = ""
) -> list[dict[str, Any]]:
    """Register entries of my grids (or, for the centers, of a grid they may see); personal
    data in clear only for the grid's workers and the roles allowed it."""
    user = request_user(request)
    if grid is not None:
        get_visible_or_404(Grid.objects.all(), user, pk=grid)
        ids = {grid}
    else:
        ids = services.worker_grid_ids(user)
    return reading.register_rows(user, ids, kind or None)


@router.post("/grid/registers", response={201: dict})
def add_entry(request: HttpRequest, payload: EntryIn) -> Status:
    user = request_user(request)
    data = payload.dict()
    entry = services.save_entry(
        actor=user, grid_id=data.pop("grid"), kind=data.pop("kind"), name=data.pop("name"), **data
    )
    return Status(201, {"id": entry.pk})


@router.post("/grid/registers/{entry_id}/visits", response={201: dict})
def visit(request: HttpRequest, entry_id: int, payload: NoteIn) -> Status:
    v = services.record_visit(entry_id, actor=request_user(request), note=payload.note)
    return Status(201, {"id": v.pk, "visited_at": v.visited_at.isoformat()})


@router.get("/grid/map")
def grid_map(request: HttpRequest, region: str = "") -> dict[str, Any]:
    """The map's layers: grid boundaries with today's patrol coverage, today's grid events,
    and (for the centers) the workers' live positions."""
    user = request_user(request)
    if not roles_of(user) & reading.CENTER_ROLES:
        raise PermissionDenied("Only the centers and leaders see the grid map.")
    from yiwang.geo.models import Region

    place = (
        get_visible_or_404(Region.objects.all(), user, code=region)
        if region
        else reading.center_region(user)
    )
    return reading.map_layers(user, region=place)
