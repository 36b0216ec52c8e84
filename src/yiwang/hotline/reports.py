"""The consolidation report: calls per legacy number folded into 12345, and the answer rates
of the one number (接通率 answered / incoming; the 15-second answer rate, GB/T 33358)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from yiwang.intake.models import Call, LegacyHotline

FAST_ANSWER = timedelta(seconds=15)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz),
    )


def consolidation(user: Any, start: date, end: date) -> dict[str, Any]:
    """Per legacy line and in total over [start, end]: calls, answered, answered within 15 s;
    and the daily calls through legacy numbers and through 12345 itself."""
    since, until = _bounds(start, end)
    calls = Call.objects.filter(rang_at__gte=since, rang_at__lt=until)
    wait = ExpressionWrapper(F("answered_at") - F("rang_at"), output_field=DurationField())
    counts = {
        "calls": Count("pk"),
        "answered": Count("pk", filter=Q(answered_at__isnull=False)),
        "fast": Count("pk", filter=Q(answered_at__isnull=False) & Q(wait__lte=FAST_ANSWER)),
    }
    per_line: dict[int | None, dict[str, Any]] = {
        row["legacy_line"]: dict(row)
        for row in calls.annotate(wait=wait).values("legacy_line").annotate(**counts)
    }
    lines: list[dict[str, Any]] = []
    registered = (
        LegacyHotline.objects.select_related("department")
        .prefetch_related("categories")
        .order_by("number")
    )
    for line in registered:
        row = per_line.get(line.pk, {"calls": 0, "answered": 0, "fast": 0})
        lines.append(
            {
                "number": line.number,
                "name": line.name,
                "department": line.department.short_name or line.department.name,
                "categories": [c.name for c in line.categories.all()],
                "calls": row["calls"],
                "answered": row["answered"],
            }
        )
    lines.sort(key=lambda r: (-r["calls"], r["number"]))
    total = calls.annotate(wait=wait).aggregate(**counts)
    direct = per_line.get(None, {"calls": 0})["calls"]
    daily: dict[str, dict[str, int]] = {}
    day_rows: Any = (
        calls.annotate(day=TruncDate("rang_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(
            legacy=Count("pk", filter=Q(legacy_line__isnull=False)),
            direct=Count("pk", filter=Q(legacy_line__isnull=True)),
        )
        .order_by("day")
    )
    for row in day_rows:
        daily[row["day"].isoformat()] = {"legacy": row["legacy"], "direct": row["direct"]}

    def rate(part: int, whole: int) -> float | None:
        return round(part / whole, 4) if whole else None

    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "legacy_lines": len(lines),
        "lines_with_calls": sum(1 for r in lines if r["calls"]),
        "calls": total["calls"],
        "via_legacy_numbers": total["calls"] - direct,
        "via_12345": direct,
        "answer_rate": rate(total["answered"], total["calls"]),
        "fast_answer_rate": rate(total["fast"], total["answered"]),
        "lines": lines,
        "daily": [{"day": day, **values} for day, values in daily.items()],
    }
