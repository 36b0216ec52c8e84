"""The working-time calendar: working days, working hours, deadlines, pauses and shares."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.utils import translation

from yiwang.core.workcalendar import (
    EXTRA_FILE,
    TimeUnit,
    WorkCalendar,
    deadline,
    default_calendar,
    load_extra_file,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def cal() -> WorkCalendar:
    return WorkCalendar()


# Working days: ordinary weeks and the whole-day rule (2026-03-13 is a Friday).


def test_ordinary_week(cal: WorkCalendar) -> None:
    assert cal.add(at(2026, 3, 16, 10), 1, "working_days") == at(2026, 3, 17, 17, 30)
    assert cal.add(at(2026, 3, 16, 10), 5, "working_days") == at(2026, 3, 23, 17, 30)


def test_friday_afternoon_plus_three_working_days_ends_wednesday(cal: WorkCalendar) -> None:
    assert cal.add(at(2026, 3, 13, 15), 3, "working_days") == at(2026, 3, 18, 17, 30)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (at(2026, 3, 13, 7), at(2026, 3, 17, 17, 30)),  # before opening: Friday counts
        (at(2026, 3, 13, 8, 30), at(2026, 3, 17, 17, 30)),  # at opening: Friday counts
        (at(2026, 3, 13, 8, 31), at(2026, 3, 18, 17, 30)),  # a part day does not count
        (at(2026, 3, 13, 20), at(2026, 3, 18, 17, 30)),  # after closing: from Monday
        (at(2026, 3, 14, 10), at(2026, 3, 18, 17, 30)),  # Saturday: from Monday
        (at(2026, 3, 16, 0), at(2026, 3, 18, 17, 30)),  # Monday midnight: Monday counts
    ],
)
def test_only_whole_working_days_count(
    cal: WorkCalendar, start: datetime, expected: datetime
) -> None:
    assert cal.add(start, 3, "working_days") == expected


def test_fractional_working_days_add_working_hours_after_the_whole_days(
    cal: WorkCalendar,
) -> None:
    # End of Monday, then 3.75 working hours on Tuesday.
    assert cal.add(at(2026, 3, 13, 15), 1.5, "working_days") == at(2026, 3, 17, 13, 45)
    assert cal.add(at(2026, 3, 16, 9), 0.5, "working_days") == at(2026, 3, 16, 14, 15)


# China's 2026 official calendar, as chinese-calendar records it.


def test_library_facts_for_spring_festival_and_national_day_2026() -> None:
    off = [date(2026, 2, d) for d in range(15, 24)] + [date(2026, 10, d) for d in range(1, 8)]
    adjusted = [date(2026, 2, 14), date(2026, 2, 28), date(2026, 9, 20), date(2026, 10, 10)]
    assert not any(chinese_calendar.is_workday(d) for d in off)
    assert all(chinese_calendar.is_workday(d) for d in adjusted)
    # Feb 14 is a Saturday, Sep 20 a Sunday: weekends turned into working days.
    assert [d.weekday() for d in adjusted] == [5, 5, 6, 5]


def test_every_day_of_2026_matches_the_official_calendar(cal: WorkCalendar) -> None:
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert cal.is_working_day(day) is chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_spring_festival_2026(cal: WorkCalendar) -> None:
    # Thursday: Friday 13, Saturday 14 (adjusted), then Tuesday 24 after the holiday.
    assert cal.add(at(2026, 2, 12, 10), 3, "working_days") == at(2026, 2, 24, 17, 30)
    assert cal.add(at(2026, 2, 14, 10), 1, "working_days") == at(2026, 2, 24, 17, 30)
    assert cal.add(at(2026, 2, 13, 16, 30), 2, "working_hours") == at(2026, 2, 14, 9, 30)
    assert cal.add(at(2026, 2, 14, 17), 1, "working_hours") == at(2026, 2, 24, 9)
    # Saturday 28 is a working day.
    assert cal.add(at(2026, 2, 26, 10), 2, "working_days") == at(2026, 2, 28, 17, 30)
    assert cal.add(at(2026, 2, 28, 10), 1, "working_days") == at(2026, 3, 2, 17, 30)


def test_national_day_2026(cal: WorkCalendar) -> None:
    assert cal.add(at(2026, 9, 30, 10), 1, "working_days") == at(2026, 10, 8, 17, 30)
    # Saturday 10 October is the adjusted working day that ends the three.
    assert cal.add(at(2026, 9, 30, 10), 3, "working_days") == at(2026, 10, 10, 17, 30)
    # Sunday 20 September works; Mid-Autumn (25–27 September) does not.
    assert cal.add(at(2026, 9, 18, 15), 1, "working_days") == at(2026, 9, 20, 17, 30)
    assert cal.add(at(2026, 9, 24, 15), 1, "working_days") == at(2026, 9, 28, 17, 30)


def test_next_working_day_and_working_days_between(cal: WorkCalendar) -> None:
    assert cal.next_working_day(date(2026, 2, 13)) == date(2026, 2, 14)
    assert cal.next_working_day(date(2026, 2, 14)) == date(2026, 2, 24)
    assert cal.working_days_between(date(2026, 3, 13), date(2026, 3, 18)) == 3
    assert cal.working_days_between(date(2026, 3, 18), date(2026, 3, 13)) == -3
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 28)) == 6
    # Across into an uncovered year: Friday 1 and Monday 4 January 2027.
    assert cal.working_days_between(date(2026, 12, 31), date(2027, 1, 4)) == 2


# Working hours.


def test_working_hours_skip_lunch(cal: WorkCalendar) -> None:
    assert cal.add(at(2026, 3, 16, 11, 30), 1, "working_hours") == at(2026, 3, 16, 14)
    assert cal.add(at(2026, 3, 16, 12, 30), 1, "working_hours") == at(2026, 3, 16, 14, 30)
    # The earliest moment: a limit that runs out at noon ends at noon, not at 13:30.
    assert cal.add(at(2026, 3, 16, 11, 30), 0.5, "working_hours") == at(2026, 3, 16, 12)


def test_working_hours_skip_nights_and_weekends(cal: WorkCalendar) -> None:
    assert cal.add(at(2026, 3, 16, 17), 1, "working_hours") == at(2026, 3, 17, 9)
    assert cal.add(at(2026, 3, 13, 17), 8, "working_hours") == at(2026, 3, 16, 17, 30)
    # 7.5 h is exactly one working day: it ends at closing time, not the next morning.
    assert cal.add(at(2026, 3, 16, 8, 30), 7.5, "working_hours") == at(2026, 3, 16, 17, 30)
    assert cal.add(at(2026, 3, 16, 8, 30), 15, "working_hours") == at(2026, 3, 17, 17, 30)


def test_start_outside_working_hours_counts_from_the_next_period(cal: WorkCalendar) -> None:
    assert cal.add(at(2026, 3, 16, 20), 1, "working_hours") == at(2026, 3, 17, 9, 30)
    assert cal.add(at(2026, 3, 16, 6), 1, "working_hours") == at(2026, 3, 16, 9, 30)
    assert cal.add(at(2026, 3, 14, 10), 1, "working_hours") == at(2026, 3, 16, 9, 30)


def test_working_hours_match_a_quarter_hour_simulation(cal: WorkCalendar) -> None:
    step = timedelta(minutes=15)

    def working_slot(moment: datetime) -> bool:
        clock = moment.time()
        return cal.is_working_day(moment.date()) and any(
            begin <= clock < end for begin, end in cal.periods
        )

    rng = random.Random(12345)
    for _ in range(150):
        start = at(2026, 1, 1) + step * rng.randrange(0, 4 * 24 * 400)
        quarters = rng.randrange(1, 4 * 40)
        moment, left = start, quarters
        while left:
            left -= working_slot(moment)
            moment += step
        result = cal.add(start, quarters / 4, "working_hours")
        assert result == moment, start
        assert cal.working_time_between(start, result) == step * quarters


def test_working_time_between(cal: WorkCalendar) -> None:
    # Friday 15:00 to Wednesday's close: 2.5 h + three days of 7.5 h.
    assert cal.working_time_between(at(2026, 3, 13, 15), at(2026, 3, 18, 17, 30)) == timedelta(
        hours=25
    )
    assert cal.working_time_between(at(2026, 3, 16, 11), at(2026, 3, 16, 14)) == timedelta(
        hours=1.5
    )
    # Friday 0.5 h, the adjusted Saturday 7.5 h, the holiday nothing, Tuesday 0.5 h.
    assert cal.working_time_between(at(2026, 2, 13, 17), at(2026, 2, 24, 9)) == timedelta(hours=8.5)
    assert cal.working_time_between(at(2026, 3, 18), at(2026, 3, 13)) == timedelta(0)


# Calendar units.


def test_calendar_units_ignore_holidays(cal: WorkCalendar) -> None:
    assert cal.add(at(2026, 9, 30, 20), 24, "hours") == at(2026, 10, 1, 20)
    assert cal.add(at(2026, 9, 30, 20), 2, "hours") == at(2026, 9, 30, 22)
    assert cal.add(at(2026, 9, 30, 20), 2, "calendar_days") == at(2026, 10, 2, 20)


def test_results_are_in_the_calendar_time_zone(cal: WorkCalendar) -> None:
    start = datetime(2026, 3, 16, 2, tzinfo=UTC)  # 10:00 in Shanghai
    result = cal.add(start, 1, "hours")
    assert result == at(2026, 3, 16, 11)
    assert result.tzinfo == SHANGHAI
    assert cal.add(start, 1, "working_hours") == at(2026, 3, 16, 11)


# Years the library does not cover, and a city's extra dates.


def test_uncovered_year_falls_back_to_weekdays(cal: WorkCalendar) -> None:
    assert cal.covered(2026)
    assert not cal.covered(2027)
    assert cal.is_working_day(date(2027, 1, 1))  # a Friday, unknown as New Year
    assert not cal.is_working_day(date(2027, 1, 2))
    assert cal.add(at(2026, 12, 31, 10), 1, "working_days") == at(2027, 1, 1, 17, 30)
    assert cal.add(at(2027, 6, 4, 15), 3, "working_days") == at(2027, 6, 9, 17, 30)


def test_extra_holiday_setting_is_skipped_in_an_uncovered_year() -> None:
    with override_settings(WORK_CALENDAR_EXTRA_HOLIDAYS=["2027-01-01"]):
        cal = default_calendar()
        assert not cal.is_working_day(date(2027, 1, 1))
        assert cal.add(at(2026, 12, 31, 10), 1, "working_days") == at(2027, 1, 4, 17, 30)
    assert default_calendar().is_working_day(date(2027, 1, 1))


def test_extra_workday_setting_and_override_of_a_covered_year() -> None:
    with override_settings(
        WORK_CALENDAR_EXTRA_WORKDAYS=["2027-01-02"], WORK_CALENDAR_EXTRA_HOLIDAYS=["2026-03-16"]
    ):
        cal = default_calendar()
        assert cal.is_working_day(date(2027, 1, 2))
        assert not cal.is_working_day(date(2026, 3, 16))
        assert cal.add(at(2026, 3, 13, 15), 1, "working_days") == at(2026, 3, 17, 17, 30)


def test_extra_file_adds_next_years_notice(tmp_path: Path) -> None:
    notice = tmp_path / "holidays.json"
    notice.write_text(
        json.dumps(
            {
                "source": "State Council notice for 2027 (test)",
                "covered_years": [2027],
                "holidays": ["2027-01-01"],
                "workdays": ["2027-01-02"],
            }
        )
    )
    with override_settings(WORK_CALENDAR_EXTRA_FILE=str(notice)):
        cal = default_calendar()
        assert cal.covered(2027)
        assert not cal.is_working_day(date(2027, 1, 1))
        assert cal.add(at(2026, 12, 31, 10), 1, "working_days") == at(2027, 1, 2, 17, 30)


def test_packaged_extra_file_is_well_formed() -> None:
    data = load_extra_file(EXTRA_FILE)
    assert set(data) == {"covered_years", "holidays", "workdays"}
    WorkCalendar(extra_holidays=data["holidays"], extra_workdays=data["workdays"])


def test_bad_configuration_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImproperlyConfigured, match="both"):
        WorkCalendar(extra_holidays=["2027-01-01"], extra_workdays=["2027-01-01"])
    with pytest.raises(ImproperlyConfigured, match="ISO date"):
        WorkCalendar(extra_holidays=["1 January 2027"])
    with pytest.raises(ImproperlyConfigured):
        WorkCalendar(hours=[("13:30", "17:30"), ("08:30", "12:00")])
    with pytest.raises(ImproperlyConfigured):
        WorkCalendar(hours=[("08:30", "25:00")])
    broken = tmp_path / "broken.json"
    broken.write_text('{"holidays": "2027-01-01"}')
    with pytest.raises(ImproperlyConfigured, match="must be a list"):
        load_extra_file(broken)


def test_working_hours_setting() -> None:
    with override_settings(WORK_CALENDAR_HOURS=[("09:00", "17:00")]):
        cal = default_calendar()
        assert cal.day_length == timedelta(hours=8)
        assert cal.add(at(2026, 3, 13, 15), 3, "working_days") == at(2026, 3, 18, 17)
        assert cal.add(at(2026, 3, 16, 11, 30), 1, "working_hours") == at(2026, 3, 16, 12, 30)


# Pauses (2026-03-16 is a Monday).


def test_pause_extends_by_the_paused_working_time(cal: WorkCalendar) -> None:
    start = at(2026, 3, 16, 9)
    assert cal.add(start, 8, "working_hours") == at(2026, 3, 17, 9, 30)
    paused = [(at(2026, 3, 16, 14), at(2026, 3, 16, 16))]
    assert cal.add_with_pauses(start, 8, "working_hours", paused) == at(2026, 3, 17, 11, 30)
    # Overnight: only the half hours before closing and after opening were working time.
    overnight = [(at(2026, 3, 16, 17), at(2026, 3, 17, 9))]
    assert cal.add_with_pauses(start, 8, "working_hours", overnight) == at(2026, 3, 17, 10, 30)


def test_overlapping_pauses_count_once(cal: WorkCalendar) -> None:
    paused = [
        (at(2026, 3, 16, 15), at(2026, 3, 16, 17)),
        (at(2026, 3, 16, 14), at(2026, 3, 16, 16)),
        (at(2026, 3, 16, 14, 30), at(2026, 3, 16, 15, 30)),
    ]
    # 14:00–17:00 paused: 3 h, so 09:30 becomes 12:00 + 0:30 after lunch.
    assert cal.add_with_pauses(at(2026, 3, 16, 9), 8, "working_hours", paused) == at(
        2026, 3, 17, 14
    )
    # A pause inside another adds nothing, even when it is the last to end.
    nested = [
        (at(2026, 3, 16, 14), at(2026, 3, 16, 17)),
        (at(2026, 3, 16, 15), at(2026, 3, 16, 16)),
    ]
    assert cal.add_with_pauses(at(2026, 3, 16, 9), 8, "working_hours", nested) == at(
        2026, 3, 17, 14
    )


def test_pause_on_a_working_days_limit(cal: WorkCalendar) -> None:
    paused = [(at(2026, 3, 16, 8), at(2026, 3, 16, 12))]  # 3.5 working hours on Monday
    assert cal.add_with_pauses(at(2026, 3, 13, 15), 3, "working_days", paused) == at(
        2026, 3, 19, 12
    )


def test_open_pause_leaves_the_deadline_unknown(cal: WorkCalendar) -> None:
    start = at(2026, 3, 16, 9)
    assert cal.add_with_pauses(start, 8, "working_hours", [(at(2026, 3, 16, 14), None)]) is None
    # A pause opened after the deadline has passed does not move it.
    late = [(at(2026, 3, 17, 10), None)]
    assert cal.add_with_pauses(start, 8, "working_hours", late) == at(2026, 3, 17, 9, 30)


def test_pauses_before_the_start_do_not_count(cal: WorkCalendar) -> None:
    start = at(2026, 3, 16, 9)
    before = [(at(2026, 3, 13, 9), at(2026, 3, 13, 17))]
    assert cal.add_with_pauses(start, 8, "working_hours", before) == at(2026, 3, 17, 9, 30)
    straddling = [(at(2026, 3, 16, 8), at(2026, 3, 16, 10))]  # only 09:00–10:00 counts
    assert cal.add_with_pauses(start, 8, "working_hours", straddling) == at(2026, 3, 17, 10, 30)


def test_pauses_on_calendar_units_count_calendar_time(cal: WorkCalendar) -> None:
    paused = [(at(2026, 3, 16, 20), at(2026, 3, 17, 2))]
    assert cal.add_with_pauses(at(2026, 3, 16, 10), 24, "hours", paused) == at(2026, 3, 17, 16)


def test_module_deadline_uses_the_default_calendar() -> None:
    paused = [(at(2026, 3, 16, 14), at(2026, 3, 16, 16))]
    assert deadline(at(2026, 3, 16, 9), 8, TimeUnit.WORKING_HOURS, paused=paused) == at(
        2026, 3, 17, 11, 30
    )
    assert deadline(at(2026, 3, 13, 15), 3, TimeUnit.WORKING_DAYS) == at(2026, 3, 18, 17, 30)


# Share of the time limit used.


def test_elapsed_share_in_working_time(cal: WorkCalendar) -> None:
    start = at(2026, 3, 16, 8, 30)
    due = cal.add(start, 2, "working_days")
    assert due == at(2026, 3, 17, 17, 30)
    assert cal.elapsed_share(start, due, start, "working_days") == 0.0
    assert cal.elapsed_share(start, due, at(2026, 3, 16, 17, 30), "working_days") == 0.5
    assert cal.elapsed_share(start, due, at(2026, 3, 17, 8), "working_days") == 0.5
    assert cal.elapsed_share(start, due, due, "working_days") == 1.0
    overdue = cal.elapsed_share(start, due, at(2026, 3, 18, 12), "working_days")
    assert overdue == pytest.approx(18.5 / 15)


def test_elapsed_share_in_calendar_time(cal: WorkCalendar) -> None:
    start = at(2026, 3, 16, 10)
    due = cal.add(start, 24, "hours")
    assert cal.elapsed_share(start, due, at(2026, 3, 16, 9), "hours") == 0.0
    assert cal.elapsed_share(start, due, at(2026, 3, 16, 22), "hours") == 0.5
    assert cal.elapsed_share(start, due, at(2026, 3, 17, 16), "hours") == 1.25


# Refusals.


def test_naive_datetimes_are_refused(cal: WorkCalendar) -> None:
    naive = datetime(2026, 3, 16, 10)
    aware = at(2026, 3, 16, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add(naive, 1, "working_days")
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add(naive, 1, "hours")
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.working_time_between(aware, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.add_with_pauses(aware, 1, "working_hours", [(naive, None)])
    with pytest.raises(ValueError, match="timezone-aware"):
        cal.elapsed_share(aware, aware + timedelta(hours=1), naive, "hours")


def test_bad_amounts_units_and_pauses_are_refused(cal: WorkCalendar) -> None:
    start = at(2026, 3, 16, 10)
    with pytest.raises(ValueError):
        cal.add(start, -1, "working_days")
    with pytest.raises(ValueError):
        cal.add(start, 1, "fortnights")
    with pytest.raises(ValueError, match="before it begins"):
        cal.add_with_pauses(start, 1, "hours", [(at(2026, 3, 16, 12), at(2026, 3, 16, 11))])


def test_time_unit_choices() -> None:
    with translation.override("en"):
        assert TimeUnit.choices == [
            ("hours", "Hours"),
            ("working_hours", "Working hours"),
            ("working_days", "Working days"),
            ("calendar_days", "Calendar days"),
        ]
