"""The working-time calendar that work-order deadlines (SLAs) are computed with.

Working days follow China's official calendar (chinese-calendar: public holidays off, adjusted
working weekends 调休 on), overridden by a city's extra dates; years the library does not know
fall back to Monday–Friday plus those extra dates. The counting rules are in docs/sla-calendar.md.
"""

from __future__ import annotations

import functools
import json
import math
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

DEFAULT_HOURS: tuple[tuple[str, str], ...] = (("08:30", "12:00"), ("13:30", "17:30"))
EXTRA_FILE = Path(__file__).parent / "data" / "holidays_extra.json"

# Read the library's range from its own tables so that upgrading it widens coverage.
OFFICIAL_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)

_ZERO = timedelta(0)
_MIDNIGHT = time()

Pause = tuple[datetime, datetime | None]
Amount = float | Decimal


class TimeUnit(models.TextChoices):
    """How a time limit is counted."""

    HOURS = "hours", _("Hours")
    WORKING_HOURS = "working_hours", _("Working hours")
    WORKING_DAYS = "working_days", _("Working days")
    CALENDAR_DAYS = "calendar_days", _("Calendar days")


WORKING_UNITS = frozenset({TimeUnit.WORKING_HOURS, TimeUnit.WORKING_DAYS})


class WorkCalendar:
    """Working days and hours in one time zone, and deadline arithmetic over them.

    Datetimes going in must be timezone-aware (naive ones raise ``ValueError``); datetimes
    coming out are in the calendar's time zone.
    """

    def __init__(
        self,
        *,
        hours: Iterable[Sequence[str | time]] = DEFAULT_HOURS,
        time_zone: str = "Asia/Shanghai",
        extra_holidays: Iterable[str | date] = (),
        extra_workdays: Iterable[str | date] = (),
        covered_years: Iterable[int] = (),
    ) -> None:
        self.tz = ZoneInfo(time_zone)
        self.periods = _parse_hours(hours)
        self._spans = tuple((_offset(begin), _offset(end)) for begin, end in self.periods)
        self.day_length = sum((end - begin for begin, end in self._spans), _ZERO)
        self._opening, self._closing = self.periods[0][0], self.periods[-1][1]
        self._extra_holidays = _parse_dates(extra_holidays, "WORK_CALENDAR_EXTRA_HOLIDAYS")
        self._extra_workdays = _parse_dates(extra_workdays, "WORK_CALENDAR_EXTRA_WORKDAYS")
        if clash := self._extra_holidays & self._extra_workdays:
            raise ImproperlyConfigured(
                f"Dates listed both as extra holidays and extra working days: {sorted(clash)}"
            )
        self._covered_years = frozenset(covered_years)
        self._year_workdays_cache: dict[int, list[int]] = {}
        # Per instance, so that a calendar built for other settings never shares answers.
        self._is_working_day = functools.lru_cache(maxsize=None)(self._compute_working_day)

    @classmethod
    def from_settings(cls) -> WorkCalendar:
        """Build the calendar from ``WORK_CALENDAR_*`` settings and the extra-holidays file."""
        path = Path(getattr(settings, "WORK_CALENDAR_EXTRA_FILE", "") or EXTRA_FILE)
        extra = load_extra_file(path)
        return cls(
            hours=getattr(settings, "WORK_CALENDAR_HOURS", DEFAULT_HOURS),
            time_zone=settings.TIME_ZONE,
            extra_holidays=[
                *extra["holidays"],
                *getattr(settings, "WORK_CALENDAR_EXTRA_HOLIDAYS", []),
            ],
            extra_workdays=[
                *extra["workdays"],
                *getattr(settings, "WORK_CALENDAR_EXTRA_WORKDAYS", []),
            ],
            covered_years=extra["covered_years"],
        )

    # Days

    def covered(self, year: int) -> bool:
        """Whether the official holidays of ``year`` are known (by the library or the city's
        file); uncovered years are counted Monday–Friday plus extra dates."""
        return year in OFFICIAL_YEARS or year in self._covered_years

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day (an aware datetime is taken at its local date)."""
        if isinstance(day, datetime):
            day = self._local(day).date()
        return self._is_working_day(day)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        return self._nth_working_day_after(day, 1)

    def working_days_between(self, a: date, b: date) -> int:
        """The number of working days ``d`` with ``a < d <= b`` (negative when ``b < a``)."""
        if b < a:
            return -self.working_days_between(b, a)
        first, last = a.toordinal(), b.toordinal()
        return sum(
            bisect_right(days, last) - bisect_right(days, first)
            for days in map(self._year_workdays, range(a.year, b.year + 1))
        )

    # Deadlines

    def add(self, start: datetime, amount: Amount, unit: str) -> datetime:
        """The deadline ``amount`` ``unit``s after ``start`` (rules in docs/sla-calendar.md)."""
        local = self._local(start)
        value = _amount(amount)
        unit = TimeUnit(unit)
        if unit is TimeUnit.WORKING_DAYS:
            return self._aware(self._add_working_days(local, value))
        if unit is TimeUnit.WORKING_HOURS:
            return self._aware(self._advance(local, timedelta(hours=value)))
        delta = timedelta(hours=value) if unit is TimeUnit.HOURS else timedelta(days=value)
        return (start.astimezone(UTC) + delta).astimezone(self.tz)

    def add_with_pauses(
        self, start: datetime, amount: Amount, unit: str, pauses: Iterable[Pause] = ()
    ) -> datetime | None:
        """The deadline with the clock stopped during ``pauses`` (extension or dispute pending).

        The clock (working time for working units, elapsed time otherwise) runs from ``start``
        except inside a pause; the deadline is the first moment it has run as long as it would
        have without pauses. Overlapping pauses count once; pauses after the deadline do not
        count; an open pause (end ``None``) that began before the deadline gives ``None``.
        """
        deadline = self.add(start, amount, unit)
        spans = _clip_pauses(start, pauses)
        if not spans:
            return deadline
        working = TimeUnit(unit) in WORKING_UNITS
        remaining = self._measure(start, deadline, working)
        cursor = start
        for begin, end in spans:
            if begin > cursor:
                available = self._measure(cursor, begin, working)
                if remaining <= available:
                    return self._move(cursor, remaining, working)
                remaining -= available
            if end is None:
                return None
            cursor = max(cursor, end)
        return self._move(cursor, remaining, working)

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """The working time from ``start`` to ``end`` (zero when ``end`` is not later)."""
        return self._working_between(self._local(start), self._local(end))

    def elapsed_share(self, start: datetime, deadline: datetime, now: datetime, unit: str) -> float:
        """The share of the time limit used at ``now``: 0.0 at (or before) ``start``, 1.0 at
        ``deadline``, above 1.0 when overdue. Working units count working time."""
        working = TimeUnit(unit) in WORKING_UNITS
        _check_aware(now)
        total = self._measure(start, deadline, working)
        if total <= _ZERO:
            return 0.0 if now < deadline else 1.0
        return max(self._measure(start, now, working), _ZERO) / total

    # Internals: ``local`` datetimes are naive wall-clock times in the calendar's zone.

    def _local(self, moment: datetime) -> datetime:
        _check_aware(moment)
        return moment.astimezone(self.tz).replace(tzinfo=None)

    def _aware(self, local: datetime) -> datetime:
        return local.replace(tzinfo=self.tz)

    def _compute_working_day(self, day: date) -> bool:
        if day in self._extra_holidays:
            return False
        if day in self._extra_workdays:
            return True
        if day.year in OFFICIAL_YEARS:
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5

    def _year_workdays(self, year: int) -> list[int]:
        """The ordinals of the working days of ``year``, ascending (for bisecting)."""
        days = self._year_workdays_cache.get(year)
        if days is None:
            first, last = date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()
            days = [n for n in range(first, last + 1) if self._is_working_day(date.fromordinal(n))]
            self._year_workdays_cache[year] = days
        return days

    def _nth_working_day_after(self, day: date, n: int) -> date:
        year = day.year
        days = self._year_workdays(year)
        index = bisect_right(days, day.toordinal()) + n - 1
        while index >= len(days):
            index -= len(days)
            year += 1
            days = self._year_workdays(year)
        return date.fromordinal(days[index])

    def _add_working_days(self, local: datetime, value: float) -> datetime:
        # Only whole working days count: the start day is the first of them only when the
        # order arrives before its working hours open (see docs/sla-calendar.md).
        whole = int(value)
        end = local
        if whole:
            day = local.date()
            counts_today = local.time() <= self._opening and self._is_working_day(day)
            n = whole - 1 if counts_today else whole
            last = self._nth_working_day_after(day, n) if n else day
            end = datetime.combine(last, self._closing)
        if fraction := value - whole:
            end = self._advance(end, self.day_length * fraction)
        return end

    def _worked_before(self, offset: timedelta) -> timedelta:
        """Working time on a working day from midnight to ``offset``."""
        done = _ZERO
        for begin, end in self._spans:
            if offset <= begin:
                break
            done += min(offset, end) - begin
        return done

    def _advance(self, local: datetime, amount: timedelta) -> datetime:
        """The earliest moment after which ``amount`` of working time has passed."""
        if amount <= _ZERO:
            return local
        day = local.date()
        midnight = datetime.combine(day, _MIDNIGHT)
        if self._is_working_day(day):
            offset = local - midnight
            for begin, end in self._spans:
                if offset < end:
                    available = end - max(begin, offset)
                    if amount <= available:
                        return midnight + max(begin, offset) + amount
                    amount -= available
        # Whole days are skipped with one bisect; ``rest`` then falls inside the last day.
        days, rest = divmod(amount, self.day_length)
        if not rest:
            days, rest = days - 1, self.day_length
        midnight = datetime.combine(self._nth_working_day_after(day, days + 1), _MIDNIGHT)
        for begin, end in self._spans:
            if rest <= end - begin:
                return midnight + begin + rest
            rest -= end - begin
        raise AssertionError("rest exceeds a working day")  # divmod rules this out

    def _working_between(self, a: datetime, b: datetime) -> timedelta:
        if b <= a:
            return _ZERO
        day_a, day_b = a.date(), b.date()
        a_works, b_works = self._is_working_day(day_a), self._is_working_day(day_b)
        done_a = self._worked_before(a - datetime.combine(day_a, _MIDNIGHT)) if a_works else _ZERO
        done_b = self._worked_before(b - datetime.combine(day_b, _MIDNIGHT)) if b_works else _ZERO
        if day_a == day_b:
            return done_b - done_a
        full_days = self.working_days_between(day_a, day_b) - b_works
        first_day = self.day_length - done_a if a_works else _ZERO
        return first_day + self.day_length * full_days + done_b

    def _measure(self, a: datetime, b: datetime, working: bool) -> timedelta:
        if working:
            return self.working_time_between(a, b)
        _check_aware(a, b)
        return b.astimezone(UTC) - a.astimezone(UTC)

    def _move(self, a: datetime, amount: timedelta, working: bool) -> datetime:
        if working:
            return self._aware(self._advance(self._local(a), amount))
        return (a.astimezone(UTC) + amount).astimezone(self.tz)


@functools.cache
def default_calendar() -> WorkCalendar:
    """The calendar built from settings, once per process (rebuilt when tests change them)."""
    return WorkCalendar.from_settings()


@receiver(setting_changed)
def _reset_default_calendar(*, setting: str, **kwargs: Any) -> None:
    if setting == "TIME_ZONE" or setting.startswith("WORK_CALENDAR_"):
        default_calendar.cache_clear()


def deadline(
    start: datetime, amount: Amount, unit: str, paused: Iterable[Pause] = ()
) -> datetime | None:
    """The deadline on the default calendar; ``None`` while a pause is open."""
    return default_calendar().add_with_pauses(start, amount, unit, paused)


def load_extra_file(path: Path) -> dict[str, list[Any]]:
    """Read a city's extra holidays file: ``{"source", "covered_years", "holidays",
    "workdays"}``; only the date lists are required."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ImproperlyConfigured(f"Cannot read the work calendar file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ImproperlyConfigured(f"{path}: expected a JSON object")
    result: dict[str, list[Any]] = {}
    for key in ("covered_years", "holidays", "workdays"):
        value = data.get(key, [])
        if not isinstance(value, list):
            raise ImproperlyConfigured(f"{path}: {key!r} must be a list")
        result[key] = value
    if not all(isinstance(year, int) for year in result["covered_years"]):
        raise ImproperlyConfigured(f"{path}: 'covered_years' must list years as integers")
    return result


def _parse_hours(hours: Iterable[Sequence[str | time]]) -> tuple[tuple[time, time], ...]:
    periods: list[tuple[time, time]] = []
    for pair in hours:
        try:
            begin, end = (v if isinstance(v, time) else time.fromisoformat(v) for v in pair)
        except (TypeError, ValueError) as exc:
            raise ImproperlyConfigured(f"WORK_CALENDAR_HOURS: bad period {pair!r}") from exc
        if begin >= end or (periods and begin < periods[-1][1]) or begin.tzinfo or end.tzinfo:
            raise ImproperlyConfigured(
                "WORK_CALENDAR_HOURS must list (start, end) local times in order, "
                f"within one day and without overlaps; got {pair!r}"
            )
        periods.append((begin, end))
    if not periods:
        raise ImproperlyConfigured("WORK_CALENDAR_HOURS needs at least one working period")
    return tuple(periods)


def _parse_dates(values: Iterable[str | date], name: str) -> frozenset[date]:
    days: set[date] = set()
    for value in values:
        if isinstance(value, date) and not isinstance(value, datetime):
            days.add(value)
            continue
        try:
            days.add(date.fromisoformat(str(value)))
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name}: {value!r} is not an ISO date") from exc
    return frozenset(days)


def _offset(moment: time) -> timedelta:
    return timedelta(
        hours=moment.hour,
        minutes=moment.minute,
        seconds=moment.second,
        microseconds=moment.microsecond,
    )


def _amount(amount: Amount) -> float:
    value = float(amount)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"A time limit must be a non-negative number, not {amount!r}")
    return value


def _clip_pauses(start: datetime, pauses: Iterable[Pause]) -> list[Pause]:
    """The pauses that reach past ``start``, clipped to begin no earlier, by start time."""
    spans: list[Pause] = []
    for begin, end in pauses:
        _check_aware(begin, *([] if end is None else [end]))
        if end is not None and end < begin:
            raise ValueError(f"A pause cannot end ({end}) before it begins ({begin})")
        if end is None or end > start:
            spans.append((max(begin, start), end))
    return sorted(spans, key=lambda span: span[0])


def _check_aware(*moments: datetime) -> None:
    for moment in moments:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError(f"A timezone-aware datetime is required, not {moment!r}")
