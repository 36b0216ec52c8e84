"""Cockpit pages: the big screen and its data, the thematic maps, the KPI rankings.

Views check the role, parse the filters, call one function and render; figures come from
``situation``, ``theme_figures`` and ``rankings``, the one write from ``services``.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from yiwang.cockpit import services
from yiwang.cockpit.access import (
    ACKNOWLEDGE_ROLES,
    COCKPIT_ROLES,
    RANKING_ROLES,
    forbidden,
    roles_required,
)
from yiwang.cockpit.export import (
    XLSX_TYPE,
    ranking_cells,
    ranking_headers,
    ranking_workbook,
    trend_cells,
    trend_headers,
)
from yiwang.cockpit.forms import RankingForm, ThemeFilterForm
from yiwang.cockpit.geo import town_grids
from yiwang.cockpit.rankings import (
    DIMENSIONS,
    METRIC_BY_KEY,
    build_ranking,
    month_label,
    parse_month,
)
from yiwang.cockpit.situation import cache_seconds, situation_for, with_acknowledgements
from yiwang.cockpit.theme_figures import theme_figures, visible_counties
from yiwang.cockpit.themes import THEME_BY_SLUG, THEMES
from yiwang.core.errors import DomainError, NotFound

BOUNDARIES_URL = "/api/v1/geo/boundaries"


@require_GET
@roles_required(COCKPIT_ROLES)
def cockpit(request: HttpRequest) -> HttpResponse:
    """The big screen: the page shell; its figures come from ``cockpit_data`` every 30 s."""
    context = {
        "data_url": reverse("cockpit:data"),
        "county_boundaries_url": f"{BOUNDARIES_URL}?level=county",
        "town_boundaries_url": f"{BOUNDARIES_URL}?level=town",
        "grids_url_template": reverse("cockpit:town-grids", args=["TOWN"]),
        # The grid app's layers: live positions of grid workers (for the roles that see them).
        "grid_map_url_template": "/api/v1/grid/map?region=TOWN",
        "refresh_seconds": cache_seconds(),
        "labels": {
            "city": _("Whole city"),
            "area": _("Your area"),
            "acknowledge": pgettext("urgent item", "Acknowledge"),
            "acknowledged": pgettext("urgent item", "Acknowledged"),
            "retry": _("Failed — try again"),
            "no_urgent": _("No urgent items."),
            "nothing": _("Nothing yet."),
            "updated": _("Updated"),
            "stale": _("Could not refresh; figures from"),
            "map_failed": _("The map could not be loaded; the figures are unaffected."),
            "orders_today": _("Orders today"),
            "grid_worker": _("Grid worker"),
            "more": pgettext("map legend", "more"),
            "fewer": pgettext("map legend", "fewer"),
        },
    }
    return render(request, "cockpit/cockpit.html", context)


@never_cache
@require_GET
@roles_required(COCKPIT_ROLES)
def cockpit_data(request: HttpRequest) -> JsonResponse:
    """The big screen's figures for the viewer's scope (cached per scope; see situation.py)."""
    data, cached = situation_for(request.user)
    body = with_acknowledgements(data, request.user)
    body["cached"] = cached
    for item in body["feed"]:
        item["acknowledge_url"] = reverse("cockpit:acknowledge", args=[item["number"]])
        item.pop("id")
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@require_GET
@roles_required(COCKPIT_ROLES)
def town_grids_view(request: HttpRequest, code: str) -> HttpResponse:
    """The grids of one town as GeoJSON, each with today's order count (drill-down level 3)."""
    try:
        body = town_grids(request.user, code)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return HttpResponse(body, content_type="application/geo+json")


@require_POST
@roles_required(ACKNOWLEDGE_ROLES)
def acknowledge(request: HttpRequest, number: str) -> HttpResponse:
    """Acknowledge an urgent item: JSON for the screen's script, a redirect for a plain form."""
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        ack = services.acknowledge_urgent_item(
            number, actor=request.user, note=request.POST.get("note", "")
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        if wants_json:
            return JsonResponse(
                {"error": {"code": str(exc.code), "message": exc.message}}, status=exc.status
            )
        if exc.status == 403:
            return forbidden(request, exc.message)
        return HttpResponse(
            exc.message, status=exc.status, content_type="text/plain; charset=utf-8"
        )
    if wants_json:
        return JsonResponse(
            {
                "number": number,
                "acknowledged": True,
                "acknowledged_at": timezone.localtime(ack.acknowledged_at).strftime("%H:%M"),
            }
        )
    return redirect("cockpit:home")


@require_GET
@roles_required(COCKPIT_ROLES | RANKING_ROLES)
def theme_list(request: HttpRequest) -> HttpResponse:
    return render(request, "cockpit/theme_list.html", {"themes": THEMES})


@require_GET
@roles_required(COCKPIT_ROLES | RANKING_ROLES)
def theme_detail(request: HttpRequest, slug: str) -> HttpResponse:
    theme = THEME_BY_SLUG.get(slug)
    if theme is None:
        raise Http404("no such theme")
    counties = visible_counties(request.user)
    form = ThemeFilterForm(request.GET, counties=counties)
    figures: dict[str, Any] | None = None
    if form.is_valid() and theme.has_orders:
        figures = theme_figures(
            request.user,
            theme,
            days=form.cleaned_data["days"],
            county=form.cleaned_data["county"],
        )
    context = {
        "theme": theme,
        "form": form,
        "figures": figures,
        "county_boundaries_url": f"{BOUNDARIES_URL}?level=county",
        "map_values": [
            {"name": row["code"], "value": row["count"]}
            for row in (figures or {}).get("by_county", [])
        ],
    }
    return render(request, "cockpit/theme_detail.html", context)


@require_GET
@roles_required(RANKING_ROLES)
def rankings(request: HttpRequest) -> HttpResponse:
    """Monthly rankings with a 12-month trend; ``?format=xlsx`` downloads the same tables."""
    form = RankingForm(request.GET)
    if not form.is_valid():
        return render(request, "cockpit/rankings.html", {"form": form}, status=400)
    dimension = form.cleaned_data["dimension"]
    metric = METRIC_BY_KEY[form.cleaned_data["metric"]]
    month = parse_month(form.cleaned_data["month"])
    ranking = build_ranking(request.user, dimension=dimension, month=month, metric=metric)
    dimension_label = str(dict(DIMENSIONS)[dimension])
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            ranking_workbook(ranking, dimension_label=dimension_label), content_type=XLSX_TYPE
        )
        filename = f"kpi-{dimension}-{month_label(month)}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    cells = ranking_cells(ranking)
    query = request.GET.copy()
    query["format"] = "xlsx"
    context = {
        "form": form,
        "ranking": ranking,
        "dimension_label": dimension_label,
        "headers": ranking_headers(ranking),
        "body_cells": cells[:-1],
        "total_cells": cells[-1],
        "trend_headers": trend_headers(),
        "trend_cells": trend_cells(ranking),
        "chart": {
            "months": [month_label(m) for m in ranking.trend_months],
            "series": ranking.trend_series,
            "unit": "%",
            "title": str(metric.label),
        },
        "xlsx_url": f"{request.path}?{query.urlencode()}",
    }
    return render(request, "cockpit/rankings.html", context)
