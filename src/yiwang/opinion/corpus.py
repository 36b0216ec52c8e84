"""The orders an analysis looks at: the user's scope, a period of days, a domain; and a
capped, repeatable sample of their texts (tokenising a month of a big city's requests would
take minutes, a sample of a few thousand gives the same topics in seconds)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from yiwang.opinion.domains import Domain
from yiwang.opinion.text import order_text, terms
from yiwang.workorders.choices import State
from yiwang.workorders.models import WorkOrder

# Not requests of the city's own: invalid calls and those handed to another line (110, 119).
EXCLUDED_STATES = (State.INVALID, State.TRANSFERRED)
FETCH_CHUNK = 2000


@dataclass(frozen=True)
class Period:
    """Whole days, both ends included."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        start = timezone.make_aware(datetime.combine(self.start, time.min))
        end = timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))
        return start, end

    def before(self, factor: int = 1) -> Period:
        """The ``factor`` periods of the same length just before this one."""
        return Period(self.start - timedelta(days=self.days * factor), self.start - timedelta(1))

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]

    @classmethod
    def last_days(cls, days: int, today: date | None = None) -> Period:
        end = today or timezone.localdate()
        return cls(end - timedelta(days=days - 1), end)


def period_orders(user: Any, period: Period, domain: Domain) -> QuerySet[WorkOrder]:
    start, end = period.bounds()
    return (
        WorkOrder.objects.visible_to(user)
        .filter(received_at__gte=start, received_at__lt=end)
        .filter(domain.orders_q())
        .exclude(state__in=EXCLUDED_STATES)
    )


@dataclass
class TextSample:
    """Texts of (a sample of) a period's orders, tokenised."""

    total: int
    numbers: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    docs: list[list[str]] = field(default_factory=list)
    day_index: list[int] = field(default_factory=list)  # day of the period, 0-based

    @property
    def sampled(self) -> int:
        return len(self.docs)

    @property
    def is_sample(self) -> bool:
        return self.sampled < self.total


def sample_limit() -> int:
    return int(getattr(settings, "OPINION_TEXT_SAMPLE", 5000))


def sample_texts(
    orders: QuerySet[WorkOrder], period: Period, *, limit: int | None = None, seed: int = 0
) -> TextSample:
    """The tokenised texts of ``orders``, or of ``limit`` of them drawn at random (the same
    ones for the same seed)."""
    limit = sample_limit() if limit is None else limit
    ids = list(orders.order_by().values_list("id", flat=True))
    sample = TextSample(total=len(ids))
    if len(ids) > limit:
        ids = random.Random(seed).sample(ids, limit)
    ids.sort()
    start, _end = period.bounds()
    for i in range(0, len(ids), FETCH_CHUNK):
        rows = (
            WorkOrder.objects.filter(id__in=ids[i : i + FETCH_CHUNK])
            .order_by("id")
            .values_list("number", "title", "description", "received_at")
        )
        for number, title, description, received_at in rows:
            sample.numbers.append(number)
            sample.titles.append(title)
            sample.docs.append(terms(order_text(title, description)))
            sample.day_index.append((received_at - start) // timedelta(days=1))
    return sample
