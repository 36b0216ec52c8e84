"""The rankings' monthly aggregate: KPI counts per month, lead unit and place, so that a ranking
of every unit over a year reads a few thousand rows instead of a year of orders.

``refresh_months`` rebuilds months whole from the orders with the same grouped counts as
``kpis.compute_kpis`` (``grouped_counts``), so a month served from here equals the live
computation as of its refresh. The Huey consumer refreshes the current and the previous month
every ``KPI_ROLLUP_RECENT_MINUTES`` and the last 13 months nightly; ``yiwang kpis refresh`` does
it by hand.

``kpis_for(user, …)`` answers any period: whole months that are fresh come from here, the rest
(partial months at the edges, months not refreshed recently enough) is computed live. The
aggregate keys orders by place, so it serves scopes that are places — the whole city, a county,
a town — and department and grid roles are always computed live (their orders are few).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from yiwang.core.audit import record_audit
from yiwang.core.scoping import Scope, scope_of
from yiwang.workorders.kpis import (
    _GROUP_FIELDS,
    COUNTS,
    GroupBy,
    KpiRow,
    compute_kpis,
    grouped_counts,
)
from yiwang.workorders.models import KpiMonth, KpiMonthRefresh, WorkOrder

ROLLUP_KEYS = ("lead_department_id", "county_id", "town_id", "region_path")
# When each month was rebuilt, cached briefly (one small query a minute, not one per ranking).
REFRESHED_KEY = "workorders:kpi-months-refreshed"
# Months before the previous one are rebuilt nightly; served if rebuilt within this long.
OLD_MONTH_FRESH = timedelta(hours=36)


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(first: date, n: int) -> date:
    index = first.year * 12 + first.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_bounds(first: date) -> tuple[datetime, datetime]:
    """The month as local, timezone-aware [start, end)."""
    start = timezone.make_aware(datetime.combine(first, time.min))
    return start, timezone.make_aware(datetime.combine(add_months(first, 1), time.min))


def refresh_months(
    months: Iterable[date], *, progress: Callable[[str, int, int], None] | None = None
) -> int:
    """Rebuild the aggregate of each month (first days); answer the rows written. Each month is
    one transaction: its rows replaced, its refresh time set, one audit record."""
    months = sorted({month_start(m) for m in months})
    written = 0
    for done, first in enumerate(months, start=1):
        start, end = month_bounds(first)
        rows = list(grouped_counts(WorkOrder.objects.all(), ROLLUP_KEYS, start, end))
        with transaction.atomic():
            KpiMonth.objects.filter(month=first).delete()
            KpiMonth.objects.bulk_create(
                KpiMonth(month=first, **{k: row[k] for k in (*ROLLUP_KEYS, *COUNTS)})
                for row in rows
            )
            KpiMonthRefresh.objects.update_or_create(
                month=first, defaults={"refreshed_at": timezone.now()}
            )
            transaction.on_commit(lambda: cache.delete(REFRESHED_KEY))
            cache.delete(REFRESHED_KEY)
            record_audit(
                "workorders.kpi_month_refreshed",
                actor=None,
                object_type="workorders.kpimonth",
                after={"month": first.isoformat(), "rows": len(rows)},
            )
        written += len(rows)
        if progress is not None:
            progress("KPI months", done, len(months))
    return written


def recent_months(now: datetime | None = None) -> list[date]:
    this = month_start(timezone.localdate(now))
    return [add_months(this, -1), this]


def year_months(now: datetime | None = None) -> list[date]:
    this = month_start(timezone.localdate(now))
    return [add_months(this, -i) for i in range(12, -1, -1)]


def _served(months: list[date], now: datetime) -> set[date]:
    """The months whose aggregate is fresh enough to answer for them."""
    recent = set(recent_months(now))
    recent_fresh = timedelta(minutes=2 * int(getattr(settings, "KPI_ROLLUP_RECENT_MINUTES", 10)))
    refreshed: dict[date, datetime] | None = cache.get(REFRESHED_KEY)
    if refreshed is None:
        refreshed = dict(KpiMonthRefresh.objects.values_list("month", "refreshed_at"))
        cache.set(REFRESHED_KEY, refreshed, 60)
    served = set()
    for first in months:
        at = refreshed.get(first)
        if at is None:
            continue
        if first in recent:
            fresh = now - at <= recent_fresh
        else:  # rebuilt nightly, and at least once after the month was over
            fresh = now - at <= OLD_MONTH_FRESH and at >= month_bounds(first)[1]
        if fresh:
            served.add(first)
    return served


def _place_scope(scope: Scope) -> Q | None:
    """The aggregate's filter for a scope made of places; None when the scope is not one."""
    if scope.everything:
        return Q()
    if scope.region_paths and not scope.department_ids and not scope.grid_ids:
        return reduce(or_, (Q(region_path__startswith=p) for p in scope.region_paths))
    return None


def kpis_for(
    user: Any,
    *,
    group_by: GroupBy,
    start: datetime,
    end: datetime,
    unit: str | None = None,
    area_path: str | None = None,
) -> list[KpiRow]:
    """``compute_kpis`` over the orders ``user`` may see received in [start, end), optionally
    of one lead ``unit`` (code) or under one ``area_path``, from the aggregate where it can."""
    live: QuerySet[WorkOrder] = WorkOrder.objects.visible_to(user)
    if unit:
        live = live.filter(lead_department__code=unit)
    if area_path:
        live = live.filter(region_path__startswith=area_path)
    places = _place_scope(scope_of(user))
    first = month_start(timezone.localdate(start))
    if month_bounds(first)[0] < start:
        first = add_months(first, 1)
    whole = []
    while month_bounds(first)[1] <= end:
        whole.append(first)
        first = add_months(first, 1)
    served = _served(whole, timezone.now()) if places is not None and whole else set()
    if not served:
        return compute_kpis(live, group_by=group_by, start=start, end=end)

    parts: list[list[KpiRow]] = []
    cursor = start
    for month in sorted(served):
        month_from, month_to = month_bounds(month)
        if cursor < month_from:
            parts.append(compute_kpis(live, group_by=group_by, start=cursor, end=month_from))
        cursor = month_to
    if cursor < end:
        parts.append(compute_kpis(live, group_by=group_by, start=cursor, end=end))

    key, code, name = _GROUP_FIELDS[group_by]
    rolled = KpiMonth.objects.filter(places or Q(), month__in=served).exclude(**{key: None})
    if unit:
        rolled = rolled.filter(lead_department__code=unit)
    if area_path:
        rolled = rolled.filter(region_path__startswith=area_path)
    sums = rolled.values(key, code, name).annotate(**{f: Sum(f) for f in COUNTS}).order_by()
    parts.append(
        [KpiRow(code=r[code], name=r[name], **{f: r[f] or 0 for f in COUNTS}) for r in sums]
    )
    return merge(parts)


def merge(parts: list[list[KpiRow]]) -> list[KpiRow]:
    """One row per code with every count summed, ordered by code."""
    totals: dict[str, dict[str, Any]] = {}
    for rows in parts:
        for row in rows:
            entry = totals.setdefault(row.code, {"name": row.name, **dict.fromkeys(COUNTS, 0)})
            for f in COUNTS:
                entry[f] += getattr(row, f)
    return [KpiRow(code=c, **totals[c]) for c in sorted(totals)]
