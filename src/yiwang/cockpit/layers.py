"""Figures of the thematic maps' layers beyond the work orders: whistles, 一企来 cases, grid
patrols, the exchange catalogue and volumes … Each provider takes the viewer, the period and the
county filter and returns cards (label, value) and an optional table; a layer whose key has a
provider here is connected (``themes.Layer.connected``).

Providers live next to the data they read; this module only names them, so the cockpit imports
an app's code only when that layer is shown.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Q
from django.utils.translation import gettext as _

LayerFigures = dict[str, Any]
Provider = Callable[..., LayerFigures]

# layer key → "module:function"
PROVIDERS: dict[str, str] = {
    "whistles": "yiwang.cockpit.layers:whistles",
    "policy-specialists": "yiwang.cockpit.layers:policy_specialists",
    "patrols": "yiwang.cockpit.layers:patrols",
    "catalogue": "yiwang.cockpit.layers:catalogue",
    "share-requests": "yiwang.cockpit.layers:share_requests",
    "exchange-volume": "yiwang.cockpit.layers:exchange_volume",
}


def provider(key: str) -> Provider | None:
    path = PROVIDERS.get(key)
    if path is None:
        return None
    module, _sep, name = path.partition(":")
    function: Provider = getattr(importlib.import_module(module), name)
    return function


def layer_figures(
    user: Any, keys: list[str], *, start: datetime, end: datetime, county: str
) -> dict[str, LayerFigures]:
    """``{layer key: figures}`` for the layers among ``keys`` that have a provider."""
    found = {}
    for key in keys:
        function = provider(key)
        if function is not None:
            found[key] = function(user, start=start, end=end, county=county)
    return found


def _rate(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def whistles(user: Any, *, start: datetime, end: datetime, county: str) -> LayerFigures:
    """吹哨报到: whistles blown by towns in the period, how many units turned up in time, and the
    whistle rate per town (orders whistled / orders of the town)."""
    from yiwang.workorders.models import Whistle, WorkOrder

    orders = WorkOrder.objects.visible_to(user).filter(received_at__gte=start, received_at__lt=end)
    if county:
        orders = orders.filter(county__code=county)
    calls = Whistle.objects.filter(order__in=orders)
    totals = calls.aggregate(
        n=Count("pk"),
        answered=Count("pk", filter=Q(answered_at__isnull=False)),
        in_time=Count("pk", filter=Q(answered_at__lte=F("answer_by"))),
    )
    per_town = (
        orders.exclude(town=None)
        .values("town__name")
        .annotate(
            n=Count("pk", distinct=True),
            whistled=Count("pk", filter=Q(whistles__isnull=False), distinct=True),
        )
        .filter(whistled__gt=0)
        .order_by("-whistled", "town__name")[:10]
    )
    return {
        "cards": [
            {"label": _("Whistles blown"), "value": totals["n"]},
            {"label": _("Units reported"), "value": totals["answered"]},
            {"label": _("Reported in time"), "value": _rate(totals["in_time"], totals["n"])},
        ],
        "columns": [_("Town"), _("Orders whistled"), _("Whistle rate")],
        "rows": [
            [row["town__name"], row["whistled"], _rate(row["whistled"], row["n"])]
            for row in per_town
        ],
    }


def policy_specialists(user: Any, *, start: datetime, end: datetime, county: str) -> LayerFigures:
    """一企来: enterprise requests in the period, the share assigned to a policy specialist, and
    the requests per sector."""
    from yiwang.intake.models import EnterpriseRequest
    from yiwang.intake.services import ENTERPRISE_SECTORS
    from yiwang.workorders.choices import FINAL_STATES
    from yiwang.workorders.models import WorkOrder

    orders = WorkOrder.objects.visible_to(user).filter(received_at__gte=start, received_at__lt=end)
    if county:
        orders = orders.filter(county__code=county)
    requests = EnterpriseRequest.objects.filter(order__in=orders)
    totals = requests.aggregate(
        n=Count("pk"),
        assigned=Count("pk", filter=Q(specialist__isnull=False)),
        done=Count("pk", filter=Q(order__state__in=list(FINAL_STATES))),
    )
    sectors = requests.values("sector").annotate(n=Count("pk")).order_by("-n", "sector")
    return {
        "cards": [
            {"label": _("Enterprise requests"), "value": totals["n"]},
            {
                "label": _("Assigned to a specialist"),
                "value": _rate(totals["assigned"], totals["n"]),
            },
            {"label": _("Completed"), "value": totals["done"]},
        ],
        "columns": [_("Sector"), _("Requests")],
        "rows": [
            [str(ENTERPRISE_SECTORS.get(row["sector"], row["sector"])), row["n"]] for row in sectors
        ],
    }


def patrols(user: Any, *, start: datetime, end: datetime, county: str) -> LayerFigures:
    """Grid workers' patrols in the period over the grids the viewer may see: patrols, workers
    on patrol, distance walked, mean coverage of the grid, per county."""
    from django.db.models import Avg, Sum

    from yiwang.geo.models import Grid
    from yiwang.grid.models import Patrol

    grids = Grid.objects.visible_to(user)
    if county:
        grids = grids.filter(county__code=county)
    period = Patrol.objects.filter(grid__in=grids, started_at__gte=start, started_at__lt=end)
    totals = period.aggregate(
        n=Count("pk"),
        workers=Count("worker", distinct=True),
        metres=Sum("distance_m"),
        coverage=Avg("coverage"),
    )
    per_county = (
        period.values("grid__county__name")
        .annotate(n=Count("pk"), coverage=Avg("coverage"))
        .order_by("-n", "grid__county__name")
    )
    return {
        "cards": [
            {"label": _("Patrols"), "value": totals["n"]},
            {"label": _("Grid workers on patrol"), "value": totals["workers"]},
            {"label": _("Kilometres walked"), "value": f"{(totals['metres'] or 0) / 1000:.1f}"},
            {
                "label": _("Mean grid coverage"),
                "value": f"{100 * totals['coverage']:.1f}%" if totals["coverage"] else "—",
            },
        ],
        "columns": [_("County-level division"), _("Patrols"), _("Mean grid coverage")],
        "rows": [
            [row["grid__county__name"], row["n"], f"{100 * (row['coverage'] or 0):.1f}%"]
            for row in per_county
        ],
    }


def catalogue(user: Any, *, start: datetime, end: datetime, county: str) -> LayerFigures:
    """The city's resource catalogue (city-wide: the catalogue has no county): resources,
    providing departments, records stored, and resources per sharing type."""
    from django.db.models import Sum

    from yiwang.exchange.choices import SharingType
    from yiwang.exchange.models import Resource

    totals = Resource.objects.aggregate(
        n=Count("pk"), departments=Count("provider", distinct=True), stored=Sum("record_count")
    )
    labels = dict(SharingType.choices)
    per_type = Resource.objects.values("sharing_type").annotate(n=Count("pk")).order_by("-n")
    return {
        "cards": [
            {"label": _("Data resources"), "value": totals["n"]},
            {"label": _("Providing departments"), "value": totals["departments"]},
            {"label": _("Records stored"), "value": totals["stored"] or 0},
        ],
        "columns": [_("Sharing type"), _("Resources")],
        "rows": [
            [str(labels.get(row["sharing_type"], row["sharing_type"])), row["n"]]
            for row in per_type
        ],
    }


def share_requests(user: Any, *, start: datetime, end: datetime, county: str) -> LayerFigures:
    """Share requests made in the period by status, and the grants in force now."""
    from yiwang.exchange.choices import RequestStatus
    from yiwang.exchange.models import Grant, ShareRequest

    made = ShareRequest.objects.filter(created_at__gte=start, created_at__lt=end)
    labels = dict(RequestStatus.choices)
    per_status = made.values("status").annotate(n=Count("pk")).order_by("-n", "status")
    return {
        "cards": [
            {"label": _("Share requests in the period"), "value": made.count()},
            {"label": _("Grants in force"), "value": Grant.objects.active().count()},
        ],
        "columns": [_("Status"), _("Requests")],
        "rows": [[str(labels.get(row["status"], row["status"])), row["n"]] for row in per_status],
    }


def exchange_volume(user: Any, *, start: datetime, end: datetime, county: str) -> LayerFigures:
    """Records exchanged in the period, in (ingest, backflow) and out (pull, push, stream), with
    failures, and the busiest resources."""
    from django.db.models import Sum

    from yiwang.exchange.models import DailyVolume

    days = DailyVolume.objects.filter(day__gte=start.date(), day__lte=end.date())
    totals = days.aggregate(
        records_in=Sum("records", filter=Q(direction="in")),
        records_out=Sum("records", filter=Q(direction="out")),
        failures=Sum("failures"),
    )
    busiest = (
        days.values("resource__name")
        .annotate(n=Sum("records"))
        .order_by("-n", "resource__name")[:8]
    )
    return {
        "cards": [
            {"label": _("Records received"), "value": totals["records_in"] or 0},
            {"label": _("Records delivered"), "value": totals["records_out"] or 0},
            {"label": _("Failed operations"), "value": totals["failures"] or 0},
        ],
        "columns": [_("Resource"), _("Records exchanged")],
        "rows": [[row["resource__name"], row["n"]] for row in busiest],
    }
