"""The SLA sweep: warn, urge, supervise and escalate by deadline, once each; and its job wiring.

Orders are made through the real services (dispatched now); the sweep is run at chosen moments
with ``now=`` instead of waiting.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from yiwang.config.env import TIME_UNITS, check_share, parse_duration
from yiwang.config.huey import check_redis_client, huey_settings
from yiwang.core.models import AuditRecord
from yiwang.core.workcalendar import TimeUnit, default_calendar
from yiwang.org.choices import Tier
from yiwang.workorders import sla
from yiwang.workorders.choices import EventKind, State
from yiwang.workorders.models import WorkOrder, WorkOrderEvent

from .factories import City, load_city, order_in, step

MINUTE = timedelta(minutes=1)


@pytest.fixture
def city(db: Any) -> City:
    return load_city()


def _at_share(order: WorkOrder, share: float) -> datetime:
    """The moment ``share`` of the order's time limit has elapsed (bisecting on the calendar)."""
    assert order.dispatched_at is not None and order.due_at is not None
    low, high = order.dispatched_at, order.due_at
    for _ in range(60):
        middle = low + (high - low) / 2
        elapsed = default_calendar().elapsed_share(
            order.dispatched_at, order.due_at, middle, order.time_limit_unit
        )
        low, high = (middle, high) if elapsed < share else (low, middle)
    return high


def _due(order: WorkOrder) -> datetime:
    assert order.due_at is not None
    return order.due_at


def _after_due(order: WorkOrder, amount: float, unit: str = TimeUnit.WORKING_DAYS) -> datetime:
    assert order.due_at is not None
    return default_calendar().add(order.due_at, amount, unit) + MINUTE


def _system_events(order: WorkOrder, kind: str) -> list[WorkOrderEvent]:
    return list(WorkOrderEvent.objects.filter(order=order, kind=kind, actor__isnull=True))


def test_warns_once_when_the_share_of_the_limit_is_used(city: City) -> None:
    order = order_in(city, State.IN_PROGRESS)

    assert sla.sweep_deadlines(now=_at_share(order, 0.7)).warned == 0
    stats = sla.sweep_deadlines(now=_at_share(order, 0.85))
    again = sla.sweep_deadlines(now=_at_share(order, 0.95))

    order.refresh_from_db()
    [warning] = _system_events(order, EventKind.SLA_WARNED)
    assert (stats.warned, again.warned) == (1, 0)
    assert order.state == State.IN_PROGRESS and order.urge_count == 0
    assert warning.data["due_at"] == order.due_at.isoformat()
    assert "85%" in warning.note
    assert AuditRecord.objects.filter(action="workorder.sla_warned", object_id=str(order.pk))


@override_settings(SLA_WARN_SHARE=0.5)
def test_the_warning_share_is_a_setting(city: City) -> None:
    order = order_in(city, State.DISPATCHED)
    assert sla.sweep_deadlines(now=_at_share(order, 0.6)).warned == 1


def test_urges_at_the_deadline_once(city: City) -> None:
    order = order_in(city, State.ACKNOWLEDGED)
    assert order.due_at is not None

    assert sla.sweep_deadlines(now=order.due_at - MINUTE).urged == 0
    first = sla.sweep_deadlines(now=order.due_at + MINUTE)
    second = sla.sweep_deadlines(now=order.due_at + 2 * MINUTE)

    order.refresh_from_db()
    [urge] = _system_events(order, EventKind.URGED)
    assert (first.urged, second.urged) == (1, 0)
    assert order.urge_count == 1
    assert order.state == State.ACKNOWLEDGED
    assert urge.note == sla.URGE_NOTE
    audit = AuditRecord.objects.get(action="workorder.urge", object_id=str(order.pk))
    assert audit.actor_id is None


def test_supervises_a_working_day_after_the_deadline(city: City) -> None:
    order = order_in(city, State.IN_PROGRESS)

    sla.sweep_deadlines(now=_due(order) + MINUTE)
    assert sla.sweep_deadlines(now=_after_due(order, 0.5)).supervised == 0
    stats = sla.sweep_deadlines(now=_after_due(order, 1))
    later = sla.sweep_deadlines(now=_after_due(order, 5))

    order.refresh_from_db()
    [supervision] = _system_events(order, EventKind.SUPERVISED)
    assert (stats.supervised, stats.urged, later.supervised) == (1, 0, 0)
    assert supervision.note == sla.SUPERVISE_NOTE
    assert order.urge_count == 1
    # Handled orders cannot go up in the lifecycle: urged and supervised, never escalated.
    assert later.escalated == 0 and order.tier == Tier.TOWN


def test_a_late_first_sweep_catches_up_in_one_transaction(city: City) -> None:
    order = order_in(city, State.DISPATCHED)

    stats = sla.sweep_deadlines(now=_after_due(order, 2))

    assert (stats.warned, stats.urged, stats.supervised) == (0, 1, 1)


def test_escalates_a_returned_town_order_left_overdue(city: City) -> None:
    order = order_in(city, State.RETURNED)
    assert order.tier == Tier.TOWN

    assert sla.sweep_deadlines(now=_after_due(order, 2)).escalated == 0
    stats = sla.sweep_deadlines(now=_after_due(order, 3))
    again = sla.sweep_deadlines(now=_after_due(order, 10))

    order.refresh_from_db()
    [escalation] = _system_events(order, EventKind.ESCALATED)
    assert (stats.escalated, again.escalated) == (1, 0)
    assert (order.tier, order.state) == (Tier.COUNTY, State.RECEIVED)
    assert escalation.note == "超期未办结，自动上报"
    assert escalation.data["tier"] == Tier.COUNTY
    # The returned order waits on the center, not the unit: no urge counted against the unit.
    assert order.urge_count == 0


@override_settings(SLA_AUTO_ESCALATE=False)
def test_automatic_escalation_can_be_turned_off(city: City) -> None:
    order = order_in(city, State.RETURNED)

    assert sla.sweep_deadlines(now=_after_due(order, 5)).escalated == 0
    order.refresh_from_db()
    assert order.tier == Tier.TOWN


def test_a_pending_extension_pauses_the_clock(city: City) -> None:
    order = order_in(city, State.IN_PROGRESS)
    assert order.due_at is not None
    step(
        city,
        order,
        "request_extension",
        "dept_handler",
        until=order.due_at + timedelta(days=7),
        reason="需协调供电部门",
    )

    stats = sla.sweep_deadlines(now=_after_due(order, 5))

    order.refresh_from_db()
    assert stats.checked == 0
    assert order.urge_count == 0
    assert not _system_events(order, EventKind.SUPERVISED)


def test_closed_and_unscheduled_orders_are_untouched(city: City) -> None:
    closed = order_in(city, State.CLOSED)
    received = order_in(city, State.RECEIVED)
    versions = (closed.version, received.version)
    events = WorkOrderEvent.objects.count()

    stats = sla.sweep_deadlines(now=_after_due(closed, 10))

    assert stats.checked == 0
    assert WorkOrderEvent.objects.count() == events
    closed.refresh_from_db()
    received.refresh_from_db()
    assert (closed.version, received.version) == versions
    assert closed.urge_count == 0


def test_a_redispatch_starts_the_stages_afresh(city: City) -> None:
    order = order_in(city, State.DISPATCHED)
    sla.sweep_deadlines(now=_due(order) + MINUTE)
    order.refresh_from_db()
    order = step(city, order, "return", "dept_handler", reason="不属于本单位职责")
    order = step(
        city, order, "redispatch", "town_dispatcher", department=city.other_department.code
    )

    stats = sla.sweep_deadlines(now=_due(order) + MINUTE)

    order.refresh_from_db()
    assert stats.urged == 1
    assert order.urge_count == 2
    assert len(_system_events(order, EventKind.URGED)) == 2


def test_one_failing_order_does_not_stop_the_sweep(
    city: City, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = order_in(city, State.IN_PROGRESS)
    healthy = order_in(city, State.IN_PROGRESS)
    real = sla.perform_action

    def perform(order: WorkOrder, name: str, **kwargs: Any) -> WorkOrder:
        if order.pk == broken.pk:
            raise RuntimeError("database hiccup")
        return real(order, name, **kwargs)

    monkeypatch.setattr(sla, "perform_action", perform)
    stats = sla.sweep_deadlines(now=_after_due(healthy, 1))

    broken.refresh_from_db()
    healthy.refresh_from_db()
    assert (stats.failed, stats.urged, stats.supervised) == (1, 1, 1)
    assert (broken.urge_count, healthy.urge_count) == (0, 1)
    record = AuditRecord.objects.filter(action=sla.AUDIT_ACTION).latest("id")
    assert record.after["failed"] == 1
    assert record.after["failures"][0]["order"] == broken.number


def test_each_sweep_is_recorded_with_its_counts(city: City) -> None:
    order = order_in(city, State.DISPATCHED)

    sla.sweep_deadlines(now=_due(order) + MINUTE)

    record = AuditRecord.objects.filter(action=sla.AUDIT_ACTION).latest("id")
    assert record.result == "success"
    assert record.after["checked"] == 1
    assert record.after["urged"] == 1
    assert record.after["now"] == (_due(order) + MINUTE).isoformat()


def test_candidates_leave_out_far_deadlines_and_finished_orders(city: City) -> None:
    order = order_in(city, State.IN_PROGRESS)
    policy = sla.SlaPolicy.from_settings()
    assert order.dispatched_at is not None

    assert not sla.candidates(order.dispatched_at + MINUTE, policy).exists()
    assert sla.candidates(_at_share(order, 0.81), policy).exists()
    sla.sweep_deadlines(now=_after_due(order, 1))
    assert not sla.candidates(_after_due(order, 2), policy).exists()


# --- the job ---------------------------------------------------------------------------------


@pytest.fixture
def immediate_huey() -> Iterator[Any]:
    from huey.contrib.djhuey import HUEY

    was = HUEY.immediate
    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = was


def test_the_periodic_task_runs_the_sweep(city: City, immediate_huey: Any) -> None:
    from yiwang.workorders.tasks import sla_sweep_task

    sla_sweep_task()

    assert AuditRecord.objects.filter(action=sla.AUDIT_ACTION).count() == 1


def test_the_sweep_is_scheduled_every_five_minutes(immediate_huey: Any) -> None:
    from yiwang.workorders.tasks import sla_sweep_task

    def scheduled(minute: int) -> bool:
        moment = datetime(2026, 12, 1, 9, minute)
        return any(
            isinstance(task, sla_sweep_task.task_class)
            for task in immediate_huey.read_periodic(moment)
        )

    assert scheduled(5) and scheduled(10)
    assert not scheduled(7)


def test_huey_uses_sqlite_under_var_by_default(tmp_path: Path) -> None:
    config = huey_settings(redis_url="", var_dir=tmp_path)
    assert config["huey_class"] == "huey.SqliteHuey"
    assert config["filename"] == str(tmp_path / "huey.sqlite3")
    assert "url" not in config and config["immediate"] is False


def test_huey_uses_redis_when_redis_url_is_set(tmp_path: Path) -> None:
    config = huey_settings(redis_url="redis://127.0.0.1:6379/2", var_dir=tmp_path, workers=4)
    assert config["huey_class"] == "huey.PriorityRedisHuey"
    assert config["url"] == "redis://127.0.0.1:6379/2"
    assert "filename" not in config
    assert config["consumer"]["workers"] == 4


def test_redis_url_without_the_redis_package_stops_start_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ImproperlyConfigured, match="redis"):
        check_redis_client("redis://127.0.0.1:6379/2")
    check_redis_client("")


def test_the_sqlite_queue_takes_and_gives_back_a_job(tmp_path: Path) -> None:
    from huey.utils import load_class

    options = huey_settings(redis_url="", var_dir=tmp_path)
    queue = load_class(options["huey_class"])("test", filename=options["filename"])

    @queue.task()
    def add(a: int, b: int) -> int:
        return a + b

    result = add(2, 3)
    assert len(queue) == 1
    queue.execute(queue.dequeue())
    assert result.get() == 5


def test_sla_durations_are_checked_at_start_up() -> None:
    assert parse_duration("SLA_SUPERVISE_AFTER", "", (1, "working_days")) == (1, "working_days")
    assert parse_duration("X", '[4, "working_hours"]', (1, "working_days")) == (
        4.0,
        "working_hours",
    )
    with pytest.raises(ImproperlyConfigured, match="SLA_ESCALATE_AFTER"):
        parse_duration("SLA_ESCALATE_AFTER", '[3, "fortnights"]', (3, "working_days"))
    with pytest.raises(ImproperlyConfigured, match="JSON"):
        parse_duration("SLA_ESCALATE_AFTER", "3 days", (3, "working_days"))
    with pytest.raises(ImproperlyConfigured):
        check_share("SLA_WARN_SHARE", 1.5)
    assert set(TIME_UNITS) == set(TimeUnit.values)


def test_the_worker_refuses_to_start_in_immediate_mode(tmp_path: Path) -> None:
    from django.core.management import CommandError, call_command

    config = huey_settings(redis_url="", var_dir=tmp_path, immediate=True)
    with override_settings(HUEY=config), pytest.raises(CommandError, match="HUEY_IMMEDIATE"):
        call_command("worker")
