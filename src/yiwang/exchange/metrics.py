"""Exchange volume, failures and lag: for the console, the API and the cockpit's data-sharing
theme (``exchange_metrics`` is the one read they all use)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import F, Q, Sum
from django.utils import timezone

from yiwang.exchange.choices import RunStatus
from yiwang.exchange.models import BackflowRun, DailyVolume, Resource, Subscription


def exchange_metrics(*, days: int = 30, limit: int = 10) -> dict[str, Any]:
    """Totals, the daily series per direction, the busiest resources and departments, the
    stream's lag (records NATS has not had) and the subscriptions' lag."""
    from yiwang.exchange.stream import backend

    since = timezone.localdate() - timedelta(days=days - 1)
    volumes = DailyVolume.objects.filter(day__gte=since)
    sums = {"records": Sum("records"), "operations": Sum("operations"), "failures": Sum("failures")}
    grouped: Any = volumes.values("day", "direction").annotate(**sums).order_by("day", "direction")
    daily: list[dict[str, Any]] = list(grouped)
    totals = {
        "records_in": sum(r["records"] for r in daily if r["direction"] == "in"),
        "records_out": sum(r["records"] for r in daily if r["direction"] == "out"),
        "failures": sum(r["failures"] for r in daily),
        "resources": Resource.objects.count(),
        "departments": Resource.objects.values("provider").distinct().count(),
        "stored": Resource.objects.aggregate(n=Sum("record_count"))["n"] or 0,
    }
    by_resource = list(
        volumes.values(code=F("resource__code"), name=F("resource__name"))
        .annotate(
            records_in=Sum("records", filter=Q(direction="in")),
            records_out=Sum("records", filter=Q(direction="out")),
            failures=Sum("failures"),
        )
        .order_by("-records_in", "code")[:limit]
    )
    by_department = list(
        volumes.values(code=F("department__code"), name=F("department__short_name"))
        .annotate(
            records_in=Sum("records", filter=Q(direction="in")),
            records_out=Sum("records", filter=Q(direction="out")),
            failures=Sum("failures"),
        )
        .order_by("-records_in", "code")[:limit]
    )
    stream_lag = 0
    if backend() == "nats":
        stream_lag = sum(
            r.last_sequence - r.published_sequence
            for r in Resource.objects.filter(last_sequence__gt=F("published_sequence")).only(
                "last_sequence", "published_sequence"
            )
        )
    subscription_lag = sum(
        max(s.grant.resource.last_sequence - s.cursor, 0)
        for s in Subscription.objects.filter(is_active=True).select_related("grant__resource")
    )
    for row in by_resource + by_department:
        for key in ("records_in", "records_out", "failures"):
            row[key] = row[key] or 0
    return {
        "days": days,
        "backend": backend(),
        "totals": totals,
        "daily": daily,
        "by_resource": by_resource,
        "by_department": by_department,
        "stream_lag": stream_lag,
        "subscription_lag": subscription_lag,
        "failed_backflow_runs": BackflowRun.objects.filter(
            status=RunStatus.FAILED, started_at__date__gte=since
        ).count(),
    }
