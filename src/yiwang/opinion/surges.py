"""Surge detection (激增): today's or this week's requests of a category, a place, or a
category in a county, against the same subject's trailing baseline.

A count is a surge when it reaches ``OPINION_SURGE_MIN_COUNT``, exceeds ``mean + z × spread``
of the baseline (the spread being the larger of the baseline's standard deviation and the
Poisson deviation √mean: a noisy subject needs more than its usual swings), and is that
unlikely under a Poisson law of the baseline's mean: below ``POISSON_ALPHA``. The last rule
matters because thousands of subjects (each class in each town) are tested every run: with the
normal rule alone, chance alone raised some twenty alerts a day in the 40,000-order benchmark.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count
from django.db.models.functions import Coalesce, TruncDate
from scipy.stats import poisson

from yiwang.geo.models import Region
from yiwang.opinion.choices import SurgeWindow
from yiwang.opinion.corpus import EXCLUDED_STATES, Period
from yiwang.workorders.models import Category, WorkOrder

BASELINE_DAYS = 28  # day window: the 28 days before today
BASELINE_WEEKS = 8  # week window: the 8 weeks before this one
# ~3,000 subjects per window per run: at most a few false alarms a month.
POISSON_ALPHA = 1e-5


@dataclass(frozen=True)
class SurgeCheck:
    count: int
    mean: float
    std: float
    threshold: float
    p_value: float
    is_surge: bool


def check_surge(current: int, baseline: list[int], *, z: float, min_count: int) -> SurgeCheck:
    """Whether ``current`` stands out from the ``baseline`` counts."""
    mean = statistics.fmean(baseline) if baseline else 0.0
    std = statistics.pstdev(baseline) if len(baseline) > 1 else 0.0
    expected = max(mean, 0.5)
    threshold = expected + z * max(std, math.sqrt(expected))
    p_value = float(poisson.sf(current - 1, expected)) if current > 0 else 1.0
    return SurgeCheck(
        count=current,
        mean=round(mean, 3),
        std=round(std, 3),
        threshold=round(threshold, 2),
        p_value=p_value,
        is_surge=current >= min_count and current > threshold and p_value < POISSON_ALPHA,
    )


@dataclass(frozen=True)
class Surge:
    window: str
    category_id: int | None
    region_id: int
    subject_key: str
    period: Period
    check: SurgeCheck


Subject = tuple[int | None, int]  # (top-level category id or None for all, region id)


def _daily_counts(start: date, end: date) -> dict[Subject, dict[date, int]]:
    """Requests per day of [start, end] per subject: the city, each county and each town, for
    all requests and for each class."""
    period = Period(start, end)
    lo, hi = period.bounds()
    rows = (
        WorkOrder.objects.filter(received_at__gte=lo, received_at__lt=hi)
        .exclude(state__in=EXCLUDED_STATES)
        .annotate(day=TruncDate("received_at"), cls=Coalesce("category__parent_id", "category_id"))
        .values_list("day", "cls", "county_id", "town_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    city = Region.objects.filter(level="city").order_by("id").values_list("id", flat=True).first()
    counts: dict[Subject, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for day, cls, county, town, n in rows:
        for region in (city, county, town):
            if region is None:
                continue
            counts[(None, region)][day] += n
            if cls is not None:
                counts[(cls, region)][day] += n
    return counts


@dataclass(frozen=True)
class _Place:
    code: str
    path: str


def _narrower(a: Subject, b: Subject, places: dict[int, _Place]) -> bool:
    """Whether subject ``a`` is a strict part of ``b`` (same class or any, region within)."""
    if a == b or (b[0] is not None and a[0] != b[0]):
        return False
    pa, pb = places.get(a[1]), places.get(b[1])
    return pa is not None and pb is not None and pa.path.startswith(pb.path)


def _explained(surges: list[Surge], places: dict[int, _Place]) -> list[Surge]:
    """Drop a surge that a narrower one explains: without the narrower subject's requests the
    broader one would not exceed its threshold (a street's surge also lifts its town, county
    and city; the centre wants to hear about the street)."""
    kept = []
    for broad in surges:
        subject = (broad.category_id, broad.region_id)
        if not any(
            _narrower((n.category_id, n.region_id), subject, places)
            and broad.check.count - n.check.count <= broad.check.threshold
            for n in surges
        ):
            kept.append(broad)
    return kept


def find_surges(today: date) -> list[Surge]:
    """Every subject surging today (day window) or over the last seven days (week window),
    one entry per surge: narrower subjects win over the broader ones they lift, and a day
    surge over the week surge it makes."""
    z = float(getattr(settings, "OPINION_SURGE_Z", 3.0))
    min_count = int(getattr(settings, "OPINION_SURGE_MIN_COUNT", 5))
    first = today - timedelta(days=7 * (BASELINE_WEEKS + 1) - 1)
    counts = _daily_counts(first, today)
    classes = dict(Category.objects.filter(parent__isnull=True).values_list("id", "code"))
    places = {
        pk: _Place(code, path)
        for pk, code, path in Region.objects.filter(
            level__in=("city", "county", "town")
        ).values_list("id", "code", "path")
    }
    by_window: dict[str, list[Surge]] = {SurgeWindow.DAY: [], SurgeWindow.WEEK: []}
    week_start = today - timedelta(days=6)
    for (category, region), by_day in counts.items():
        place = places.get(region)
        if place is None:
            continue
        key = f"{classes.get(category, category) if category else '*'}@{place.code}"

        def total(first_day: date, days: int, by_day: dict[date, int] = by_day) -> int:
            return sum(by_day.get(first_day + timedelta(days=i), 0) for i in range(days))

        day_baseline = [total(today - timedelta(days=d), 1) for d in range(1, BASELINE_DAYS + 1)]
        day = check_surge(total(today, 1), day_baseline, z=z, min_count=min_count)
        if day.is_surge:
            by_window[SurgeWindow.DAY].append(
                Surge(SurgeWindow.DAY, category, region, key, Period(today, today), day)
            )
        week_baseline = [
            total(week_start - timedelta(days=7 * w), 7) for w in range(1, BASELINE_WEEKS + 1)
        ]
        week = check_surge(total(week_start, 7), week_baseline, z=z, min_count=min_count)
        if week.is_surge:
            by_window[SurgeWindow.WEEK].append(
                Surge(SurgeWindow.WEEK, category, region, key, Period(week_start, today), week)
            )
    days = _explained(by_window[SurgeWindow.DAY], places)
    weeks = [
        w
        for w in _explained(by_window[SurgeWindow.WEEK], places)
        if not any(
            (d.category_id, d.region_id) == (w.category_id, w.region_id)
            or _narrower((d.category_id, d.region_id), (w.category_id, w.region_id), places)
            for d in days
        )
    ]
    surges = days + weeks
    surges.sort(key=lambda s: (s.window, s.subject_key))
    return surges
