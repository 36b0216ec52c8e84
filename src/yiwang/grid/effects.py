"""What the grid's lifecycle actions change on a work order (registered with
``workorders.effects`` when the app is ready; the table rows live in ``workorders.lifecycle``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.core.errors import Conflict, ValidationFailed
from yiwang.workorders.choices import EventKind, State
from yiwang.workorders.effects import Effect, Fields, _text, _yes_no, effect
from yiwang.workorders.models import WorkOrder

# The timeline's names of the grid's events (workorders.choices.EventKind), translated in this
# app's catalogue.
EVENT_LABELS = (
    gettext_lazy("Handled by the grid worker (自办)"),
    gettext_lazy("Self-handling checked by the center"),
    gettext_lazy("Escalated by the grid worker (上报)"),
    gettext_lazy("self handle"),
    gettext_lazy("grid escalate"),
    gettext_lazy("check self handled"),
)


def needs_check(order: WorkOrder) -> bool:
    """Whether a self-handled order waits for the center's check (its category is not one of
    ``GRID_SELF_HANDLE_UNCHECKED_CATEGORIES``, by code or the code of its class)."""
    unchecked = {c.strip() for c in getattr(settings, "GRID_SELF_HANDLE_UNCHECKED_CATEGORIES", [])}
    category = order.category
    if category is None:
        return True
    codes = {category.code}
    if category.parent is not None:
        codes.add(category.parent.code)
    return not (codes & unchecked)


@effect("self_handle")
def _self_handle(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    note = _text(fields, "note", 1000)
    checked = needs_check(order)
    changes: dict[str, Any] = {"reply": note, "replied_at": now}
    if not checked:
        changes["closed_at"] = now
    return Effect(
        changes=changes,
        data={"needs_check": checked},
        to_state=None if checked else State.CLOSED,
    )


@effect("grid_escalate")
def _grid_escalate(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    if order.events.filter(kind=EventKind.GRID_ESCALATED).exists():
        raise Conflict(_("This matter has already been sent up."), details={"state": order.state})
    return Effect(data={"reason": _text(fields, "reason", 500)})


@effect("check_self_handled")
def _check_self_handled(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    if not order.events.filter(kind=EventKind.SELF_HANDLED).exists():
        raise Conflict(
            _("Only an order the grid worker handled themself is checked so."),
            details={"state": order.state},
        )
    accepted = _yes_no(fields, "accepted")
    if accepted is False:
        reason = _text(fields, "reason", 500)
        if not reason:
            raise ValidationFailed(_("Say why the handling is not accepted."), field="reason")
        # Back to the center, which handles it as any other report.
        return Effect(
            changes={"replied_at": None},
            data={"accepted": False},
            to_state=State.RECEIVED,
        )
    return Effect(changes={"closed_at": now}, data={"accepted": True})
