"""System checks that tell operators what the platform cannot know by itself."""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.utils import timezone


@checks.register()
def holiday_calendar_covers_next_year(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Deadlines next year need next year's holidays: say so once this year's last quarter
    begins and neither the library nor the extra-holidays file knows them."""
    from yiwang.core.workcalendar import default_calendar

    today = timezone.localdate()
    calendar = default_calendar()
    missing = [year for year in (today.year, today.year + 1) if not calendar.covered(year)]
    if today.month < 10:
        missing = [year for year in missing if year == today.year]
    return [
        checks.Info(
            f"The working-day calendar does not know the official holidays of {year}; "
            "deadlines that year count Monday to Friday only.",
            hint="Add the State Council's announcement to WORK_CALENDAR_EXTRA_HOLIDAYS / "
            "WORK_CALENDAR_EXTRA_WORKDAYS or the extra-holidays file (docs/sla-calendar.md).",
            id="yiwang.I001",
        )
        for year in missing
    ]
