"""Reads of the grid: the worker's day (grids, tasks, patrol, open orders, categories), the
registers as the viewer may see them, the center's queue figures, the map's layers, and the
workers' monthly performance. Everything scoped to the viewer."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from yiwang.core.masking import reveal
from yiwang.core.scoping import roles_of
from yiwang.geo.models import Grid, Region
from yiwang.grid.models import (
    GridAssignment,
    GridReport,
    GridTask,
    Patrol,
    RegisterEntry,
    ReportMode,
)
from yiwang.grid.services import worker_grid_ids
from yiwang.org.choices import Role
from yiwang.workorders.choices import FINAL_STATES, CategoryKind, EventKind, State
from yiwang.workorders.models import Category, Whistle, WorkOrder, WorkOrderEvent

CENTER_ROLES = frozenset(
    {Role.CITY_DISPATCHER, Role.COUNTY_DISPATCHER, Role.TOWN_DISPATCHER, Role.LEADER}
)
# Who sees the workers' live positions on the map.
POSITION_ROLES = frozenset({Role.CITY_DISPATCHER, Role.COUNTY_DISPATCHER, Role.TOWN_DISPATCHER})


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, datetime.min.time()))
    return start, start + timedelta(days=1)


def categories_for(worker: Any, limit: int = 8) -> dict[str, list[dict[str, Any]]]:
    """Event and component categories one can file under (no subclasses), the ones most
    reported in the worker's grids first."""
    grids = worker_grid_ids(worker)
    common_ids = [
        row["category_id"]
        for row in WorkOrder.objects.filter(channel="grid", grid_id__in=grids)
        .exclude(category=None)
        .values("category_id")
        .annotate(n=Count("id"))
        .order_by("-n")[:limit]
    ]
    qs = Category.objects.filter(
        is_active=True, children__isnull=True, kind__in=(CategoryKind.EVENT, CategoryKind.COMPONENT)
    ).order_by("code")
    rows: list[dict[str, Any]] = [
        {"code": c.code, "name": c.name, "id": c.pk} for c in qs.only("code", "name")
    ]
    by_id = {r["id"]: r for r in rows}
    common = [by_id[i] for i in common_ids if i in by_id]
    if len(common) < limit:  # a new grid: the city's most reported grid categories
        more = (
            WorkOrder.objects.filter(channel="grid")
            .exclude(category=None)
            .values("category_id")
            .annotate(n=Count("id"))
            .order_by("-n")[: limit * 2]
        )
        for row in more:
            item = by_id.get(row["category_id"])
            if item is not None and item not in common and len(common) < limit:
                common.append(item)
    strip = [{"code": r["code"], "name": r["name"]} for r in common]
    seen = {r["code"] for r in strip}
    return {
        "common": strip,
        "all": [{"code": r["code"], "name": r["name"]} for r in rows if r["code"] not in seen],
    }


def grid_feature(grid: Grid) -> dict[str, Any]:
    return {
        "id": grid.pk,
        "code": grid.code,
        "name": grid.name,
        "kind": grid.kind,
        "site_type": grid.site_type,
        "households": grid.households,
        "geometry": grid.geometry,
        "bbox": [grid.min_lon, grid.min_lat, grid.max_lon, grid.max_lat],
    }


def worker_day(worker: Any) -> dict[str, Any]:
    """What the phone shows on opening: my grids, points of interest, tasks, today's patrol,
    my open orders and the category picker."""
    today = timezone.localdate()
    ids = worker_grid_ids(worker)
    grids = list(Grid.objects.filter(id__in=ids).order_by("code"))
    pois = RegisterEntry.objects.filter(
        grid_id__in=ids, kind__in=("building", "poi", "key_place"), lon__isnull=False
    )
    tasks = GridTask.objects.filter(worker=worker, done_at=None).order_by("due_at")
    patrols = Patrol.objects.filter(worker=worker, day=today).order_by("started_at")
    orders = (
        WorkOrder.objects.filter(grid_report__worker=worker)
        .exclude(state__in=FINAL_STATES)
        .select_related("grid_report")
        .order_by("-received_at")[:30]
    )
    now = timezone.now()
    return {
        "user": {"username": worker.username, "name": worker.full_name},
        "grids": [grid_feature(g) for g in grids],
        "pois": [{"name": p.name, "kind": p.kind, "lon": p.lon, "lat": p.lat} for p in pois[:500]],
        "tasks": [
            {
                "id": t.pk,
                "kind": t.kind,
                "kind_label": str(t.get_kind_display()),
                "title": t.title,
                "detail": t.detail,
                "order": t.order.number if t.order_id and t.order else None,
                "due_at": t.due_at.isoformat(),
                "overdue": t.due_at < now,
            }
            for t in tasks.select_related("order")
        ],
        "patrols": [patrol_out(p) for p in patrols],
        "orders": [
            {
                "number": o.number,
                "title": o.title,
                "state": o.state,
                "state_label": str(o.get_state_display()),
                # kept by the worker (自办) and not handled or sent up yet
                "self_handle": o.state == State.RECEIVED and o.grid_report.mode == ReportMode.SELF,
            }
            for o in orders
        ],
        "categories": categories_for(worker),
        "interval_seconds": int(getattr(settings, "GRID_PATROL_INTERVAL_SECONDS", 30)),
    }


def patrol_out(patrol: Patrol) -> dict[str, Any]:
    return {
        "id": patrol.pk,
        "grid": patrol.grid_id,
        "day": patrol.day.isoformat(),
        "started_at": patrol.started_at.isoformat(),
        "ended_at": patrol.ended_at.isoformat() if patrol.ended_at else None,
        "points": patrol.points,
        "distance_m": round(patrol.distance_m),
        "coverage": round(patrol.coverage, 5),
    }


def register_rows(viewer: Any, grid_ids: set[int], kind: str | None = None) -> list[dict[str, Any]]:
    """Register entries of ``grid_ids`` with personal data in clear for the grid's own workers
    and the roles allowed it, masked for everyone else."""
    own = worker_grid_ids(viewer) if Role.GRID_WORKER in roles_of(viewer) else set()
    qs = RegisterEntry.objects.filter(grid_id__in=grid_ids)
    if kind:
        qs = qs.filter(kind=kind)
    rows = []
    for e in qs.order_by("kind", "name")[:1000]:
        mine = e.grid_id in own
        personal = e.kind in ("household", "key_person")

        def shown(field: str, value: str, mine: bool = mine, personal: bool = personal) -> str:
            if mine or not personal or not value:
                return value
            return reveal(viewer, field, value)

        rows.append(
            {
                "id": e.pk,
                "grid": e.grid_id,
                "kind": e.kind,
                "kind_label": str(e.get_kind_display()),
                "name": shown("name", e.name),
                "address": e.address,
                "phone": shown("phone", e.phone),
                "id_number": shown("id_number", e.id_number) if e.id_number else "",
                "note": e.note,
                "visit_every_days": e.visit_every_days,
                "last_visited_at": e.last_visited_at.isoformat() if e.last_visited_at else None,
                "visit_due": bool(
                    e.visit_every_days
                    and (
                        e.last_visited_at is None
                        or e.last_visited_at < timezone.now() - timedelta(days=e.visit_every_days)
                    )
                ),
            }
        )
    return rows


# --- the centers ------------------------------------------------------------------------------


def center_region(user: Any) -> Region | None:
    """The region of the user's center (city, county or town) or, for a leader, their region."""
    from yiwang.org.models import RoleAssignment

    assignment = (
        RoleAssignment.objects.filter(user=user, role__in=CENTER_ROLES)
        .select_related("center__region", "region")
        .order_by("role")
        .first()
    )
    if assignment is None:
        return None
    if assignment.center is not None:
        return assignment.center.region
    return assignment.region


def grid_reports(user: Any) -> QuerySet[GridReport]:
    """Grid reports of orders the user may see."""
    return GridReport.objects.filter(order__in=WorkOrder.objects.visible_to(user).values("id"))


def queue_summary(user: Any, *, since: datetime | None = None) -> dict[str, Any]:
    """The grid event queue's figures: reports, self-handled share, escalations waiting,
    self-handled orders waiting for the center's check."""
    since = since or timezone.now() - timedelta(days=30)
    reports = grid_reports(user).filter(created_at__gte=since)
    total = reports.count()
    self_handled = (
        reports.filter(order__events__kind=EventKind.SELF_HANDLED)
        .values("order_id")
        .distinct()
        .count()
    )
    waiting = grid_reports(user).filter(mode=ReportMode.ESCALATE, order__state=State.RECEIVED)
    checking = (
        grid_reports(user)
        .filter(order__state=State.REPLIED, order__events__kind=EventKind.SELF_HANDLED)
        .distinct()
    )
    return {
        "total": total,
        "self_handled": self_handled,
        "self_share": (self_handled / total) if total else 0.0,
        "escalations_waiting": waiting.count(),
        "checks_waiting": checking.count(),
        "outside": reports.filter(outside_grid=True).count(),
    }


def queue_orders(user: Any, tab: str) -> list[WorkOrder]:
    """Orders of a queue tab: ``escalated`` (waiting at the center), ``check`` (self-handled,
    waiting for the check), ``self`` (kept by the worker), ``all`` (the last 30 days)."""
    reports = grid_reports(user).select_related(
        "order", "order__category", "worker", "grid", "special_grid", "routed_to"
    )
    if tab == "check":
        reports = reports.filter(
            order__state=State.REPLIED, order__events__kind=EventKind.SELF_HANDLED
        ).distinct()
    elif tab == "self":
        reports = reports.filter(mode=ReportMode.SELF, order__state=State.RECEIVED)
    elif tab == "all":
        reports = reports.filter(created_at__gte=timezone.now() - timedelta(days=30))
    else:
        reports = reports.filter(mode=ReportMode.ESCALATE, order__state=State.RECEIVED)
    out = []
    for r in reports.order_by("-created_at")[:200]:
        order = r.order
        order.report = r  # type: ignore[attr-defined]
        out.append(order)
    return out


def whistle_rates(user: Any, *, since: datetime | None = None) -> list[dict[str, Any]]:
    """Per town: grid reports, orders whistled, whistle rate, whistles answered in time."""
    since = since or timezone.now() - timedelta(days=30)
    reports = grid_reports(user).filter(created_at__gte=since)
    per_town: Counter[int | None] = Counter(reports.values_list("town_id", flat=True))
    whistles = Whistle.objects.filter(
        order__in=WorkOrder.objects.visible_to(user).values("id"), called_at__gte=since
    ).values_list("order__town_id", "order_id", "answered_at", "answer_by")
    whistled: dict[int | None, set[int]] = defaultdict(set)
    calls: Counter[int | None] = Counter()
    on_time: Counter[int | None] = Counter()
    for town_id, order_id, answered_at, answer_by in whistles:
        whistled[town_id].add(order_id)
        calls[town_id] += 1
        on_time[town_id] += bool(answered_at and answered_at <= answer_by)
    towns = set(per_town) | set(whistled)
    names = dict(Region.objects.filter(id__in=[t for t in towns if t]).values_list("id", "name"))
    rows = []
    for town in towns:
        n = per_town.get(town, 0)
        w = len(whistled.get(town, ()))
        rows.append(
            {
                "town": names.get(town, "-") if town else "-",
                "reports": n,
                "whistled": w,
                "rate": (w / n) if n else 0.0,
                "calls": calls[town],
                "on_time": on_time[town],
            }
        )
    return sorted(rows, key=lambda r: (-r["whistled"], r["town"]))


def workers_of(user: Any) -> QuerySet[GridAssignment]:
    """Active assignments of the grids the user may see."""
    today = timezone.localdate()
    return (
        GridAssignment.objects.filter(grid__in=Grid.objects.visible_to(user))
        .filter(starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .select_related("worker", "grid", "covering_for")
    )


def performance(user: Any, month: date) -> list[dict[str, Any]]:
    """Each worker's month: reports, self-handled share, escalations judged valid, patrol
    coverage, tasks done in time — and a score to rank by."""
    start = timezone.make_aware(datetime.combine(month.replace(day=1), datetime.min.time()))
    nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    end = timezone.make_aware(datetime.combine(nxt, datetime.min.time()))
    workers = {a.worker_id: a.worker for a in workers_of(user)}
    ids = list(workers)
    reports = GridReport.objects.filter(
        worker_id__in=ids, created_at__gte=start, created_at__lt=end
    )
    filed = Counter(reports.values_list("worker_id", flat=True))
    selfh = Counter(
        WorkOrderEvent.objects.filter(
            kind=EventKind.SELF_HANDLED, actor_id__in=ids, created_at__gte=start, created_at__lt=end
        ).values_list("actor_id", flat=True)
    )
    escalated = reports.filter(mode=ReportMode.ESCALATE)
    judged = Counter(
        escalated.filter(order__state__in=FINAL_STATES).values_list("worker_id", flat=True)
    )
    valid = Counter(escalated.filter(order__state=State.CLOSED).values_list("worker_id", flat=True))
    coverage: dict[int, list[float]] = defaultdict(list)
    for worker_id, cov in Patrol.objects.filter(
        worker_id__in=ids, day__gte=start.date(), day__lt=nxt
    ).values_list("worker_id", "coverage"):
        coverage[worker_id].append(cov)
    tasks = GridTask.objects.filter(worker_id__in=ids, due_at__gte=start, due_at__lt=end)
    due = Counter(tasks.values_list("worker_id", flat=True))
    in_time = Counter(
        tasks.filter(done_at__isnull=False, done_at__lte=_f("due_at")).values_list(
            "worker_id", flat=True
        )
    )
    rows: list[dict[str, Any]] = []
    for wid, w in workers.items():
        n = filed[wid]
        self_share = selfh[wid] / n if n else 0.0
        quality = valid[wid] / judged[wid] if judged[wid] else None
        cov = sum(coverage[wid]) / len(coverage[wid]) if coverage[wid] else 0.0
        response = in_time[wid] / due[wid] if due[wid] else None
        score = (
            min(n, 30) / 30 * 25
            + self_share * 20
            + (quality if quality is not None else 1.0) * 20
            + cov * 20
            + (response if response is not None else 1.0) * 15
        )
        rows.append(
            {
                "worker": w.full_name or w.username,
                "username": w.username,
                "reports": n,
                "self_handled": selfh[wid],
                "self_share": self_share,
                "escalation_quality": quality,
                "patrols": len(coverage[wid]),
                "coverage": cov,
                "tasks": due[wid],
                "task_response": response,
                "score": round(score, 1),
            }
        )
    rows.sort(key=lambda r: (-float(r["score"]), str(r["username"])))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows


def _f(name: str) -> Any:
    from django.db.models import F

    return F(name)


def map_layers(user: Any, *, region: Region | None = None) -> dict[str, Any]:
    """The grids (boundaries) of the region, today's grid events, live positions (for the
    center roles) and today's patrol coverage per grid."""
    grids = Grid.objects.visible_to(user)
    if region is not None:
        grids = grids.filter(path__startswith=region.path)
    grid_list = list(grids.order_by("code")[:400])
    ids = [g.pk for g in grid_list]
    today = timezone.localdate()
    start, end = _day_bounds(today)
    events = (
        WorkOrder.objects.visible_to(user)
        .filter(channel="grid", received_at__gte=start, received_at__lt=end)
        .exclude(lon=None)
        .values("number", "title", "lon", "lat", "state")[:2000]
    )
    coverage: dict[int, float] = {}
    for grid_id, cov in Patrol.objects.filter(grid_id__in=ids, day=today).values_list(
        "grid_id", "coverage"
    ):
        coverage[grid_id] = max(coverage.get(grid_id, 0.0), cov)
    positions: list[dict[str, Any]] = []
    if roles_of(user) & POSITION_ROLES:
        minutes = int(getattr(settings, "GRID_LIVE_POSITION_MINUTES", 10))
        recent = (
            Patrol.objects.filter(
                grid_id__in=ids, last_at__gte=timezone.now() - timedelta(minutes=minutes)
            )
            .select_related("worker")
            .order_by("worker_id", "-last_at")
        )
        seen: set[int] = set()
        for p in recent:
            if p.worker_id in seen:
                continue
            seen.add(p.worker_id)
            positions.append(
                {
                    "worker": p.worker.full_name or p.worker.username,
                    "lon": p.last_lon,
                    "lat": p.last_lat,
                    "at": p.last_at.isoformat() if p.last_at else None,
                    "patrolling": p.ended_at is None,
                }
            )
    return {
        "grids": [
            {**grid_feature(g), "coverage": round(coverage.get(g.pk, 0.0), 5)} for g in grid_list
        ],
        "events": list(events),
        "positions": positions,
    }


def special_grids(user: Any) -> list[dict[str, Any]]:
    """The special grids the user may see, with their department and their workers."""
    grids = list(
        Grid.objects.visible_to(user)
        .filter(kind="special")
        .select_related("unit__department", "town")
        .defer("geometry")
        .order_by("code")[:300]
    )
    today = timezone.localdate()
    workers: dict[int, list[str]] = defaultdict(list)
    for a in (
        GridAssignment.objects.filter(grid__in=grids, starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .select_related("worker")
    ):
        workers[a.grid_id].append(a.worker.full_name or a.worker.username)
    rows = []
    for g in grids:
        unit = getattr(g, "unit", None)
        rows.append(
            {
                "code": g.code,
                "name": g.name,
                "site_type": g.get_site_type_display(),
                "town": g.town.name,
                "department": unit.department.name if unit else "",
                "workers": workers.get(g.pk, []),
            }
        )
    return rows
