"""Duplicate requests (重复件): open orders of the same category, near in place and time, whose
text reads alike. Shown to the person taking the request; merging stays their decision
(the ``merge`` action), so nothing here writes.

The database narrows the search with indexed columns only — category, a ``received_at`` window
and a lon/lat box around the point (index ``wo_category_received_box``) — and Python then
measures the exact great-circle distance and the text similarity of the few rows in the box.

Score (0–1, documented in docs/workorders.md "Duplicates")::

    text      = (cos(unigrams) + cos(bigrams)) / 2     of the normalised texts
    proximity = 1 − 0.3 · distance / radius − 0.2 · |Δt| / window
    score     = text · proximity

Text similarity gates the score: an unrelated text next door stays low however close it is,
while the same text at the edge of the radius and the window still scores half of its text
similarity.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from yiwang.workorders.choices import State
from yiwang.workorders.models import Category, WorkOrder

# Orders in these states take no more duplicates: they are finished or belong to someone else.
CLOSED_STATES = frozenset({State.CLOSED, State.INVALID, State.MERGED, State.TRANSFERRED})
DISTANCE_WEIGHT = 0.3
TIME_WEIGHT = 0.2
EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180


@dataclass(frozen=True)
class DuplicateCandidate:
    """An open order that may be the same request, with the parts of its score."""

    number: str
    score: float
    distance_m: float
    days_apart: float
    text_similarity: float
    state: str


def find_duplicates(
    *,
    category: Category | int | None,
    lon: float | None,
    lat: float | None,
    text: str,
    received_at: datetime | None = None,
    exclude: Collection[str] | None = None,
    limit: int = 5,
    orders: QuerySet[WorkOrder] | None = None,
) -> list[DuplicateCandidate]:
    """Open orders that may repeat a request, best first, at most ``limit``.

    Candidates share ``category``, lie within ``DUPLICATE_RADIUS_M`` of (lon, lat), were received
    within ``DUPLICATE_WINDOW_DAYS`` before or after ``received_at`` (default: now) and score at
    least ``DUPLICATE_MIN_SCORE``. ``exclude`` holds order numbers to leave out (the order
    itself); ``orders`` is the queryset to search, e.g. ``WorkOrder.objects.visible_to(user)``.
    Without a category or a point there is nothing to compare and the answer is empty.
    """
    if category is None or lon is None or lat is None:
        return []
    radius = float(getattr(settings, "DUPLICATE_RADIUS_M", 300))
    window = timedelta(days=float(getattr(settings, "DUPLICATE_WINDOW_DAYS", 7)))
    min_score = float(getattr(settings, "DUPLICATE_MIN_SCORE", 0.35))
    moment = received_at or timezone.now()
    dlat, dlon = _box(lat, radius)
    qs = (orders if orders is not None else WorkOrder.objects.all()).filter(
        category_id=category.pk if isinstance(category, Category) else category,
        received_at__gte=moment - window,
        received_at__lte=moment + window,
        lat__gte=lat - dlat,
        lat__lte=lat + dlat,
        lon__gte=lon - dlon,
        lon__lte=lon + dlon,
    )
    qs = qs.exclude(state__in=CLOSED_STATES)
    if exclude:
        qs = qs.exclude(number__in=list(exclude))
    rows = qs.order_by().values_list("number", "lon", "lat", "received_at", "state", "description")
    grams = text_grams(text)
    found = []
    for number, o_lon, o_lat, o_received, state, description in rows:
        candidate = _candidate(
            (lon, lat, moment, grams),
            (number, o_lon, o_lat, o_received, state, text_grams(description)),
            radius,
            window,
            min_score,
        )
        if candidate is not None:
            found.append(candidate)
    found.sort(key=lambda c: (-c.score, c.distance_m, c.number))
    return found[:limit]


def _candidate(
    probe: tuple[float, float, datetime, Grams],
    row: tuple[str, float | None, float | None, datetime, str, Grams],
    radius: float,
    window: timedelta,
    min_score: float,
) -> DuplicateCandidate | None:
    """The stored order ``row`` scored against the request ``probe``; None below the bar."""
    lon, lat, moment, grams = probe
    number, o_lon, o_lat, o_received, state, o_grams = row
    if o_lon is None or o_lat is None:
        return None  # the box filter already left these out; this tells the type checker
    distance = haversine_m(lon, lat, o_lon, o_lat)
    apart = abs(moment - o_received)
    if distance > radius or apart > window:
        return None  # in the box's corner, outside the circle (or the window)
    similarity = _similarity(grams, o_grams)
    proximity = 1 - DISTANCE_WEIGHT * distance / radius - TIME_WEIGHT * (apart / window)
    score = similarity * proximity
    if score < min_score:
        return None
    return DuplicateCandidate(
        number=number,
        score=round(score, 4),
        distance_m=round(distance, 1),
        days_apart=round(apart / timedelta(days=1), 2),
        text_similarity=round(similarity, 4),
        state=state,
    )


def duplicates_of(
    order: WorkOrder, *, orders: QuerySet[WorkOrder] | None = None, limit: int = 5
) -> list[DuplicateCandidate]:
    """Candidates for a stored order (itself left out), searched around its own time."""
    return find_duplicates(
        category=order.category_id,
        lon=order.lon,
        lat=order.lat,
        text=order.description,
        received_at=order.received_at,
        exclude=[order.number],
        limit=limit,
        orders=orders,
    )


def duplicates_of_many(
    orders: list[WorkOrder], *, among: QuerySet[WorkOrder] | None = None, limit: int = 5
) -> dict[str, list[DuplicateCandidate]]:
    """``duplicates_of`` for a batch, by order number, in two queries: the open orders of the
    batch's categories in its window and bounding box (positions only), measured in Python,
    then the texts of those within the radius of some order of the batch."""
    radius = float(getattr(settings, "DUPLICATE_RADIUS_M", 300))
    window = timedelta(days=float(getattr(settings, "DUPLICATE_WINDOW_DAYS", 7)))
    min_score = float(getattr(settings, "DUPLICATE_MIN_SCORE", 0.35))
    found: dict[str, list[DuplicateCandidate]] = {order.number: [] for order in orders}
    probes = [
        o for o in orders if o.category_id is not None and o.lon is not None and o.lat is not None
    ]
    if not probes:
        return found
    lats = [o.lat for o in probes if o.lat is not None]
    lons = [o.lon for o in probes if o.lon is not None]
    dlat, dlon = _box(max(abs(v) for v in lats), radius)
    rows = (
        (among if among is not None else WorkOrder.objects.all())
        .filter(
            category_id__in={o.category_id for o in probes},
            received_at__gte=min(o.received_at for o in probes) - window,
            received_at__lte=max(o.received_at for o in probes) + window,
            lat__gte=min(lats) - dlat,
            lat__lte=max(lats) + dlat,
            lon__gte=min(lons) - dlon,
            lon__lte=max(lons) + dlon,
        )
        .exclude(state__in=CLOSED_STATES)
        .order_by()
        .values_list("pk", "number", "category_id", "lon", "lat", "received_at", "state")
    )
    by_category: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        by_category.setdefault(row[2], []).append(row)
    near: dict[str, list[tuple[Any, ...]]] = {}
    for o in probes:
        assert o.lon is not None and o.lat is not None and o.category_id is not None
        near[o.number] = [
            row
            for row in by_category.get(o.category_id, [])
            if row[1] != o.number
            and row[3] is not None
            and row[4] is not None
            and abs(o.received_at - row[5]) <= window
            and haversine_m(o.lon, o.lat, row[3], row[4]) <= radius
        ]
    wanted = {row[0] for rows_near in near.values() for row in rows_near}
    texts = dict(WorkOrder.objects.filter(pk__in=wanted).values_list("pk", "description"))
    grams = {pk: text_grams(text) for pk, text in texts.items()}
    for o in probes:
        assert o.lon is not None and o.lat is not None
        probe = (o.lon, o.lat, o.received_at, text_grams(o.description))
        candidates = []
        for pk, number, _category, o_lon, o_lat, o_received, state in near[o.number]:
            stored = (number, o_lon, o_lat, o_received, state, grams[pk])
            candidate = _candidate(probe, stored, radius, window, min_score)
            if candidate is not None:
                candidates.append(candidate)
        candidates.sort(key=lambda c: (-c.score, c.distance_m, c.number))
        found[o.number] = candidates[:limit]
    return found


def _box(lat: float, radius_m: float) -> tuple[float, float]:
    """Half the height and width, in degrees, of a box holding the circle (with a 1% margin)."""
    dlat = radius_m * 1.01 / METRES_PER_DEGREE
    # Near the poles the box would span every longitude; Chinese cities are far from them.
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    return dlat, dlon


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres between two WGS 84 points."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, letters and digits only (CJK characters count as
    letters): punctuation and whitespace say nothing about which problem is meant."""
    folded = unicodedata.normalize("NFKC", text).lower()
    return "".join(ch for ch in folded if ch.isalnum())


Grams = tuple[Counter[str], Counter[str]]


def text_grams(text: str) -> Grams:
    """Character unigram and bigram counts: Chinese has no spaces to split words on, and
    bigrams catch most two-character words (路灯, 噪音, 占道) without a dictionary."""
    chars = normalise(text)
    return Counter(chars), Counter(chars[i : i + 2] for i in range(len(chars) - 1))


def text_similarity(a: str, b: str) -> float:
    """Similarity of two texts in [0, 1]: ``(cos(unigrams) + cos(bigrams)) / 2``."""
    return _similarity(text_grams(a), text_grams(b))


def _similarity(a: Grams, b: Grams) -> float:
    unigrams, bigrams = _cosine(a[0], b[0]), _cosine(a[1], b[1])
    if not a[1] or not b[1]:
        return unigrams  # a one-character text has no bigrams to compare
    return (unigrams + bigrams) / 2


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(n * b[gram] for gram, n in a.items() if gram in b)
    norm = math.sqrt(sum(n * n for n in a.values())) * math.sqrt(sum(n * n for n in b.values()))
    return min(1.0, dot / norm)
