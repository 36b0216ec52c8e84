"""What the agent's screen shows while the caller talks: who is calling (their earlier orders),
what the dialled legacy line implies, and — as the request is typed — the routing suggestion,
the best knowledge-base answers and similar open orders. Reads only.

Each part is measured separately (``timings_ms``) so the screen can say which one is slow;
the three together aim at p95 < 150 ms (``bench/hotline_advice.py``).
"""

from __future__ import annotations

import time
from dataclasses import asdict, is_dataclass
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.utils import timezone

from yiwang.core.errors import DomainError, ValidationFailed
from yiwang.core.masking import reveal
from yiwang.intake.models import Call, LegacyHotline
from yiwang.intake.services import line_for
from yiwang.workorders import routing
from yiwang.workorders.duplicates import CLOSED_STATES, text_grams
from yiwang.workorders.duplicates import _similarity as similarity
from yiwang.workorders.models import WorkOrder

HISTORY_LIMIT = 10
SIMILAR_LIMIT = 5
# Open orders compared per request: the newest of the category (and town) in the window.
SIMILAR_SCAN = 300
SIMILAR_MIN_SCORE = 0.3
# The search and the model read the opening of a long request: where callers say what they want.
ADVICE_TEXT = 500


def caller_history(user: Any, caller: str) -> list[dict[str, Any]]:
    """The caller's earlier orders the agent may see, newest first, contacts masked by role."""
    if not caller:
        return []
    orders = (
        WorkOrder.objects.visible_to(user)
        .filter(contact_phone=caller)
        .order_by("-received_at")
        .only(
            "number",
            "title",
            "state",
            "received_at",
            "category_id",
            "contact_name",
            "contact_phone",
            "contact_user_id",
            "request_type",
        )[:HISTORY_LIMIT]
    )
    rows = []
    for order in orders:
        category = routing.category_by_id(order.category_id) if order.category_id else None
        rows.append(
            {
                "number": order.number,
                "title": order.title,
                "state": order.state,
                "state_label": order.get_state_display(),
                "request_type": order.get_request_type_display(),
                "received_at": timezone.localtime(order.received_at).strftime("%Y-%m-%d %H:%M"),
                "category": category.name if category else "",
                "contact_name": reveal(
                    user, "name", order.contact_name, owner_id=order.contact_user_id
                ),
                "contact_phone": reveal(
                    user, "phone", order.contact_phone, owner_id=order.contact_user_id
                ),
            }
        )
    return rows


def prefill(line: LegacyHotline | None) -> dict[str, Any]:
    """Department and category a dialled legacy line implies."""
    if line is None:
        return {}
    category = line.default_category
    return {
        "line": line.number,
        "line_name": line.name,
        "rule": line.rule,
        "rule_label": line.get_rule_display(),
        "department": line.department.name,
        "department_code": line.department.code,
        "category": category.code if category else "",
        "category_name": category.name if category else "",
    }


def place_point(
    town_code: str | None, lon: float | None, lat: float | None
) -> tuple[float | None, float | None]:
    """The point of a phone request: the one given, or else the central point of the town the
    caller names (the order is then located in that town; docs/hotline.md)."""
    if lon is not None or lat is not None or not town_code:
        return lon, lat
    town = routing.area_by_code(town_code)
    if town is None:
        raise ValidationFailed(f"Unknown town {town_code}.", field="town")
    return town.centroid_lon, town.centroid_lat


def screen_pop(user: Any, call: Call) -> dict[str, Any]:
    """What the telephony side's screen pop shows: the call, the line's pre-fill, the history."""
    return {
        "call": call.pk,
        "caller": reveal(user, "phone", call.caller),
        "dialled": call.dialled,
        "source": call.source,
        "prefill": prefill(call.legacy_line),
        "history": caller_history(user, call.caller),
    }


def _as_dict(value: Any) -> Any:
    return asdict(value) if is_dataclass(value) and not isinstance(value, type) else value


def routing_advice(text: str, *, lon: float | None, lat: float | None) -> dict[str, Any] | None:
    """The routing suggestion; None while the text says nothing to route on (only stop words)."""
    from yiwang.nlp.routing import suggest_routing

    try:
        return _as_dict(suggest_routing(text[:ADVICE_TEXT], k=3, lon=lon, lat=lat))
    except DomainError:
        return None


def knowledge_advice(text: str, *, category: str | None, limit: int = 5) -> list[dict[str, Any]]:
    """The best published answers; none while the text has no searchable word."""
    from yiwang.hotline.knowledge import search_knowledge

    try:
        return [_as_dict(hit) for hit in search_knowledge(text[:ADVICE_TEXT], limit=limit)]
    except DomainError:
        return []


def similar_open_orders(
    user: Any,
    text: str,
    *,
    category: str | None,
    town_code: str | None = None,
    limit: int = SIMILAR_LIMIT,
) -> list[dict[str, Any]]:
    """Open orders of the category (in the town, if named) received in the duplicate window
    whose text reads like ``text``: candidates for the agent to merge into."""
    found = routing.active_category(category) if category else None
    if found is None:
        return []
    window = timedelta(days=float(getattr(settings, "DUPLICATE_WINDOW_DAYS", 7)))
    qs = (
        WorkOrder.objects.visible_to(user)
        .filter(category_id=found.pk, received_at__gte=timezone.now() - window)
        .exclude(state__in=list(CLOSED_STATES))
    )
    if town_code:
        town = routing.area_by_code(town_code)
        if town is not None:
            qs = qs.filter(region_path__startswith=town.path)
    rows = qs.order_by("-received_at").values_list(
        "number", "title", "description", "state", "address", "received_at"
    )[:SIMILAR_SCAN]
    grams = text_grams(text)
    scored: list[dict[str, Any]] = []
    for number, title, description, state, address, received in rows:
        score = similarity(grams, text_grams(description))
        if score >= SIMILAR_MIN_SCORE:
            scored.append(
                {
                    "number": number,
                    "title": title,
                    "state": state,
                    "address": address,
                    "received_at": timezone.localtime(received).strftime("%m-%d %H:%M"),
                    "score": round(score, 3),
                }
            )
    scored.sort(key=lambda r: -r["score"])
    return scored[:limit]


def advise(
    user: Any,
    text: str,
    *,
    dialled: str = "",
    category: str | None = None,
    town_code: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
) -> dict[str, Any]:
    """Routing suggestion, knowledge-base answers and similar open orders for ``text``."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    advice = routing_advice(text, lon=lon, lat=lat)
    timings["routing"] = (time.perf_counter() - started) * 1000
    line = line_for(dialled)
    suggested = None
    if advice and advice.get("suggestions"):
        suggested = advice["suggestions"][0].get("category_code")
    wanted = category or (line.default_category.code if line and line.default_category else None)
    started = time.perf_counter()
    knowledge = knowledge_advice(text, category=wanted)
    timings["knowledge"] = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    similar = similar_open_orders(user, text, category=wanted or suggested, town_code=town_code)
    timings["similar"] = (time.perf_counter() - started) * 1000
    return {
        "routing": advice,
        "knowledge": knowledge,
        "similar": similar,
        "prefill": prefill(line),
        "timings_ms": {k: round(v, 1) for k, v in timings.items()},
    }


def warm() -> None:
    """Build the knowledge-base index and load the routing model (``core.warmup``)."""
    knowledge_advice("公积金", category=None)
    routing_advice("路灯不亮", lon=None, lat=None)


def citable_entries(ids: list[int]) -> dict[int, str]:
    """``{id: question}`` of the entries among ``ids`` an answer may cite: published, in force."""
    model = apps.get_model("hotline", "KnowledgeEntry")
    return dict(model.objects.suggestible().filter(pk__in=ids).values_list("pk", "question"))
