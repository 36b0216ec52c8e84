"""Read helpers for the console pages: one order with what its page shows, contact masking,
supervision boards, and a department's own figures and rank. Nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.errors import ValidationFailed
from yiwang.core.masking import MASKERS, reveal
from yiwang.core.scoping import roles_of
from yiwang.org.choices import DEPARTMENT_ROLES
from yiwang.org.models import Department, RoleAssignment
from yiwang.workorders.choices import EventKind, State
from yiwang.workorders.kpis import KpiRow, compute_kpis
from yiwang.workorders.lifecycle import DISPATCHERS, HOTLINE, OPEN_STATES, WORKING
from yiwang.workorders.models import Attachment, Whistle, WorkOrder, WorkOrderEvent
from yiwang.workorders.routing import explain_route

BOARDS = ("overdue", "urged", "supervised", "disputed", "extensions")
# Confidential contacts are shown (by role) only to the center, as in the API.
_CONFIDENTIAL_READERS = DISPATCHERS | HOTLINE


def order_queryset(user: Any) -> QuerySet[WorkOrder]:
    """The user's orders with what a page shows of each (region outlines stay behind)."""
    return (
        WorkOrder.objects.visible_to(user)
        .select_related(
            "category",
            "grid",
            "town",
            "county",
            "center__region",
            "lead_department",
            "handler",
            "parent",
        )
        .defer("town__geometry", "county__geometry", "center__region__geometry")
    )


def contact(viewer: Any, order: WorkOrder) -> dict[str, str]:
    """The contact's name and phone as ``viewer`` may see them (``core.masking``)."""

    def shown(field: str, value: str) -> str:
        if (
            order.confidential
            and value
            and order.contact_user_id != viewer.pk
            and not roles_of(viewer) & _CONFIDENTIAL_READERS
        ):
            return str(MASKERS[field](value))
        return reveal(viewer, field, value, owner_id=order.contact_user_id)

    return {
        "name": shown("name", order.contact_name),
        "phone": shown("phone", order.contact_phone),
    }


@dataclass(frozen=True)
class RouteSuggestion:
    department_code: str
    department_name: str
    reason: str
    steps: list[str]


def route_suggestion(order: WorkOrder) -> RouteSuggestion | str:
    """The dispatch catalogue's answer with the steps tried, or why there is none."""
    if order.category is None:
        return _("Classify the order to get a routing suggestion.")
    try:
        decision, steps = explain_route(order.category, county=order.county, town=order.town)
    except ValidationFailed as exc:
        return exc.message
    return RouteSuggestion(
        decision.department.code, decision.department.name, decision.reason, steps
    )


def timeline(order: WorkOrder) -> list[WorkOrderEvent]:
    return list(
        WorkOrderEvent.objects.filter(order=order)
        .select_related("actor")
        .order_by("created_at", "id")
    )


def attachments(order: WorkOrder) -> list[dict[str, Any]]:
    """The order's files with the API address that serves them (to those who see the order)."""
    return [
        {
            "name": a.name,
            "size": a.size,
            "created_at": a.created_at,
            "url": f"/api/v1/workorders/{order.number}/attachments/{a.pk}",
        }
        for a in Attachment.objects.filter(order=order).order_by("id")
    ]


def map_data(order: WorkOrder) -> dict[str, Any] | None:
    """The point and the grid's outline, for the order page's small map."""
    if order.lon is None or order.lat is None:
        return None
    grid = order.grid
    return {
        "point": [order.lon, order.lat],
        "grid": None
        if grid is None
        else {"code": grid.code, "name": grid.name, "geometry": grid.geometry},
    }


def board_orders(user: Any, kind: str) -> QuerySet[WorkOrder]:
    """The orders of one supervision board, most urgent first."""
    qs = order_queryset(user)
    now = timezone.now()
    if kind == "overdue":
        qs = qs.filter(
            due_at__lt=now, state__in=(State.DISPATCHED, *WORKING, State.RETURNED, State.DISPUTED)
        )
    elif kind == "urged":
        qs = qs.filter(urge_count__gt=0, state__in=OPEN_STATES)
    elif kind == "supervised":
        supervised = WorkOrderEvent.objects.filter(order=OuterRef("pk"), kind=EventKind.SUPERVISED)
        qs = qs.filter(Exists(supervised), state__in=OPEN_STATES)
    elif kind == "disputed":
        qs = qs.filter(state=State.DISPUTED)
    elif kind == "extensions":
        qs = qs.filter(extension_pending=True, state__in=WORKING)
    else:
        raise KeyError(kind)
    return qs.order_by("due_at", "received_at", "id")


def latest_notes(orders: list[WorkOrder], kinds: tuple[str, ...]) -> dict[int, WorkOrderEvent]:
    """Each order's latest event of ``kinds`` (one query for the whole page)."""
    found: dict[int, WorkOrderEvent] = {}
    events = WorkOrderEvent.objects.filter(order__in=[o.pk for o in orders], kind__in=kinds)
    for event in events.select_related("actor").order_by("created_at", "id"):
        found[event.order_id] = event
    return found


# --- the department workbench -----------------------------------------------------------------


def departments_of(user: Any) -> list[Department]:
    """The units the user works for as handler or liaison."""
    assignments = RoleAssignment.objects.filter(
        user=user, role__in=DEPARTMENT_ROLES, department__isnull=False
    ).select_related("department")
    seen: dict[int, Department] = {}
    for a in assignments:
        assert a.department is not None
        seen.setdefault(a.department.pk, a.department)
    return list(seen.values())


def pending_whistles(user: Any, unit_ids: list[int]) -> list[Whistle]:
    """Whistles (吹哨) calling the user's units that wait for their answer (报到), the most
    pressing first; only on orders the user may see."""
    return list(
        Whistle.objects.filter(
            department_id__in=unit_ids,
            answered_at=None,
            order__in=WorkOrder.objects.visible_to(user).values("pk"),
        )
        .select_related("order", "order__town", "order__county", "department")
        .defer("order__town__geometry", "order__county__geometry")
        .order_by("answer_by", "id")[:100]
    )


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    local = timezone.localtime(now).date().replace(day=1)
    nxt = (
        local.replace(year=local.year + 1, month=1)
        if local.month == 12
        else local.replace(month=local.month + 1)
    )
    start = timezone.make_aware(datetime.combine(local, time.min))
    return start, timezone.make_aware(datetime.combine(nxt, time.min))


@dataclass(frozen=True)
class DepartmentFigures:
    department: Department
    row: KpiRow | None
    rank: int | None
    ranked: int


def _ranking_key(row: KpiRow) -> tuple[float, int, str]:
    # As the KPI API ranks: on-time rate, then the number of orders.
    return (-(row.on_time_rate or 0), -row.orders, row.code)


def department_figures(department: Department, now: datetime) -> DepartmentFigures:
    """This month's indicators of ``department`` and its rank among units of its tier.

    The unit's own figures are computed on each visit. The rank compares it with every unit
    of its tier, which reads all of their orders of the month: that comparison is cached for
    ``CONSOLE_RANK_CACHE_SECONDS`` (default 300), with the unit's own fresh figures put in
    its place. Only the unit's own figures and its position are shown, never another unit's.
    """
    start, end = month_bounds(now)
    own = compute_kpis(
        WorkOrder.objects.filter(lead_department=department),
        group_by="department",
        start=start,
        end=end,
    )
    row = own[0] if own else None
    key = f"console:rank:{department.tier}:{start:%Y-%m}"
    keys: dict[str, tuple[float, int, str]] | None = cache.get(key)
    if keys is None:
        rows = compute_kpis(
            WorkOrder.objects.filter(lead_department__tier=department.tier),
            group_by="department",
            start=start,
            end=end,
        )
        keys = {r.code: _ranking_key(r) for r in rows}
        cache.set(key, keys, int(getattr(settings, "CONSOLE_RANK_CACHE_SECONDS", 300)))
    if row is None:
        return DepartmentFigures(department, None, None, len(keys))
    keys = {**keys, row.code: _ranking_key(row)}
    rank = sorted(keys.values()).index(_ranking_key(row)) + 1
    return DepartmentFigures(department, row, rank, len(keys))
