"""The AI routing API under /api/v1/routing/: suggestions for a request's text and the model
versions (list, detail with metrics, publish)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from yiwang.core.api_auth import request_user
from yiwang.nlp import access
from yiwang.nlp.models import TEXT_MAX_LENGTH, RoutingModel
from yiwang.nlp.routing import suggest_routing
from yiwang.nlp.services import get_model, publish_model

router = Router(tags=["nlp"])


class SuggestIn(Schema):
    text: str = Field(..., description=f"the request's text (1–{TEXT_MAX_LENGTH} characters)")
    k: int = Field(3, description="how many suggestions (1–20)")
    lon: float | None = Field(None, description="where (for the catalogue's unit)")
    lat: float | None = None


class CodeName(Schema):
    code: str | None
    name: str | None


class UnitOut(Schema):
    id: int | None
    code: str | None
    name: str | None


class SuggestionOut(Schema):
    category: CodeName
    unit: UnitOut
    confidence: float = Field(..., description="0–1; a calibrated probability from the model")


class SuggestOut(Schema):
    suggestions: list[SuggestionOut]
    model_version: str | None = Field(
        None, description="record it on the order filed with a suggestion (routing_model_version)"
    )
    source: Literal["model", "catalogue"]


class ModelSummary(Schema):
    version: str
    status: str
    algorithm: str
    sources: list[str]
    labels: list[str]
    examples: int
    trained_by: str | None
    created_at: datetime
    published_at: datetime | None
    cv_accuracy: float | None
    cv_macro_f1: float | None
    test_accuracy: float | None = Field(None, description="of the latest evaluation on a test file")
    test_macro_f1: float | None


class ModelDetail(ModelSummary):
    metrics: dict[str, Any]


def _summary(model: RoutingModel) -> dict[str, Any]:
    cv = model.metrics.get("cv") or {}
    evaluations = model.metrics.get("evaluations") or []
    last = evaluations[-1] if evaluations else {}
    return {
        "version": model.version,
        "status": model.status,
        "algorithm": model.algorithm,
        "sources": model.sources,
        "labels": model.labels,
        "examples": model.examples,
        "trained_by": model.trained_by.username if model.trained_by else None,
        "created_at": model.created_at,
        "published_at": model.published_at,
        "cv_accuracy": cv.get("accuracy"),
        "cv_macro_f1": cv.get("macro_f1"),
        "test_accuracy": last.get("accuracy"),
        "test_macro_f1": last.get("macro_f1"),
    }


@router.post("/routing/suggest", response=SuggestOut)
def suggest(request: HttpRequest, payload: SuggestIn) -> dict[str, Any]:
    """Ranked (category, owning unit, confidence) suggestions for a request's text: from the
    published model, or from the dispatch catalogue's keywords when the model is not sure
    enough (``source``)."""
    access.require(request_user(request), access.SUGGEST_ROLES, _("ask for routing suggestions"))
    advice = suggest_routing(payload.text, k=payload.k, lon=payload.lon, lat=payload.lat)
    return {
        "suggestions": [
            {
                "category": {"code": s.category_code, "name": s.category_name},
                "unit": {"id": s.unit_id, "code": s.unit_code, "name": s.unit_name},
                "confidence": s.confidence,
            }
            for s in advice.suggestions
        ],
        "model_version": advice.model_version,
        "source": advice.source,
    }


@router.get("/routing/models", response=list[ModelSummary])
def models(request: HttpRequest) -> list[dict[str, Any]]:
    """Every model version, newest first, with its headline figures."""
    access.require(request_user(request), access.VIEW_ROLES, _("read the routing models"))
    queryset = RoutingModel.objects.select_related("trained_by").defer("blob")
    return [_summary(m) for m in queryset]


@router.get("/routing/models/{version}", response=ModelDetail)
def model_detail(request: HttpRequest, version: str) -> dict[str, Any]:
    """One version with all its metrics: cross-validation on the training rows and every
    evaluation (accuracy, macro-F1, confusion matrix, per class)."""
    access.require(request_user(request), access.VIEW_ROLES, _("read the routing models"))
    model = get_model(version)
    return {**_summary(model), "metrics": model.metrics}


@router.post("/routing/models/{version}/publish", response=ModelSummary)
def publish(request: HttpRequest, version: str) -> dict[str, Any]:
    """Make this version the one that answers suggestions (the published one is retired)."""
    user = request_user(request)
    access.require(user, access.PUBLISH_ROLES, _("publish a routing model"))
    return _summary(publish_model(actor=user, version=version))
