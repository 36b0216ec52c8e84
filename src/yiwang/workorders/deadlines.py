"""Time limits and deadlines of work orders, on the official working calendar.

The limit comes from the category (小类) when it has one, else from the request type; an
emergency gets the emergency limit whatever its category. Every figure is a setting with the
defaults of DOMAIN.md §3: ``WORKORDERS_TIME_LIMITS`` maps a request type (and ``"emergency"``)
to ``[amount, unit]``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings

from yiwang.core.workcalendar import Pause, deadline, default_calendar
from yiwang.workorders.choices import Priority, RequestType, TimeUnit

DEFAULT_TIME_LIMITS: dict[str, tuple[float, str]] = {
    RequestType.CONSULTATION: (3, TimeUnit.WORKING_DAYS),
    RequestType.HELP: (3, TimeUnit.WORKING_DAYS),
    RequestType.COMPLAINT: (15, TimeUnit.WORKING_DAYS),
    RequestType.REPORT: (15, TimeUnit.WORKING_DAYS),
    RequestType.SUGGESTION: (7, TimeUnit.WORKING_DAYS),
    RequestType.PRAISE: (7, TimeUnit.WORKING_DAYS),
    "emergency": (2, TimeUnit.HOURS),
}
# A unit may return an order as "not our duty" this long after it was dispatched.
DEFAULT_RETURN_WINDOW: tuple[float, str] = (1, TimeUnit.WORKING_DAYS)


def time_limit(order: Any) -> tuple[Decimal, str]:
    """The limit that applies to ``order`` now: (amount, unit)."""
    limits = {**DEFAULT_TIME_LIMITS, **getattr(settings, "WORKORDERS_TIME_LIMITS", {})}
    category = order.category
    if order.priority == Priority.EMERGENCY:
        amount, unit = limits["emergency"]
    elif category is not None and category.time_limit and category.time_limit_unit:
        amount, unit = category.time_limit, category.time_limit_unit
    else:
        amount, unit = limits[order.request_type]
    return Decimal(str(amount)), str(unit)


def due_after(start: datetime, amount: Decimal, unit: str) -> datetime:
    return default_calendar().add(start, amount, unit)


def due_with_pauses(
    start: datetime, amount: Decimal, unit: str, paused: list[list[str | None]]
) -> datetime | None:
    """The deadline with the clock stopped during the stored pauses (None while one is open)."""
    return deadline(start, amount, unit, parse_pauses(paused))


def parse_pauses(paused: list[list[str | None]]) -> list[Pause]:
    return [
        (datetime.fromisoformat(str(a)), datetime.fromisoformat(b) if b else None)
        for a, b in paused
    ]


def return_deadline(dispatched_at: datetime) -> datetime:
    amount, unit = getattr(settings, "WORKORDERS_RETURN_WINDOW", DEFAULT_RETURN_WINDOW)
    return default_calendar().add(dispatched_at, Decimal(str(amount)), str(unit))


def pause_during_extension() -> bool:
    return bool(getattr(settings, "SLA_PAUSE_DURING_EXTENSION", True))
