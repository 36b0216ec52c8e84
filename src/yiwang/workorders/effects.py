"""What each lifecycle action changes on the order, once ``services._apply`` has let it through.

An effect reads the stored order and the action's fields, checks what only it can check (the
department exists, the extension is pending, the return window is open …) and answers the
column changes, the timeline data, and — rarely — a target state other than the table's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils.translation import gettext as _

from yiwang.core.errors import Conflict, ValidationFailed
from yiwang.org.choices import Role
from yiwang.org.models import Department, RoleAssignment
from yiwang.workorders import deadlines
from yiwang.workorders.choices import (
    FINAL_STATES,
    UNSATISFIED_RATINGS,
    EmergencyLine,
    Priority,
    Rating,
    RequestType,
    State,
)
from yiwang.workorders.models import Category, Whistle, WorkOrder


@dataclass
class Effect:
    changes: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    to_state: str | None = None
    add_departments: list[Department] = field(default_factory=list)


Fields = dict[str, Any]
EffectFn = Callable[[WorkOrder, Any, Fields, datetime], Effect]
EFFECTS: dict[str, EffectFn] = {}


def effect(name: str) -> Callable[[EffectFn], EffectFn]:
    def register(fn: EffectFn) -> EffectFn:
        EFFECTS[name] = fn
        return fn

    return register


def suggest_route(order: WorkOrder) -> dict[str, Any] | None:
    """The dispatch catalogue's answer for the order, as timeline data (None: no answer)."""
    from yiwang.workorders.routing import route

    if order.category is None:
        return None
    try:
        decision = route(order.category, county=order.county, town=order.town)
    except ValidationFailed:  # neither a rule nor a default department applies
        return None
    return {
        "department": decision.department.code,
        "department_name": decision.department.name,
        "tier": str(decision.tier),
        "rule": decision.rule.pk if decision.rule is not None else None,
        "reason": str(decision.reason),
        "direct": decision.direct,
    }


def _department(value: Any, name: str = "department") -> Department:
    if isinstance(value, Department):
        return value
    department = Department.objects.filter(code=str(value), is_active=True).first()
    if department is None:
        raise ValidationFailed(_("Unknown department %(code)s.") % {"code": value}, field=name)
    return department


def dispatch_to(order: WorkOrder, department: Department, now: datetime) -> Effect:
    """Hand the order to ``department`` with a fresh time limit starting now."""
    amount, unit = deadlines.time_limit(order)
    due = deadlines.due_after(now, amount, unit)
    return Effect(
        changes={
            "lead_department": department,
            "handler": None,
            "dispatched_at": now,
            "acknowledged_at": None,
            "time_limit": amount,
            "time_limit_unit": unit,
            "due_at": due,
            "extension_pending": False,
            "paused": [],
        },
        data={
            "department": department.code,
            "department_name": department.name,
            "due_at": due.isoformat(),
        },
    )


@effect("classify")
def _classify(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    category = Category.objects.filter(code=str(fields["category"]), is_active=True).first()
    if category is None:
        raise ValidationFailed(
            _("Unknown category %(code)s.") % {"code": fields["category"]}, field="category"
        )
    changes: dict[str, Any] = {"category": category}
    priority = fields.get("priority")
    if priority:
        if priority not in Priority.values:
            raise ValidationFailed(_("Unknown priority."), field="priority")
        changes["priority"] = priority
    if fields.get("needs_verification") is not None:
        changes["needs_verification"] = bool(fields["needs_verification"])
    order.category = category
    return Effect(
        changes=changes,
        data={
            "category": category.code,
            "route": suggest_route(order),
            **{k: v for k, v in changes.items() if k != "category"},
        },
    )


@effect("dispatch")
def _dispatch(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    value = fields.get("department")
    if not value:
        suggestion = suggest_route(order)
        if suggestion is None:
            raise ValidationFailed(
                _("Name the department: the dispatch catalogue has no answer."),
                field="department",
            )
        value = suggestion["department"]
    return dispatch_to(order, _department(value), now)


@effect("redispatch")
def _redispatch(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    department = _department(fields.get("department") or "")
    if department.pk == order.lead_department_id:
        raise ValidationFailed(
            _("%(dept)s returned this order; dispatch it to another unit.")
            % {"dept": department.name},
            field="department",
        )
    return dispatch_to(order, department, now)


@effect("rule")
def _rule(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    return dispatch_to(order, _department(fields["department"]), now)


@effect("acknowledge")
def _acknowledge(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    return Effect(changes={"acknowledged_at": now, "handler": actor})


@effect("start")
def _start(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    return Effect(changes={"handler": actor} if order.handler_id is None else {})


@effect("reply")
def _reply(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    return Effect(changes={"reply": _text(fields, "reply"), "replied_at": now})


@effect("return")
def _return(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    if order.dispatched_at is not None and now > deadlines.return_deadline(order.dispatched_at):
        raise Conflict(
            _("The time to return this order has passed; ask for a ruling instead."),
            details={"state": order.state, "dispatched_at": order.dispatched_at.isoformat()},
        )
    department = order.lead_department
    return Effect(
        changes={"return_count": F("return_count") + 1},
        data={"department": department.code if department else None},
    )


@effect("request_extension")
def _request_extension(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    until = _datetime(fields, "until")
    if order.extension_pending:
        raise Conflict(_("An extension request is already pending."), details={"field": "until"})
    if order.due_at is not None and now >= order.due_at:
        raise Conflict(
            _("An extension must be requested before the deadline (%(due)s).")
            % {"due": order.due_at.isoformat()},
            details={"due_at": order.due_at.isoformat()},
        )
    if order.due_at is not None and until <= order.due_at:
        raise ValidationFailed(_("Ask for a date after the current deadline."), field="until")
    changes: dict[str, Any] = {
        "extension_requested_until": until,
        "extension_pending": True,
        "extension_count": F("extension_count") + 1,
    }
    if deadlines.pause_during_extension():
        changes["paused"] = [*order.paused, [now.isoformat(), None]]
    return Effect(changes=changes, data={"requested_until": until.isoformat()})


def _close_pause(order: WorkOrder, now: datetime) -> list[list[str | None]]:
    return [[a, b if b is not None else now.isoformat()] for a, b in order.paused]


def _pending(order: WorkOrder) -> None:
    if not order.extension_pending:
        raise Conflict(_("No extension request is pending."), details={"state": order.state})


@effect("grant_extension")
def _grant_extension(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    _pending(order)
    until = _datetime(fields, "until") if fields.get("until") else order.extension_requested_until
    assert until is not None
    return Effect(
        changes={
            "extension_granted_until": until,
            "extension_pending": False,
            "due_at": until,
            "paused": _close_pause(order, now),
        },
        data={"granted_until": until.isoformat()},
    )


@effect("deny_extension")
def _deny_extension(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    _pending(order)
    paused = _close_pause(order, now)
    changes: dict[str, Any] = {"extension_pending": False, "paused": paused}
    # The clock stood still while the request waited: the deadline moves by that much, unless
    # an earlier grant fixed it to a date.
    if (
        order.extension_granted_until is None
        and order.dispatched_at is not None
        and order.time_limit is not None
    ):
        due = deadlines.due_with_pauses(
            order.dispatched_at, order.time_limit, order.time_limit_unit, paused
        )
        if due is not None:
            changes["due_at"] = due
    due_at = changes.get("due_at", order.due_at)
    return Effect(changes=changes, data={"due_at": due_at.isoformat() if due_at else None})


@effect("approve")
def _approve(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    return Effect(to_state=State.VERIFYING if order.needs_verification else State.CALLBACK)


@effect("reject")
def _reject(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    return Effect(changes={"reopen_count": F("reopen_count") + 1})


@effect("verify")
def _verify(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    return Effect()


def _rating(fields: Fields) -> str:
    rating = str(fields.get("rating") or "")
    if rating not in Rating.values:
        raise ValidationFailed(
            _("Rating must be one of %(r)s.") % {"r": ", ".join(Rating.values)}, field="rating"
        )
    return rating


@effect("callback")
def _callback(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    rating = _rating(fields)
    resolved = _yes_no(fields, "resolved")
    return Effect(
        changes={"rating": rating, "closed_at": now, "resolved": resolved},
        data={"rating": rating, "resolved": resolved},
    )


def _yes_no(fields: Fields, name: str) -> bool | None:
    """An optional yes/no answer: a bool, or its usual spellings in a form or JSON."""
    value = fields.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "是"):
        return True
    if text in ("false", "0", "no", "否"):
        return False
    raise ValidationFailed(_("%(f)s must be yes or no.") % {"f": name}, field=name)


@effect("reopen")
def _reopen(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    rating = _rating(fields)
    if rating not in UNSATISFIED_RATINGS:
        raise ValidationFailed(
            _("Only an unsatisfied citizen's order is reopened; close it with the callback."),
            field="rating",
        )
    assert order.lead_department is not None
    result = dispatch_to(order, order.lead_department, now)
    result.changes.update(
        rating=rating, reopen_count=F("reopen_count") + 1, closed_at=None, resolved=False
    )
    result.data["rating"] = rating
    return result


@effect("dispute")
def _dispute(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    return Effect()


@effect("escalate")
def _escalate(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    parent = order.center.parent
    if parent is None:
        raise Conflict(_("The order is already at the top tier."), details={"tier": order.tier})
    return Effect(
        changes={"center": parent, "tier": parent.tier, "lead_department": None},
        data={"from_center": order.center.name, "to_center": parent.name, "tier": parent.tier},
    )


@effect("merge")
def _merge(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    qs = WorkOrder.objects.all() if actor is None else WorkOrder.objects.visible_to(actor)
    parent = qs.filter(number=str(fields["parent"])).first()
    if parent is None:
        raise ValidationFailed(_("No such order to merge into."), field="parent")
    if parent.pk == order.pk:
        raise ValidationFailed(_("An order cannot be merged into itself."), field="parent")
    if parent.state in FINAL_STATES:
        raise Conflict(
            _("%(number)s is %(state)s and takes no more merges.")
            % {"number": parent.number, "state": parent.state},
            details={"field": "parent", "state": parent.state},
        )
    return Effect(changes={"parent": parent}, data={"parent": parent.number})


@effect("shelve")
def _shelve(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    return Effect()


@effect("invalidate")
def _invalidate(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    return Effect(changes={"closed_at": now})


@effect("transfer")
def _transfer(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    line = str(fields["line"])
    if line not in EmergencyLine.values:
        raise ValidationFailed(
            _("Transfer to one of %(lines)s.") % {"lines": ", ".join(EmergencyLine.values)},
            field="line",
        )
    return Effect(changes={"closed_at": now, "priority": Priority.EMERGENCY}, data={"line": line})


@effect("direct_answer")
def _direct_answer(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    if order.request_type != RequestType.CONSULTATION:
        raise Conflict(
            _("Only a consultation is answered directly; this is a %(type)s.")
            % {"type": order.request_type},
            details={"request_type": order.request_type},
        )
    return Effect(changes={"reply": _text(fields, "reply"), "replied_at": now, "closed_at": now})


@effect("urge")
def _urge(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    return Effect(changes={"urge_count": F("urge_count") + 1})


@effect("supervise")
def _supervise(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    return Effect(changes={"supervise_count": F("supervise_count") + 1})


@effect("add_unit")
def _add_unit(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    department = _department(fields["department"])
    if department.pk == order.lead_department_id:
        raise ValidationFailed(_("That is already the lead unit."), field="department")
    return Effect(add_departments=[department], data={"department": department.code})


@effect("whistle")
def _whistle(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    department = _department(fields["department"])
    if Whistle.objects.filter(order=order, department=department, answered_at=None).exists():
        raise Conflict(
            _("%(dept)s has already been called and has not answered yet.")
            % {"dept": department.name},
            details={"field": "department"},
        )
    minutes = int(getattr(settings, "WORKORDERS_WHISTLE_ANSWER_MINUTES", 30))
    answer_by = now + timedelta(minutes=minutes)
    Whistle.objects.create(
        order=order,
        department=department,
        called_by=actor if actor is not None and getattr(actor, "pk", None) else None,
        called_at=now,
        answer_by=answer_by,
    )
    # The unit must see the order to answer: it joins as an assisting unit (not the lead).
    assisting = [department] if department.pk != order.lead_department_id else []
    return Effect(
        add_departments=assisting,
        data={
            "department": department.code,
            "department_name": department.name,
            "answer_by": answer_by.isoformat(),
        },
    )


@effect("answer_whistle")
def _answer_whistle(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    units = RoleAssignment.objects.filter(
        user=actor, role__in=(Role.DEPT_HANDLER, Role.DEPT_LIAISON)
    ).values("department_id")
    whistle = (
        Whistle.objects.select_for_update()
        .filter(order=order, department_id__in=units, answered_at=None)
        .select_related("department")
        .order_by("called_at")
        .first()
    )
    if whistle is None:
        raise Conflict(
            _("No whistle is waiting for your unit's answer on this order."),
            details={"state": order.state},
        )
    Whistle.objects.filter(pk=whistle.pk).update(answered_at=now, answered_by=actor)
    late = now > whistle.answer_by
    return Effect(
        data={
            "department": whistle.department.code,
            "department_name": whistle.department.name,
            "minutes": round((now - whistle.called_at).total_seconds() / 60),
            "late": late,
        },
    )


@effect("note")
def _note(order: WorkOrder, actor: Any, fields: Fields, now: datetime) -> Effect:
    return Effect()


def _text(fields: Fields, name: str, limit: int = 4000) -> str:
    text = str(fields.get(name) or "").strip()
    if len(text) > limit:
        raise ValidationFailed(
            _("%(field)s is longer than %(n)d characters.") % {"field": name, "n": limit},
            field=name,
        )
    return text


def _datetime(fields: Fields, name: str) -> datetime:
    value = fields.get(name)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValidationFailed(
                _("%(f)s is not a date and time.") % {"f": name}, field=name
            ) from exc
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValidationFailed(
            _("%(f)s needs a date and time with its offset.") % {"f": name}, field=name
        )
    return value
