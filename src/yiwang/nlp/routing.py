"""Routing suggestions for a request's text: ranked categories with their owning unit.

``suggest_routing`` answers from the published model when its top confidence reaches
``NLP_ROUTING_THRESHOLD``; otherwise (or with no published model) from the dispatch catalogue:
categories whose name or keywords occur in the text.

A model label becomes a category by, in order: the label mapping table (``LabelMapping``), an
active category with that code, an active category with that name (a class before a
subclass). The unit is the mapping's unit if it names one; else the dispatch catalogue's for
the category at the place (``lon``/``lat`` → town and county); else the unit the label's
training rows went to most often. A label that maps to no category is still suggested, with
``category_code`` None and its label as the name.

The published model is loaded once per process and kept until a new version is published:
``publish_model`` bumps a version number in this process and a shared cache key the others
check every ``CHECK_SECONDS`` (as ``workorders.routing`` does for the catalogue).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _

from yiwang.core.errors import DomainError, ValidationFailed
from yiwang.nlp import classifier
from yiwang.nlp.models import TEXT_MAX_LENGTH, LabelMapping, ModelStatus, RoutingModel

logger = logging.getLogger(__name__)

CHECK_SECONDS = 5.0
VERSION_KEY = "nlp:routing-model-version"


@dataclass(frozen=True)
class Suggestion:
    category_code: str | None
    category_name: str
    unit_id: int | None
    unit_code: str | None
    unit_name: str | None
    confidence: float


@dataclass(frozen=True)
class RoutingAdvice:
    suggestions: list[Suggestion]
    model_version: str | None
    source: Literal["model", "catalogue"]


@dataclass(frozen=True)
class _Target:
    category_id: int | None
    category_code: str | None
    category_name: str
    department_id: int | None  # the mapping's unit, overriding the catalogue


class _State:
    """The published model and the lookups suggestions need, shared read-only by threads."""

    def __init__(self, local_version: int, shared_version: Any) -> None:
        from yiwang.workorders.models import Category

        self.local_version = local_version
        self.shared_version = shared_version
        self.fresh_until = 0.0
        categories = list(Category.objects.filter(is_active=True).order_by("parent_id", "code"))
        self.by_pk = {c.pk: c for c in categories}
        by_code = {c.code: c for c in categories}
        by_name: dict[str, Any] = {}
        for c in sorted(categories, key=lambda c: (c.parent_id is not None, c.code)):
            by_name.setdefault(c.name, c)
        # Catalogue fallback: (category, words) for every active subclass (and class).
        self.keywords: list[tuple[Any, list[str]]] = []
        for c in categories:
            words = [w.strip() for w in (c.keywords or "").split(",") if w.strip()]
            words.append(c.name)
            self.keywords.append((c, sorted(set(words), key=len, reverse=True)))
        self.model: RoutingModel | None = RoutingModel.objects.filter(
            status=ModelStatus.PUBLISHED
        ).first()
        self.pipeline: Any = None
        self.targets: dict[str, _Target] = {}
        if self.model is None:
            return
        try:
            self.pipeline = classifier.loads(self.model.blob)
        except Exception:  # e.g. stored by another scikit-learn version: the catalogue answers
            logger.exception("Routing model %s cannot be loaded", self.model.version)
            self.model = None
            return
        mappings = {m.label: m for m in LabelMapping.objects.filter(label__in=self.model.labels)}
        for label in self.model.labels:
            mapping = mappings.get(label)
            category = (
                (self.by_pk.get(mapping.category_id or 0) if mapping is not None else None)
                or by_code.get(label)
                or by_name.get(label)
            )
            department_id = mapping.department_id if mapping is not None else None
            if category is None:
                self.targets[label] = _Target(None, None, label, department_id)
            else:
                self.targets[label] = _Target(
                    category.pk, category.code, category.name, department_id
                )


_lock = threading.Lock()
_state: _State | None = None
_local_version = 0


def _bump() -> None:
    global _local_version
    _local_version += 1
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def invalidate_model() -> None:
    """Reload the published model and mappings now and again when the transaction commits."""
    _bump()
    transaction.on_commit(_bump)


def forget_model() -> None:
    """Drop this process's copy without telling the others (tests)."""
    global _state
    with _lock:
        _state = None


def _current() -> _State:
    global _state
    state = _state
    if (
        state is not None
        and state.local_version == _local_version
        and time.monotonic() < state.fresh_until
    ):
        return state
    with _lock:
        state = _state
        local = _local_version
        shared = cache.get(VERSION_KEY)
        if state is None or state.local_version != local or state.shared_version != shared:
            state = _State(local, shared)
        state.fresh_until = time.monotonic() + CHECK_SECONDS
        _state = state
        return state


def published_version() -> str | None:
    model = _current().model
    return model.version if model is not None else None


def check_text(text: Any) -> str:
    """The text stripped, or ValidationFailed naming ``text``."""
    text = text.strip() if isinstance(text, str) else ""
    if not text:
        raise ValidationFailed(_("Give the request's text."), field="text")
    if len(text) > TEXT_MAX_LENGTH:
        raise ValidationFailed(
            _("The text is longer than %(n)d characters.") % {"n": TEXT_MAX_LENGTH},
            field="text",
        )
    return text


def suggest_routing(
    text: str, *, k: int = 3, lon: float | None = None, lat: float | None = None
) -> RoutingAdvice:
    """Up to ``k`` ranked (category, unit, confidence) suggestions for a request's text."""
    text = check_text(text)
    if not 1 <= k <= 20:
        raise ValidationFailed(_("k must be between 1 and 20."), field="k")
    state = _current()
    county, town = _place(lon, lat)
    if state.model is not None:
        probabilities = state.pipeline.predict_proba([text])[0]
        order = probabilities.argsort()[::-1][:k]
        classes = state.pipeline.classes_
        if probabilities[order[0]] >= settings.NLP_ROUTING_THRESHOLD:
            suggestions = [
                _from_label(state, str(classes[i]), float(probabilities[i]), county, town)
                for i in order
            ]
            return RoutingAdvice(suggestions, state.model.version, "model")
    version = state.model.version if state.model is not None else None
    return RoutingAdvice(_from_catalogue(state, text, k, county, town), version, "catalogue")


def _place(lon: float | None, lat: float | None) -> tuple[Any, Any]:
    if lon is None and lat is None:
        return None, None
    if lon is None or lat is None:
        raise ValidationFailed(_("Give both lon and lat."), field="lon" if lon is None else "lat")
    from yiwang.geo.locator import locate
    from yiwang.workorders import routing

    location = locate(lon, lat)
    town = routing.area(location.town.id) if location.town is not None else None
    county = routing.area(location.county.id) if location.county is not None else None
    return county, town


def _unit(category: Any, county: Any, town: Any) -> Any:
    from yiwang.workorders import routing

    try:
        return routing.route(category, county=county, town=town).department
    except DomainError:
        return None


def _department(pk: int | None = None, label: str = "") -> Any:
    from yiwang.workorders import routing

    if pk is not None:
        from yiwang.org.models import Department

        return Department.objects.filter(pk=pk, is_active=True).first()
    return routing.department_by_code(label) if label else None


def _suggestion(
    category: Any, code: str | None, name: str, department: Any, confidence: float
) -> Suggestion:
    return Suggestion(
        category_code=code,
        category_name=name,
        unit_id=department.pk if department is not None else None,
        unit_code=department.code if department is not None else None,
        unit_name=department.name if department is not None else None,
        confidence=round(confidence, 4),
    )


def _from_label(state: _State, label: str, confidence: float, county: Any, town: Any) -> Suggestion:
    target = state.targets.get(label) or _Target(None, None, label, None)
    category = state.by_pk.get(target.category_id or 0)
    department = None
    if target.department_id is not None:
        department = _department(target.department_id)
    if department is None and category is not None:
        department = _unit(category, county, town)
    if department is None and state.model is not None:
        department = _department(label=state.model.label_units.get(label, ""))
    return _suggestion(category, target.category_code, target.category_name, department, confidence)


def _from_catalogue(state: _State, text: str, k: int, county: Any, town: Any) -> list[Suggestion]:
    """Categories whose name or keywords occur in the text, by the characters matched; the
    confidence is each one's share of all matched characters (not a probability)."""
    scores = []
    for category, words in state.keywords:
        score = sum(len(w) for w in words if w in text)
        if score:
            # A subclass before its class on a tie: it carries the time limit.
            scores.append((score, category.parent_id is not None, category))
    if not scores:
        return []
    scores.sort(key=lambda s: (s[0], s[1]), reverse=True)
    total = sum(s[0] for s in scores)
    return [
        _suggestion(
            category, category.code, category.name, _unit(category, county, town), score / total
        )
        for score, _sub, category in scores[:k]
    ]


def _on_change(sender: Any, **kwargs: Any) -> None:
    invalidate_model()


def _connect() -> None:
    from yiwang.workorders.models import Category

    for model in (Category, LabelMapping):
        post_save.connect(_on_change, sender=model, dispatch_uid=f"nlp-save-{model.__name__}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"nlp-delete-{model.__name__}")


_connect()
