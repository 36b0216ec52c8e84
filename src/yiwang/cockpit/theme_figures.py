"""Figures of one thematic map over the viewer's scope: the theme's work orders in a period.

Cached per scope, theme, filters and language for ``COCKPIT_CACHE_SECONDS`` like the big screen.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import get_language

from yiwang.cockpit.cache import scope_key
from yiwang.cockpit.rankings import as_percent, total_of
from yiwang.cockpit.situation import cache_seconds
from yiwang.cockpit.themes import Theme
from yiwang.geo.models import Region
from yiwang.workorders.choices import FINAL_STATES, HANDLING_STATES
from yiwang.workorders.kpis import compute_kpis
from yiwang.workorders.models import WorkOrder

PERIODS = (7, 30, 90, 365)
DEFAULT_PERIOD = 30
RECENT = 10


def visible_counties(user: Any) -> list[tuple[str, str]]:
    return list(
        Region.objects.visible_to(user)
        .filter(level="county")
        .order_by("code")
        .values_list("code", "name")
    )


def compute_theme_figures(user: Any, theme: Theme, *, days: int, county: str) -> dict[str, Any]:
    now = timezone.now()
    start = now - timedelta(days=days)
    orders = WorkOrder.objects.visible_to(user).filter(theme.order_condition())
    if county:
        orders = orders.filter(county__code=county)
    period = orders.filter(received_at__gte=start, received_at__lte=now)
    kpi = total_of(compute_kpis(orders, group_by="county", start=start, end=now))
    by_county = [
        {"code": row["county__code"], "name": row["county__name"], "count": row["n"]}
        for row in period.exclude(county=None)
        .values("county__code", "county__name")
        .annotate(n=Count("id"))
        .order_by("-n", "county__code")
    ]
    categories = [
        {"code": row["category__code"], "name": row["category__name"], "count": row["n"]}
        for row in period.exclude(category=None)
        .values("category__code", "category__name")
        .annotate(n=Count("id"))
        .order_by("-n", "category__code")[:8]
    ]
    recent = [
        {
            "number": o.number,
            "title": o.title,
            "state": o.get_state_display(),
            "place": " ".join(p.name for p in (o.county, o.town) if p is not None),
            "received_at": timezone.localtime(o.received_at).strftime("%Y-%m-%d %H:%M"),
        }
        for o in period.select_related("county", "town").only(
            "number", "title", "state", "received_at", "county__name", "town__name"
        )[:RECENT]
    ]
    from yiwang.cockpit.layers import layer_figures

    layers = layer_figures(
        user, [layer.key for layer in theme.layers], start=start, end=now, county=county
    )
    return {
        "layers": [
            {"key": layer.key, "name": str(layer.name), **layers[layer.key]}
            for layer in theme.layers
            if layer.key in layers
        ],
        "orders": period.count(),
        "open": period.exclude(state__in=FINAL_STATES).count(),
        "overdue": orders.filter(state__in=HANDLING_STATES, due_at__lt=now).count(),
        "on_time_rate": as_percent(kpi.on_time_rate),
        "satisfaction_rate": as_percent(kpi.satisfaction_rate),
        "response_rate": as_percent(kpi.response_rate),
        "by_county": by_county,
        "categories": categories,
        "recent": recent,
    }


def theme_figures(user: Any, theme: Theme, *, days: int, county: str) -> dict[str, Any]:
    key = f"cockpit:theme:v2:{scope_key(user)}:{theme.slug}:{days}:{county}:{get_language()}"
    data: dict[str, Any] | None = cache.get(key)
    if data is None:
        data = compute_theme_figures(user, theme, days=days, county=county)
        cache.set(key, data, cache_seconds())
    return data
