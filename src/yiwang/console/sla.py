"""How close each order is to its deadline, for the queue's colours and countdowns.

Risk follows the SLA sweep's rules (``workorders.sla``): the unit's clock runs in the handling
states; *near* is ``SLA_WARN_SHARE`` of the time limit used (working time for working-day and
working-hour limits, as the sweep counts it); *overdue* is the deadline passed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from yiwang.core.workcalendar import TimeUnit, default_calendar
from yiwang.workorders.choices import HANDLING_STATES
from yiwang.workorders.models import WorkOrder

ON_TIME, NEAR, OVERDUE, NONE = "on_time", "near", "overdue", "none"


@dataclass(frozen=True)
class Deadline:
    risk: str
    label: str  # the countdown, e.g. "2 days 3 h left" or "5 h overdue"


def _span(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return ngettext("%(d)d day %(h)d h", "%(d)d days %(h)d h", days) % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": mins}
    return _("%(m)d min") % {"m": mins}


def deadline_of(order: WorkOrder, now: datetime) -> Deadline:
    """The order's risk and countdown at ``now``; NONE when no clock runs for it."""
    if order.due_at is None or order.state not in HANDLING_STATES:
        return Deadline(NONE, "")
    remaining = (order.due_at - now).total_seconds()
    if remaining <= 0:
        return Deadline(OVERDUE, _("%(span)s overdue") % {"span": _span(-remaining)})
    label = _("%(span)s left") % {"span": _span(remaining)}
    if order.extension_pending:
        return Deadline(ON_TIME, _("paused: extension requested"))
    share = 0.0
    if order.dispatched_at is not None:
        unit = order.time_limit_unit or TimeUnit.HOURS
        share = default_calendar().elapsed_share(order.dispatched_at, order.due_at, now, unit)
    warn = float(getattr(settings, "SLA_WARN_SHARE", 0.8))
    return Deadline(NEAR if share >= warn else ON_TIME, label)
