"""Deadlines per second from the working-time calendar, against a naive minute-by-minute walk.

.venv/bin/python bench/workcalendar.py
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.config.settings")

import django

django.setup()

from yiwang.core.workcalendar import default_calendar  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")


def naive_working_hours(start: datetime, hours: float) -> datetime:
    """The baseline: step a minute at a time, counting minutes inside working periods."""
    calendar = default_calendar()
    left = hours * 60
    moment = start
    while left > 0:
        moment += timedelta(minutes=1)
        local = moment.astimezone(TZ)
        clock = local.time()
        working = calendar.is_working_day(local.date()) and any(
            begin < clock <= end for begin, end in calendar.periods
        )
        if working:
            left -= 1
    return moment


def main() -> None:
    calendar = default_calendar()
    rng = random.Random(20261127)
    base = datetime(2025, 1, 1, tzinfo=TZ)
    starts = [base + timedelta(minutes=rng.randrange(0, 700 * 24 * 60)) for _ in range(100_000)]
    calendar.add(starts[0], 7, "working_days")  # build the per-year tables once
    for amount, unit in ((7, "working_days"), (15, "working_days"), (5, "working_hours")):
        began = time.perf_counter()
        for start in starts:
            calendar.add(start, amount, unit)
        elapsed = time.perf_counter() - began
        print(f"add({amount}, {unit:<13}) {len(starts) / elapsed:>10,.0f} deadlines/s")
    sample = starts[:200]
    began = time.perf_counter()
    for start in sample:
        assert naive_working_hours(start, 5) == calendar.add(start, 5, "working_hours")
    naive_rate = len(sample) / (time.perf_counter() - began)
    began = time.perf_counter()
    for start in starts:
        calendar.add(start, 5, "working_hours")
    fast_rate = len(starts) / (time.perf_counter() - began)
    print(f"naive minute walk (5 working hours) {naive_rate:>10,.0f} deadlines/s (200, agree)")
    print(f"ratio calendar / naive: {fast_rate / naive_rate:,.0f}x")


if __name__ == "__main__":
    main()
