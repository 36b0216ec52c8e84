"""``GET /api/v1/kpis``: indicators per unit or area over a period, for the caller's scope."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema

from yiwang.core.api_auth import request_user
from yiwang.core.errors import ValidationFailed
from yiwang.geo.models import Region
from yiwang.workorders.kpi_rollup import kpis_for

router = Router(tags=["work orders"])

MAX_PERIOD = timedelta(days=400)


class KpiFilter(Schema):
    group_by: Literal["department", "county", "town"] = "department"
    start: date | None = None
    end: date | None = None
    unit: str | None = None
    area: str | None = None


class KpiRowSchema(Schema):
    code: str
    name: str
    orders: int
    due: int
    completed: int
    completed_on_time: int
    rated: int
    satisfied: int
    on_time_rate: float | None
    completion_rate: float | None
    satisfaction_rate: float | None
    response_rate: float | None
    return_rate: float | None
    extension_rate: float | None
    urge_rate: float | None
    rework_rate: float | None
    repeat_rate: float | None
    resolution_rate: float | None


class KpiOut(Schema):
    group_by: str
    start: date
    end: date
    rows: list[KpiRowSchema]


def _bound(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@router.get("/kpis", response=KpiOut)
def kpis(request: HttpRequest, filters: Query[KpiFilter]) -> KpiOut:
    """Indicators per department, county or town for orders of [start, end] (default: the
    last 30 days), ranked by on-time rate; ``unit`` (department code) and ``area`` (region
    code) narrow the orders."""
    end = filters.end or timezone.localdate()
    start = filters.start or end - timedelta(days=30)
    if start > end:
        raise ValidationFailed("start must not be after end", field="start")
    if end - start > MAX_PERIOD:
        raise ValidationFailed("the period may not exceed 400 days", field="end")
    area_path = None
    if filters.area:
        area_path = Region.objects.filter(code=filters.area).values_list("path", flat=True).first()
        if area_path is None:
            raise ValidationFailed(f"no region has the code {filters.area}", field="area")
    rows = kpis_for(
        request_user(request),
        group_by=filters.group_by,
        start=_bound(start),
        end=_bound(end + timedelta(days=1)),
        unit=filters.unit,
        area_path=area_path,
    )
    ranked = sorted(rows, key=lambda r: (-(r.on_time_rate or 0), -r.orders, r.code))
    return KpiOut(
        group_by=filters.group_by,
        start=start,
        end=end,
        rows=[
            KpiRowSchema(
                code=r.code,
                name=r.name,
                orders=r.orders,
                due=r.due,
                completed=r.completed,
                completed_on_time=r.completed_on_time,
                rated=r.rated,
                satisfied=r.satisfied,
                **r.rates(),
            )
            for r in ranked
        ],
    )
