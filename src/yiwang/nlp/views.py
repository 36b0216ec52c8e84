"""The routing models page (/nlp/models/): versions with their figures, one version's
confusion matrix and per-class table, the publish button, and a box to try suggestions."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from yiwang.core.errors import DomainError
from yiwang.nlp import access
from yiwang.nlp.models import RoutingModel
from yiwang.nlp.routing import suggest_routing
from yiwang.nlp.services import get_model, publish_model


def _roles(roles: frozenset[str]) -> Any:
    def decorate(view: Any) -> Any:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not access.may(request.user, roles):
                return render(request, "cockpit/forbidden.html", status=403)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def _figures(model: RoutingModel) -> dict[str, Any]:
    cv = model.metrics.get("cv") or {}
    evaluations = model.metrics.get("evaluations") or []
    return {"model": model, "cv": cv, "test": evaluations[-1] if evaluations else {}}


@require_GET
@_roles(access.VIEW_ROLES)
def model_list(request: HttpRequest) -> HttpResponse:
    models = [_figures(m) for m in RoutingModel.objects.select_related("trained_by").defer("blob")]
    context: dict[str, Any] = {
        "models": models,
        "may_publish": access.may(request.user, access.PUBLISH_ROLES),
        "text": "",
    }
    text = request.GET.get("text", "")
    if "text" in request.GET:
        context["text"] = text
        try:
            context["advice"] = suggest_routing(text)
        except DomainError as exc:
            context["text_error"] = exc.message
    return render(request, "nlp/model_list.html", context)


HEATMAP_MAX_LABELS = 30  # beyond, the page lists the most frequent confusions instead
WEAKEST = 20  # … and the classes with the lowest F1


def _display(labels: list[str]) -> dict[str, str]:
    """A label that is a category code, shown with the category's name."""
    from yiwang.workorders.models import Category

    names = dict(Category.objects.filter(code__in=labels).values_list("code", "name"))
    return {label: f"{label} {names[label]}" if label in names else label for label in labels}


def _section(title: str, metrics: dict[str, Any]) -> dict[str, Any]:
    labels = metrics["labels"]
    shown = _display(labels)
    per_class = [{**row, "display": shown[row["label"]]} for row in metrics["per_class"]]
    section: dict[str, Any] = {"title": title, "metrics": metrics, "per_class": per_class}
    if len(labels) <= HEATMAP_MAX_LABELS:
        section["heatmap"] = _heatmap(metrics, shown)
        return section
    pairs = [
        {
            "given_display": shown[labels[i]],
            "predicted_display": shown[labels[j]],
            "given": labels[i],
            "n": n,
        }
        for i, row in enumerate(metrics["confusion"])
        for j, n in enumerate(row)
        if n and i != j
    ]
    section["pairs"] = sorted(pairs, key=lambda p: (-p["n"], p["given"]))[:20]
    section["per_class"] = sorted(per_class, key=lambda r: (r["f1"], r["label"]))[:WEAKEST]
    section["weakest_only"] = True
    return section


def _heatmap(metrics: dict[str, Any], shown: dict[str, str]) -> list[dict[str, Any]]:
    """Rows of the confusion matrix with each cell's share of its row (for the shading)."""
    rows: list[dict[str, Any]] = []
    for label, counts in zip(metrics["labels"], metrics["confusion"], strict=True):
        total = sum(counts) or 1
        cells = [
            {
                "n": n,
                "share": round(n / total, 3),
                "alpha": f"{0.08 + 0.82 * n / total:.2f}" if n else "0",
                "diagonal": i == len(rows),
                "dark": n / total > 0.5,
            }
            for i, n in enumerate(counts)
        ]
        rows.append({"display": shown[label], "cells": cells, "total": sum(counts)})
    return rows


@require_GET
@_roles(access.VIEW_ROLES)
def model_detail(request: HttpRequest, version: str) -> HttpResponse:
    try:
        model = get_model(version)
    except DomainError:
        return render(request, "nlp/not_found.html", {"version": version}, status=404)
    sections = []
    if model.metrics.get("cv"):
        cv = model.metrics["cv"]
        title = _("Cross-validation on the training rows (%(folds)d folds)") % {
            "folds": cv.get("folds", 0)
        }
        sections.append(_section(title, cv))
    for evaluation in reversed(model.metrics.get("evaluations") or []):
        sections.append(
            _section(_("Test file %(file)s") % {"file": evaluation["file"]}, evaluation)
        )
    context = {
        **_figures(model),
        "sections": sections,
        "counts": sorted((model.metrics.get("counts") or {}).items()),
        "dropped": sorted((model.metrics.get("dropped") or {}).items()),
        "may_publish": access.may(request.user, access.PUBLISH_ROLES),
    }
    return render(request, "nlp/model_detail.html", context)


@require_POST
@_roles(access.PUBLISH_ROLES)
def publish(request: HttpRequest, version: str) -> HttpResponse:
    try:
        model = publish_model(actor=request.user, version=version)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Version %(v)s is published: suggestions now come from it.") % {"v": model.version},
        )
    return redirect("nlp:models")
