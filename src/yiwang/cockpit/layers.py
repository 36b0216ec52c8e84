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
            n=Count("pk", distinct=True), whistled=Count("pk", filter=Q(whistles__isnull=False), distinct=True)
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
