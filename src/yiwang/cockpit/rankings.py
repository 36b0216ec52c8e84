"""Monthly KPI rankings of departments, counties and towns (DOMAIN.md §5), from ``compute_kpis``.

The month on the page is computed afresh on every request — one grouped query — so the page,
its XLSX export and ``compute_kpis`` agree to the digit. The trend's earlier months change only
when old orders are rated or closed late, so their rows are cached per scope for
``COCKPIT_TREND_CACHE_SECONDS`` (default 600).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime, time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yiwang.cockpit.cache import scope_key
from yiwang.workorders.kpi_rollup import kpis_for
from yiwang.workorders.kpis import GroupBy, KpiRow

TREND_MONTHS = 12
MONTH_CHOICES = 24  # how far back the month selector goes


@dataclass(frozen=True)
class Metric:
    """One rate of ``KpiRow``: its property, what it divides, and which way is better."""

    key: str
    label: str | Promise
    numerator: str
    denominator: str
    higher_is_better: bool = True


METRICS: tuple[Metric, ...] = (
    Metric("response_rate", _("Response rate"), "responded", "dispatched"),
    Metric("resolution_rate", _("Resolution rate"), "resolved", "called_back"),
    Metric("satisfaction_rate", _("Satisfaction rate"), "satisfied", "rated"),
    Metric("on_time_rate", _("On-time completion rate"), "completed_on_time", "due"),
    Metric("completion_rate", _("Completion rate"), "completed", "due"),
    Metric("return_rate", _("Return rate"), "returned", "dispatched", higher_is_better=False),
    Metric("extension_rate", _("Extension rate"), "extended", "dispatched", False),
    Metric("urge_rate", _("Urge rate"), "urged", "orders", higher_is_better=False),
    Metric("rework_rate", _("Rework rate"), "reworked", "completed", higher_is_better=False),
    Metric("repeat_rate", _("Repeat request rate"), "repeats", "orders", False),
)
METRIC_BY_KEY = {m.key: m for m in METRICS}
COUNT_FIELDS: tuple[tuple[str, str | Promise], ...] = (
    ("orders", _("Orders received")),
    ("dispatched", _("Dispatched")),
    ("due", _("Due in the month")),
    ("completed", _("Completed")),
    ("rated", _("Rated")),
)
DIMENSIONS: tuple[tuple[GroupBy, str | Promise], ...] = (
    ("department", _("Departments")),
    ("county", _("Counties and districts")),
    ("town", _("Towns and streets")),
)
_KPI_COUNTS = [f.name for f in fields(KpiRow) if f.name not in ("code", "name")]


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_label(first: date) -> str:
    return f"{first.year:04d}-{first.month:02d}"


def parse_month(value: str) -> date:
    year, month = value.split("-")
    return date(int(year), int(month), 1)


def recent_months(count: int = MONTH_CHOICES) -> list[date]:
    """The current month and the ``count - 1`` before it, newest first."""
    this = month_start(timezone.localdate())
    return [add_months(this, -i) for i in range(count)]


def _bound(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def month_rows(user: Any, dimension: GroupBy, first: date) -> list[KpiRow]:
    """``compute_kpis`` over the user's orders received (or due) in the month — read from the
    monthly aggregate when it is fresh (``workorders.kpi_rollup``), else computed live."""
    return kpis_for(user, group_by=dimension, start=_bound(first), end=_bound(add_months(first, 1)))


def _cached_month_rows(user: Any, dimension: GroupBy, first: date) -> list[KpiRow]:
    key = f"cockpit:kpis:v1:{scope_key(user)}:{dimension}:{month_label(first)}"
    rows: list[KpiRow] | None = cache.get(key)
    if rows is None:
        rows = month_rows(user, dimension, first)
        cache.set(key, rows, settings.COCKPIT_TREND_CACHE_SECONDS)
    return rows


def total_of(rows: list[KpiRow], *, name: str = "") -> KpiRow:
    """The sum of every count over the rows, as one row (rates follow from the sums)."""
    sums = {f: sum(getattr(r, f) for r in rows) for f in _KPI_COUNTS}
    return KpiRow(code="", name=name, **sums)


@dataclass(frozen=True)
class RankedRow:
    rank: int | None  # None when the rate has no denominator
    row: KpiRow
    value: float | None


def rank(rows: list[KpiRow], metric: Metric) -> list[RankedRow]:
    """Best first; equal rates share a rank (1, 2, 2, 4); rows without the rate come last."""

    def value(row: KpiRow) -> float | None:
        rate: float | None = getattr(row, metric.key)
        return rate

    rated = [r for r in rows if value(r) is not None]
    unrated = [r for r in rows if value(r) is None]
    sign = -1 if metric.higher_is_better else 1
    rated.sort(key=lambda r: (sign * (value(r) or 0.0), -r.orders, r.code))
    unrated.sort(key=lambda r: (-r.orders, r.code))
    ranked: list[RankedRow] = []
    previous: float | None = None
    current_rank = 0
    for position, row in enumerate(rated, start=1):
        if value(row) != previous:
            current_rank, previous = position, value(row)
        ranked.append(RankedRow(current_rank, row, value(row)))
    ranked += [RankedRow(None, row, None) for row in unrated]
    return ranked


@dataclass(frozen=True)
class Ranking:
    dimension: GroupBy
    month: date
    metric: Metric
    rows: list[RankedRow]
    total: KpiRow
    trend_months: list[date]
    trend_totals: list[KpiRow]
    # Series for the chart: the scope's total and the five best units of the month.
    trend_series: list[dict[str, Any]]


def build_ranking(user: Any, *, dimension: GroupBy, month: date, metric: Metric) -> Ranking:
    """The month's ranking (fresh) and the trend of the 12 months ending with it."""
    rows = month_rows(user, dimension, month)
    ranked = rank(rows, metric)
    total = total_of(rows)
    months = [add_months(month, -i) for i in range(TREND_MONTHS - 1, -1, -1)]
    per_month = [_cached_month_rows(user, dimension, m) for m in months[:-1]] + [rows]
    totals = [total_of(r) for r in per_month]
    series: list[dict[str, Any]] = [
        {"name": str(_("Total")), "values": [as_percent(getattr(t, metric.key)) for t in totals]}
    ]
    for item in ranked[:5]:
        if item.rank is None:
            break
        by_code = [{r.code: r for r in month_rows_}.get(item.row.code) for month_rows_ in per_month]
        series.append(
            {
                "name": item.row.name,
                "values": [as_percent(getattr(r, metric.key)) if r else None for r in by_code],
            }
        )
    return Ranking(dimension, month, metric, ranked, total, months, totals, series)


def as_percent(rate: float | None) -> float | None:
    """The figure people see: a percentage with one decimal."""
    return None if rate is None else round(rate * 100, 1)


def percent_text(rate: float | None) -> str:
    value = as_percent(rate)
    return "—" if value is None else f"{value:.1f}%"
