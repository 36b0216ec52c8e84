"""The SLA sweep (时限监控): warn, urge, supervise and escalate orders as their deadline nears
and passes.

``sweep_deadlines()`` runs every five minutes (``workorders.tasks``). For each order whose
unit's clock runs — dispatched, acknowledged or in progress, with a deadline and no pending
extension (the clock is paused) — it takes the stages that are due, each once per dispatch:

- **warn** when ``SLA_WARN_SHARE`` of the time limit has elapsed, before the deadline: a
  ``sla_warned`` timeline event, the state unchanged;
- **urge** (催办) at the deadline, through the ``urge`` action;
- **supervise** (督办) ``SLA_SUPERVISE_AFTER`` past the deadline, through ``supervise``;
- **escalate** (上报) ``SLA_ESCALATE_AFTER`` past the deadline, through ``escalate``, for a town
  or county order in a state the lifecycle lets go up (today: returned and not re-dispatched),
  when ``SLA_AUTO_ESCALATE``.

The system is the actor (``actor=None``): the lifecycle table's state checks apply, the role
checks do not, and each action writes its timeline event and audit record as a person's would.
A stage is done when the order has a system event of its kind since its latest dispatch, so a
re-dispatch (new unit, new time limit) starts the stages afresh. Each order is handled in its
own transaction; one that fails is logged with its traceback, counted, and tried again by the
next sweep. Every sweep writes one ``workorders.sla_sweep`` audit record with its counts.
"""

from __future__ import annotations

import logging
import traceback
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from yiwang.core.audit import record_audit
from yiwang.core.choices import AuditResult
from yiwang.core.workcalendar import TimeUnit, default_calendar
from yiwang.org.choices import Tier
from yiwang.workorders.choices import EventKind, State
from yiwang.workorders.lifecycle import ACTIONS
from yiwang.workorders.models import Whistle, WorkOrder, WorkOrderEvent
from yiwang.workorders.services import perform_action

logger = logging.getLogger(__name__)

# The unit's handling clock runs in these states (returned and disputed orders wait on the
# center or the joint conference, not on the unit).
CLOCK_STATES = frozenset({State.DISPATCHED, State.ACKNOWLEDGED, State.IN_PROGRESS})
# States an overdue order is escalated from: those the lifecycle allows, among the clock
# states and returned (an order the center has not re-dispatched).
ESCALATE_STATES = ACTIONS["escalate"].from_states & (CLOCK_STATES | {State.RETURNED})
ESCALATE_TIERS = frozenset({Tier.TOWN, Tier.COUNTY})

# Stored on the timeline in the city's language, like a dispatcher's own note.
WARN_NOTE = "办理时限已用去{percent}%，请于{due}前办结。"
URGE_NOTE = "已到办理时限，系统自动催办。"
WHISTLE_NOTE = "{unit}未在时限内报到。"
SUPERVISE_NOTE = "超过办理时限仍未办结，系统自动督办。"
ESCALATE_REASON = "超期未办结，自动上报"

AUDIT_ACTION = "workorders.sla_sweep"
CHUNK_SIZE = 500
MAX_REPORTED_FAILURES = 20

WARN, URGE, SUPERVISE, ESCALATE = "warn", "urge", "supervise", "escalate"
STAGE_EVENTS: dict[str, str] = {
    WARN: EventKind.SLA_WARNED,
    URGE: EventKind.URGED,
    SUPERVISE: EventKind.SUPERVISED,
    ESCALATE: EventKind.ESCALATED,
}
_STAGE_OF_EVENT = {kind: stage for stage, kind in STAGE_EVENTS.items()}
_COUNTERS = {WARN: "warned", URGE: "urged", SUPERVISE: "supervised", ESCALATE: "escalated"}


@dataclass
class SweepStats:
    """What one sweep did: orders looked at, stages taken, orders that failed."""

    checked: int = 0
    warned: int = 0
    urged: int = 0
    supervised: int = 0
    escalated: int = 0
    whistles_unanswered: int = 0
    failed: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if k != "failures"}


@dataclass(frozen=True)
class SlaPolicy:
    """The sweep's settings, read once per sweep."""

    warn_share: float
    supervise_after: tuple[float, str]
    escalate_after: tuple[float, str]
    auto_escalate: bool

    @classmethod
    def from_settings(cls) -> SlaPolicy:
        return cls(
            warn_share=float(getattr(settings, "SLA_WARN_SHARE", 0.8)),
            supervise_after=getattr(settings, "SLA_SUPERVISE_AFTER", (1, TimeUnit.WORKING_DAYS)),
            escalate_after=getattr(settings, "SLA_ESCALATE_AFTER", (3, TimeUnit.WORKING_DAYS)),
            auto_escalate=bool(getattr(settings, "SLA_AUTO_ESCALATE", True)),
        )


def sweep_deadlines(*, now: datetime | None = None) -> SweepStats:
    """Warn, urge, supervise and escalate every order whose stage is due at ``now`` (default:
    the current time), once each per dispatch; record the sweep in the audit log and return
    its counts. A failure of the sweep itself is recorded with its traceback and re-raised."""
    now = now or timezone.now()
    policy = SlaPolicy.from_settings()
    stats = SweepStats()
    try:
        for chunk in _chunks(candidates(now, policy)):
            done = _stages_done(chunk)
            for order in chunk:
                _sweep_one(order, now, policy, done[order.pk], stats)
            logger.debug("SLA sweep: %d orders checked so far", stats.checked)
        stats.whistles_unanswered = flag_unanswered_whistles(now)
    except Exception:
        _record(now, stats, result=AuditResult.FAILURE, error=traceback.format_exc())
        raise
    _record(now, stats, result=AuditResult.SUCCESS)
    logger.info("SLA sweep at %s: %s", now.isoformat(), stats.counts())
    return stats


def candidates(now: datetime, policy: SlaPolicy) -> QuerySet[WorkOrder]:
    """The orders a sweep at ``now`` may have to act on, narrowed in the database: clock states
    with a deadline near enough to warn about (or passed), overdue orders that may be escalated,
    without those whose last stage is already done."""
    open_orders = WorkOrder.objects.filter(
        due_at__isnull=False, dispatched_at__isnull=False, extension_pending=False
    )
    clock = Q(state__in=CLOCK_STATES) & _warn_window(open_orders, now, policy)
    wanted = clock
    if policy.auto_escalate and ESCALATE_STATES:
        wanted |= Q(state__in=ESCALATE_STATES, tier__in=ESCALATE_TIERS, due_at__lte=now)
    # Clock states that cannot go up are finished once supervised; anything once escalated.
    finished = Q(_since_dispatch(EventKind.ESCALATED))
    if CLOCK_STATES - ESCALATE_STATES:
        finished |= Q(state__in=CLOCK_STATES - ESCALATE_STATES) & Q(
            _since_dispatch(EventKind.SUPERVISED)
        )
    return open_orders.filter(wanted).exclude(finished)


def _warn_window(orders: QuerySet[WorkOrder], now: datetime, policy: SlaPolicy) -> Q:
    """Deadlines late enough that less than ``1 - warn_share`` of the limit remains, per time
    unit, from the longest limit in use. A working-day limit counts from the closing of the
    dispatch day, so the limit may hold up to one more day of working time: allow for it.
    Orders with an extension (their deadline is a chosen date) are always looked at."""
    window = Q(due_at__lte=now) | Q(extension_count__gt=0)
    calendar = default_calendar()
    longest = (
        orders.filter(state__in=CLOCK_STATES)
        .order_by()
        .values_list("time_limit_unit")
        .annotate(longest=Max("time_limit"))
    )
    for unit, limit in longest:
        if unit not in TimeUnit.values or limit is None:
            continue
        remaining = (1 - policy.warn_share) * (float(limit) + 1)
        window |= Q(time_limit_unit=unit, due_at__lte=calendar.add(now, remaining, unit))
    return window


def _since_dispatch(kind: str) -> Exists:
    return Exists(
        WorkOrderEvent.objects.filter(
            order=OuterRef("pk"),
            kind=kind,
            actor__isnull=True,
            created_at__gte=OuterRef("dispatched_at"),
        )
    )


def _chunks(qs: QuerySet[WorkOrder]) -> Iterator[list[WorkOrder]]:
    """The orders by primary key, a chunk at a time (a keyset, not offsets)."""
    qs = qs.select_related("center").order_by("pk")
    last = 0
    while chunk := list(qs.filter(pk__gt=last)[:CHUNK_SIZE]):
        yield chunk
        last = chunk[-1].pk


def _stages_done(chunk: list[WorkOrder]) -> dict[int, set[str]]:
    """The stages each order of the chunk has had since its latest dispatch (one query)."""
    dispatched = {order.pk: order.dispatched_at for order in chunk}
    done: dict[int, set[str]] = defaultdict(set)
    events = WorkOrderEvent.objects.filter(
        order_id__in=dispatched, actor__isnull=True, kind__in=STAGE_EVENTS.values()
    ).values_list("order_id", "kind", "created_at")
    for order_id, kind, created_at in events:
        since = dispatched[order_id]
        if since is not None and created_at >= since:
            done[order_id].add(_STAGE_OF_EVENT[kind])
    return done


def _sweep_one(
    order: WorkOrder, now: datetime, policy: SlaPolicy, done: set[str], stats: SweepStats
) -> None:
    stats.checked += 1
    try:
        with transaction.atomic():
            taken = due_stages(order, now, policy, done)
            for stage in taken:
                _take(order, stage, now)
    except Exception as exc:  # one order must not stop the sweep; the next one retries it
        logger.exception("SLA sweep: order %s failed", order.number)
        stats.failed += 1
        if len(stats.failures) < MAX_REPORTED_FAILURES:
            stats.failures.append({"order": order.number, "error": repr(exc)})
        return
    for stage in taken:
        setattr(stats, _COUNTERS[stage], getattr(stats, _COUNTERS[stage]) + 1)


def due_stages(order: WorkOrder, now: datetime, policy: SlaPolicy, done: set[str]) -> list[str]:
    """The stages to take on ``order`` at ``now``, in order, leaving out those in ``done``."""
    due = order.due_at
    if due is None or order.dispatched_at is None or order.extension_pending:
        return []
    calendar = default_calendar()
    stages: list[str] = []
    if order.state in CLOCK_STATES:
        if now < due:
            if WARN not in done and _share(order, now) >= policy.warn_share:
                stages.append(WARN)
            return stages
        if URGE not in done:
            stages.append(URGE)
        if SUPERVISE not in done and now >= calendar.add(due, *policy.supervise_after):
            stages.append(SUPERVISE)
    if (
        policy.auto_escalate
        and order.state in ESCALATE_STATES
        and order.tier in ESCALATE_TIERS
        and ESCALATE not in done
        and now >= calendar.add(due, *policy.escalate_after)
    ):
        stages.append(ESCALATE)
    return stages


def _share(order: WorkOrder, now: datetime) -> float:
    assert order.dispatched_at is not None and order.due_at is not None
    unit = order.time_limit_unit or TimeUnit.HOURS
    return default_calendar().elapsed_share(order.dispatched_at, order.due_at, now, unit)


def _take(order: WorkOrder, stage: str, now: datetime) -> None:
    if stage == WARN:
        warn_work_order(order, now=now)
    elif stage == URGE:
        perform_action(order, "urge", actor=None, note=URGE_NOTE)
    elif stage == SUPERVISE:
        perform_action(order, "supervise", actor=None, note=SUPERVISE_NOTE)
    else:
        perform_action(order, "escalate", actor=None, reason=ESCALATE_REASON)


def flag_unanswered_whistles(now: datetime) -> int:
    """Put "whistle not answered in time" on the timeline of every order whose called unit let
    the answer time pass, once per whistle, with its audit record; answer how many."""
    flagged = 0
    late = (
        Whistle.objects.filter(answered_at=None, overdue_noted_at=None, answer_by__lt=now)
        .select_related("order", "department")
        .order_by("answer_by")
    )
    for whistle in late[:1000]:
        with transaction.atomic():
            if not Whistle.objects.filter(pk=whistle.pk, overdue_noted_at=None).update(
                overdue_noted_at=now
            ):
                continue  # another sweep took it
            data = {
                "department": whistle.department.code,
                "department_name": whistle.department.name,
                "answer_by": whistle.answer_by.isoformat(),
            }
            WorkOrderEvent.objects.create(
                order=whistle.order,
                kind=EventKind.WHISTLE_OVERDUE,
                actor=None,
                note=WHISTLE_NOTE.format(unit=whistle.department.name),
                data=data,
                created_at=timezone.now(),
            )
            record_audit("workorder.whistle_overdue", actor=None, obj=whistle.order, after=data)
        flagged += 1
    return flagged


def warn_work_order(order: WorkOrder, *, now: datetime) -> WorkOrderEvent:
    """Put "deadline approaching" on the order's timeline, with its audit record; the order
    itself (state, version) is left alone, so no one's concurrent action is refused for it."""
    assert order.due_at is not None
    share = _share(order, now)
    due = timezone.localtime(order.due_at)
    data = {"share": round(share, 3), "due_at": order.due_at.isoformat()}
    with transaction.atomic():
        event = WorkOrderEvent.objects.create(
            order=order,
            kind=EventKind.SLA_WARNED,
            actor=None,
            note=WARN_NOTE.format(percent=int(share * 100), due=due.strftime("%Y-%m-%d %H:%M")),
            data=data,
            created_at=timezone.now(),
        )
        record_audit(
            "workorder.sla_warned",
            actor=None,
            obj=order,
            after={"state": order.state, **data},
        )
    return event


def _record(now: datetime, stats: SweepStats, *, result: str, error: str = "") -> None:
    after: dict[str, Any] = {"now": now.isoformat(), **stats.counts()}
    if stats.failures:
        after["failures"] = stats.failures
    if error:
        after["error"] = error
    with transaction.atomic():
        record_audit(
            AUDIT_ACTION,
            actor=None,
            object_type="workorders.workorder",
            after=after,
            result=result,
        )
