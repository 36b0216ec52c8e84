"""The figures of the leadership cockpit (一张图), computed over the viewer's scope and cached.

Every refresh of the big screen asks for these figures; recomputing them from the orders each
time would put the heaviest reads of the platform behind a 30-second timer on every screen.
They are computed once per scope and language and kept in Django's cache for
``COCKPIT_CACHE_SECONDS`` (default 30): all city-wide screens share one entry, so N screens cost
one computation per interval. Each computation reads bounded slices only — today's orders, this
month's orders (``compute_kpis``), the last 7 days' categories and grids, the overdue and urgent
open orders — through indexed columns. What is personal (which items this user has
acknowledged) is read fresh on every refresh, in one query.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone, translation
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from yiwang.cockpit.cache import scope_key
from yiwang.cockpit.models import UrgentAcknowledgement
from yiwang.cockpit.rankings import as_percent, month_start, total_of
from yiwang.workorders.choices import FINAL_STATES, HANDLING_STATES, Channel, Priority, State
from yiwang.workorders.kpis import KpiRow, compute_kpis
from yiwang.workorders.models import WorkOrder

logger = logging.getLogger(__name__)

TOP = 5
# Named positively (not "not final") so that the database can use its index on state.
OPEN_STATES = tuple(s.value for s in State if s not in FINAL_STATES)
FEED_SIZE = 30
HOT_SPOT_DAYS = 7


def cache_seconds() -> int:
    return int(settings.COCKPIT_CACHE_SECONDS)


def _long_overdue() -> timedelta:
    return timedelta(days=float(settings.COCKPIT_LONG_OVERDUE_DAYS))


def _max_points() -> int:
    return int(settings.COCKPIT_MAX_POINTS)


def _today_start(now: datetime) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))


def urgent_condition(now: datetime) -> Q:
    """Open orders a leader should see (see docs/cockpit.md, "The urgent feed")."""
    open_ = Q(state__in=OPEN_STATES)
    urgent = Q(priority__in=(Priority.URGENT, Priority.EMERGENCY))
    leader = Q(channel=Channel.LEADER)
    long_overdue = Q(state__in=HANDLING_STATES, due_at__lt=now - _long_overdue())
    urged = Q(urge_count__gte=int(settings.COCKPIT_URGED_TIMES))
    supervised = Q(supervise_count__gt=0)
    return open_ & (urgent | leader | long_overdue | urged | supervised)


def urgent_reasons(order: WorkOrder, now: datetime) -> list[str]:
    """Why an order is in the feed, in words for people; empty when it no longer qualifies."""
    if order.state in FINAL_STATES:
        return []
    reasons: list[str] = []
    if order.priority == Priority.EMERGENCY:
        reasons.append(_("Emergency"))
    elif order.priority == Priority.URGENT:
        reasons.append(_("Urgent"))
    if order.channel == Channel.LEADER:
        reasons.append(_("Leader's assignment"))
    if (
        order.state in HANDLING_STATES
        and order.due_at is not None
        and order.due_at < now - _long_overdue()
    ):
        days = (now - order.due_at).days
        reasons.append(
            ngettext("Overdue %(days)d day", "Overdue %(days)d days", days) % {"days": days}
        )
    if order.urge_count >= int(settings.COCKPIT_URGED_TIMES):
        reasons.append(_("Urged %(count)d times") % {"count": order.urge_count})
    if order.supervise_count:
        reasons.append(_("Under supervision (督办)"))
    return reasons


def _feed(orders: QuerySet[WorkOrder], now: datetime) -> list[dict[str, Any]]:
    weight = Case(
        When(priority=Priority.EMERGENCY, then=Value(0)),
        When(priority=Priority.URGENT, then=Value(1)),
        When(channel=Channel.LEADER, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    rows = (
        orders.filter(urgent_condition(now))
        .select_related("county", "town")
        .only(
            "id",
            "number",
            "title",
            "state",
            "priority",
            "channel",
            "due_at",
            "received_at",
            "urge_count",
            "county__name",
            "town__name",
        )
        .annotate(weight=weight)
        .order_by("weight", "-received_at", "-id")[:FEED_SIZE]
    )
    return [
        {
            "id": o.pk,
            "number": o.number,
            "title": o.title,
            "place": " ".join(p.name for p in (o.county, o.town) if p is not None),
            "state": o.get_state_display(),
            "received_at": timezone.localtime(o.received_at).strftime("%m-%d %H:%M"),
            "reasons": urgent_reasons(o, now),
        }
        for o in rows
    ]


def _month_kpis(user: Any, orders: QuerySet[WorkOrder], now: datetime) -> KpiRow:
    """This month's indicators over the scope: the month's rates move slowly, so they are kept
    for ``COCKPIT_MONTH_CACHE_SECONDS`` (default 300) rather than the screen's 30 seconds."""
    first = month_start(timezone.localdate(now))
    key = f"cockpit:month:v1:{scope_key(user)}:{first.isoformat()}"
    total: KpiRow | None = cache.get(key)
    if total is None:
        start = timezone.make_aware(datetime.combine(first, time.min))
        total = total_of(compute_kpis(orders, group_by="county", start=start, end=now))
        cache.set(key, total, int(settings.COCKPIT_MONTH_CACHE_SECONDS))
    return total


def compute_situation(user: Any, now: datetime | None = None) -> dict[str, Any]:
    """Every figure of the big screen, for the user's scope (uncached but the month's rates)."""
    now = now or timezone.now()
    orders = WorkOrder.objects.visible_to(user)
    today = orders.filter(received_at__gte=_today_start(now), received_at__lte=now)
    recent = orders.filter(received_at__gte=now - timedelta(days=HOT_SPOT_DAYS))
    month = _month_kpis(user, orders, now)

    # One pass over the open orders (a positive state list, so the state index serves it):
    # open and overdue per county.
    by_county: dict[str, dict[str, int]] = {}
    open_count = overdue_count = 0
    for open_row in (
        orders.filter(state__in=OPEN_STATES)
        .values("county__code")
        .annotate(
            open=Count("id"),
            overdue=Count("id", filter=Q(state__in=HANDLING_STATES, due_at__lt=now)),
        )
    ):
        open_count += open_row["open"]
        overdue_count += open_row["overdue"]
        if open_row["county__code"]:
            entry = by_county.setdefault(open_row["county__code"], {"today": 0, "overdue": 0})
            entry["overdue"] = open_row["overdue"]
    # One pass over today's orders: per town, summed per county.
    by_town: dict[str, int] = {}
    orders_today = 0
    for day_row in today.values("county__code", "town__code").annotate(n=Count("id")):
        orders_today += day_row["n"]
        if day_row["county__code"]:
            entry = by_county.setdefault(day_row["county__code"], {"today": 0, "overdue": 0})
            entry["today"] += day_row["n"]
        if day_row["town__code"]:
            by_town[day_row["town__code"]] = day_row["n"]
    categories = [
        {"name": row["category__name"], "count": row["n"]}
        for row in recent.exclude(category=None)
        .values("category__name")
        .annotate(n=Count("id"))
        .order_by("-n", "category__name")[:TOP]
    ]
    hot_spots = [
        {"name": row["grid__name"], "town": row["town__name"] or "", "count": row["n"]}
        for row in recent.exclude(grid=None)
        .values("grid__code", "grid__name", "town__name")
        .annotate(n=Count("id"))
        .order_by("-n", "grid__code")[:TOP]
    ]
    points = [
        [round(lon, 5), round(lat, 5), 1 if priority != Priority.NORMAL else 0, county, town]
        for lon, lat, priority, county, town in today.exclude(lon=None)
        .exclude(lat=None)
        .order_by("-received_at")
        .values_list("lon", "lat", "priority", "county__code", "town__code")[: _max_points()]
        if lon is not None and lat is not None
    ]
    return {
        "generated_at": timezone.localtime(now).strftime("%Y-%m-%d %H:%M:%S"),
        "headline": {
            "orders_today": orders_today,
            "open": open_count,
            "overdue": overdue_count,
            "on_time_rate": as_percent(month.on_time_rate),
            "satisfaction_rate": as_percent(month.satisfaction_rate),
            "response_rate": as_percent(month.response_rate),
            "month_orders": month.orders,
        },
        "top_categories": categories,
        "hot_spots": hot_spots,
        "by_county": by_county,
        "by_town": by_town,
        "points": points,
        "feed": _feed(orders, now),
    }


def situation_key(user: Any) -> str:
    return f"cockpit:situation:v2:{scope_key(user)}:{get_language()}"


def situation_for(user: Any) -> tuple[dict[str, Any], bool]:
    """The figures for the user's scope, and whether they came from the cache.

    Fresh for ``COCKPIT_CACHE_SECONDS``; after that the first request to take the scope's
    recompute lock computes them again while every other screen keeps getting the previous
    figures (kept up to ``COCKPIT_STALE_SECONDS``), so N screens whose entry expires in the same
    second cost one computation, not N.
    """
    key = situation_key(user)
    entry: dict[str, Any] | None = cache.get(key)
    now = timezone.now()
    if entry is not None:
        age = (now - entry["computed_at"]).total_seconds()
        if age < cache_seconds():
            return entry["data"], True
        if not cache.add(f"{key}:lock", 1, timeout=60):
            return entry["data"], True  # someone else is recomputing: the last figures stand
        if settings.COCKPIT_RECOMPUTE_IN_BACKGROUND:
            # No screen waits: this one gets the last figures too, and a thread recomputes.
            worker = threading.Thread(
                target=_recompute, args=(user, key, get_language()), daemon=True
            )
            worker.start()
            return entry["data"], True
    try:
        data = compute_situation(user, now)
        stale = max(cache_seconds(), int(settings.COCKPIT_STALE_SECONDS))
        cache.set(key, {"data": data, "computed_at": now}, stale)
    finally:
        if entry is not None:
            cache.delete(f"{key}:lock")
    return data, False


def _recompute(user: Any, key: str, language: str) -> None:
    """Compute the scope's figures in a background thread, store them, release the lock."""
    try:
        with translation.override(language):
            now = timezone.now()
            data = compute_situation(user, now)
        stale = max(cache_seconds(), int(settings.COCKPIT_STALE_SECONDS))
        cache.set(key, {"data": data, "computed_at": now}, stale)
    except Exception:  # the last figures stay; the next refresh tries again
        logger.exception("cockpit figures for %s could not be recomputed", key)
    finally:
        cache.delete(f"{key}:lock")
        if threading.current_thread() is not threading.main_thread():
            connection.close()  # the thread's own database connection


def with_acknowledgements(data: dict[str, Any], user: Any) -> dict[str, Any]:
    """The figures with this user's acknowledgements of the feed's items marked (one query)."""
    ids = [item["id"] for item in data["feed"]]
    seen = set(
        UrgentAcknowledgement.objects.filter(user=user, order_id__in=ids).values_list(
            "order_id", flat=True
        )
    )
    feed = [{**item, "acknowledged": item["id"] in seen} for item in data["feed"]]
    return {**data, "feed": feed}
