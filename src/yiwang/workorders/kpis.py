"""Performance indicators per unit, area and period (DOMAIN.md §5), computed in the database.

One grouped query per call, each indicator a conditional count, so a ranking of every unit
over a year is one pass over that year's orders. Formulas that cities set differently are
settings: whether "basically satisfied" counts as satisfied (``KPI_BASICALLY_SATISFIED_COUNTS``),
how soon a unit must acknowledge to count as responsive (``KPI_RESPONSE_HOURS``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet

from yiwang.workorders.choices import Rating, State

GroupBy = Literal["department", "county", "town"]

_GROUP_FIELDS: dict[str, tuple[str, str, str]] = {
    "department": ("lead_department_id", "lead_department__code", "lead_department__name"),
    "county": ("county_id", "county__code", "county__name"),
    "town": ("town_id", "town__code", "town__name"),
}
DEFAULT_SATISFIED = (Rating.VERY_SATISFIED, Rating.SATISFIED, Rating.BASICALLY_SATISFIED)
COMPLETED_STATES = (State.REPLIED, State.VERIFYING, State.CALLBACK, State.CLOSED)


@dataclass(frozen=True)
class KpiRow:
    """The indicators of one unit or area; rates are None when their denominator is zero."""

    code: str
    name: str
    orders: int
    due: int
    completed: int
    completed_on_time: int
    rated: int
    satisfied: int
    dispatched: int
    responded: int
    returned: int
    extended: int
    urged: int
    reworked: int
    repeats: int
    called_back: int = 0  # callbacks that asked whether the problem was solved
    resolved: int = 0  # … and heard yes

    @staticmethod
    def _rate(numerator: int, denominator: int) -> float | None:
        return round(numerator / denominator, 4) if denominator else None

    @property
    def on_time_rate(self) -> float | None:  # 按时办结率
        return self._rate(self.completed_on_time, self.due)

    @property
    def completion_rate(self) -> float | None:  # 办结率
        return self._rate(self.completed, self.due)

    @property
    def satisfaction_rate(self) -> float | None:  # 满意率
        return self._rate(self.satisfied, self.rated)

    @property
    def response_rate(self) -> float | None:  # 响应率
        return self._rate(self.responded, self.dispatched)

    @property
    def return_rate(self) -> float | None:  # 退单率
        return self._rate(self.returned, self.dispatched)

    @property
    def extension_rate(self) -> float | None:  # 延期率
        return self._rate(self.extended, self.dispatched)

    @property
    def urge_rate(self) -> float | None:  # 催办率
        return self._rate(self.urged, self.orders)

    @property
    def rework_rate(self) -> float | None:  # 返工率
        return self._rate(self.reworked, self.completed)

    @property
    def resolution_rate(self) -> float | None:  # 解决率
        return self._rate(self.resolved, self.called_back)

    @property
    def repeat_rate(self) -> float | None:  # 重复来电率
        return self._rate(self.repeats, self.orders)

    def rates(self) -> dict[str, float | None]:
        return {
            "on_time_rate": self.on_time_rate,
            "completion_rate": self.completion_rate,
            "satisfaction_rate": self.satisfaction_rate,
            "response_rate": self.response_rate,
            "return_rate": self.return_rate,
            "extension_rate": self.extension_rate,
            "urge_rate": self.urge_rate,
            "rework_rate": self.rework_rate,
            "repeat_rate": self.repeat_rate,
            "resolution_rate": self.resolution_rate,
        }


COUNTS = (
    "orders",
    "due",
    "completed",
    "completed_on_time",
    "rated",
    "satisfied",
    "dispatched",
    "responded",
    "returned",
    "extended",
    "urged",
    "reworked",
    "repeats",
    "called_back",
    "resolved",
)


def compute_kpis(
    orders: QuerySet[Any], *, group_by: GroupBy, start: datetime, end: datetime
) -> list[KpiRow]:
    """Indicators for orders received in [start, end), one row per unit or area.

    ``orders`` is already scoped (``WorkOrder.objects.visible_to(user)``); "due" counts orders
    whose deadline fell in the period, so a unit is judged on what it owed in that period.
    """
    key, code, name = _GROUP_FIELDS[group_by]
    rows = grouped_counts(orders.exclude(**{key: None}), (key, code, name), start, end)
    return [
        KpiRow(code=row[code], name=row[name], **{field: row[field] for field in COUNTS})
        for row in rows.order_by(code)
    ]


def grouped_counts(
    orders: QuerySet[Any], keys: tuple[str, ...], start: datetime, end: datetime
) -> QuerySet[Any]:
    """Every count of ``COUNTS`` for the orders received — or, for the deadline counts, due —
    in [start, end), grouped by ``keys``: one pass over the period's orders."""
    satisfied: tuple[str, ...] = DEFAULT_SATISFIED
    if not getattr(settings, "KPI_BASICALLY_SATISFIED_COUNTS", True):
        satisfied = (Rating.VERY_SATISFIED, Rating.SATISFIED)
    response_window = timedelta(hours=getattr(settings, "KPI_RESPONSE_HOURS", 24))
    completed = Q(replied_at__isnull=False) | Q(state__in=COMPLETED_STATES)
    due = Q(due_at__gte=start, due_at__lt=end)
    in_period = Q(received_at__gte=start, received_at__lt=end)
    return (
        orders.filter(in_period | due)
        .values(*keys)
        .annotate(
            orders=Count("id", filter=in_period),
            due=Count("id", filter=due),
            completed=Count("id", filter=due & completed),
            completed_on_time=Count("id", filter=due & Q(replied_at__lte=F("due_at"))),
            rated=Count("id", filter=in_period & ~Q(rating="")),
            satisfied=Count("id", filter=in_period & Q(rating__in=satisfied)),
            dispatched=Count("id", filter=in_period & Q(dispatched_at__isnull=False)),
            responded=Count(
                "id",
                filter=in_period
                & Q(dispatched_at__isnull=False)
                & Q(acknowledged_at__lte=F("dispatched_at") + response_window),
            ),
            returned=Count("id", filter=in_period & Q(return_count__gt=0)),
            extended=Count("id", filter=in_period & Q(extension_count__gt=0)),
            urged=Count("id", filter=in_period & Q(urge_count__gt=0)),
            reworked=Count("id", filter=in_period & Q(reopen_count__gt=0)),
            repeats=Count("id", filter=in_period & Q(parent__isnull=False)),
            called_back=Count("id", filter=in_period & Q(resolved__isnull=False)),
            resolved=Count("id", filter=in_period & Q(resolved=True)),
        )
        .order_by()
    )
