"""Hot topics of a period (热点): the daily volume, the most used and fastest rising words,
and clusters of similar requests — everything over the orders the user may see."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.db.models.functions import Coalesce, TruncDate

from yiwang.cockpit.cache import scope_key
from yiwang.core.progress import ProgressCallback
from yiwang.opinion.clusters import Cluster, cluster_texts
from yiwang.opinion.corpus import Period, TextSample, period_orders, sample_texts
from yiwang.opinion.domains import Domain
from yiwang.opinion.keywords import Keyword, hot_keywords
from yiwang.workorders.models import WorkOrder

CACHE_SECONDS = 600
BASELINE_FACTOR = 4  # the baseline is the four periods before this one
MAX_PERIOD_DAYS = 366


def _quiet(stage: str, done: int, total: int) -> None:
    """No progress to show (a page computing its figures, not a background job)."""


@dataclass
class HotTopics:
    period: Period
    domain: Domain
    total: int
    previous_total: int
    daily: list[tuple[date, int]]
    keywords: list[Keyword]
    rising: list[Keyword]
    clusters: list[Cluster]
    sampled: int
    baseline_sampled: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_sample(self) -> bool:
        return self.sampled < self.total

    @property
    def change(self) -> float | None:
        if not self.previous_total:
            return None
        return self.total / self.previous_total - 1


def daily_counts(orders: QuerySet[WorkOrder], period: Period) -> list[tuple[date, int]]:
    counts = dict(
        orders.annotate(day=TruncDate("received_at"))
        .values_list("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
        .order_by()
    )
    return [(day, counts.get(day, 0)) for day in period.dates()]


def grouped(
    orders: QuerySet[WorkOrder], key: str, name: str, top: int = 10
) -> list[tuple[str, int]]:
    """(name, orders) of the ``top`` groups by ``key``, most first."""
    rows = orders.values(key, name).annotate(n=Count("id")).order_by("-n", name)[:top]
    return [(str(r[name] or "—"), int(r["n"])) for r in rows]


def by_class(orders: QuerySet[WorkOrder], top: int = 12) -> list[tuple[str, int]]:
    rows = (
        orders.annotate(cls=Coalesce("category__parent__name", "category__name"))
        .values("cls")
        .annotate(n=Count("id"))
        .order_by("-n", "cls")[:top]
    )
    return [(str(r["cls"] or "未分类"), int(r["n"])) for r in rows]


def hot_topics(
    user: Any,
    period: Period,
    domain: Domain,
    *,
    progress: ProgressCallback | None = None,
    use_cache: bool = True,
) -> HotTopics:
    """The period's hot topics for ``user``'s scope (cached per scope for ten minutes)."""
    key = f"opinion:hot:{scope_key(user)}:{domain.code}:{period.start}:{period.end}"
    if use_cache:
        cached = cache.get(key)
        if cached is not None:
            return cached
    report = progress or _quiet
    orders = period_orders(user, period, domain)
    baseline_period = period.before(BASELINE_FACTOR)
    baseline_orders = period_orders(user, baseline_period, domain)
    report("counting", 0, 4)
    daily = daily_counts(orders, period)
    total = sum(n for _day, n in daily)
    previous_total = period_orders(user, period.before(), domain).count()
    report("reading texts", 1, 4)
    sample: TextSample = sample_texts(orders, period, seed=period.start.toordinal())
    baseline: TextSample = sample_texts(
        baseline_orders, baseline_period, seed=baseline_period.start.toordinal()
    )
    report("keywords", 2, 4)
    keywords, rising = hot_keywords(sample.docs, sample.day_index, period.days, baseline.docs)
    report("clusters", 3, 4)
    clusters = cluster_texts(
        sample.docs,
        numbers=sample.numbers,
        titles=sample.titles,
        day_index=sample.day_index,
        days=period.days,
        seed=period.start.toordinal(),
    )
    result = HotTopics(
        period=period,
        domain=domain,
        total=total,
        previous_total=previous_total,
        daily=daily,
        keywords=keywords,
        rising=rising,
        clusters=clusters[:10],
        sampled=sample.sampled,
        baseline_sampled=baseline.sampled,
    )
    report("done", 4, 4)
    if use_cache:
        cache.set(key, result, CACHE_SECONDS)
    return result
