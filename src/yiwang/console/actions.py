"""Which lifecycle actions the console offers a user on an order, and the form for each.

The offer is derived from the lifecycle table (``workorders.lifecycle.ACTIONS``: states and
roles) and the services' place guard (``services.may_act``: the actor's own center, unit or
grids), plus the cheap rules of the effects that a user would otherwise only learn by trying
(an extension must be pending to decide it, a return has a window …). The service checks all of
it again under the row lock when the form is posted; the offer only keeps dead buttons away.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.console.widgets import FastSelect, FastSelectMultiple
from yiwang.core.errors import Conflict, DomainError, PermissionDenied
from yiwang.core.scoping import roles_of
from yiwang.workorders import deadlines
from yiwang.workorders import services as workorder_services
from yiwang.workorders.choices import (
    UNSATISFIED_RATINGS,
    EmergencyLine,
    EventKind,
    Priority,
    Rating,
    RequestType,
)
from yiwang.workorders.lifecycle import ACTIONS, Action
from yiwang.workorders.models import WorkOrder

LABELS: dict[str, Any] = {
    "classify": gettext_lazy("Classify"),
    "dispatch": gettext_lazy("Dispatch"),
    "direct_answer": gettext_lazy("Answer directly"),
    "invalidate": gettext_lazy("Mark invalid"),
    "transfer": gettext_lazy("Transfer to an emergency line"),
    "merge": gettext_lazy("Merge into another order"),
    "escalate": gettext_lazy("Escalate to the next tier"),
    "acknowledge": gettext_lazy("Acknowledge"),
    "start": gettext_lazy("Start handling"),
    "reply": gettext_lazy("Reply"),
    "return": gettext_lazy("Return (not our duty)"),
    "request_extension": gettext_lazy("Ask for an extension"),
    "approve": gettext_lazy("Approve the reply"),
    "reject": gettext_lazy("Reject the reply"),
    "verify": gettext_lazy("Confirm on-site verification"),
    "callback": gettext_lazy("Record the callback and close"),
    "reopen": gettext_lazy("Reopen (citizen not satisfied)"),
    "redispatch": gettext_lazy("Re-dispatch to another unit"),
    "dispute": gettext_lazy("Refer to the joint conference"),
    "rule": gettext_lazy("Record the joint conference's ruling"),
    "grant_extension": gettext_lazy("Grant the extension"),
    "deny_extension": gettext_lazy("Deny the extension"),
    "shelve": gettext_lazy("Shelve"),
    "urge": gettext_lazy("Urge"),
    "supervise": gettext_lazy("Supervise"),
    "add_unit": gettext_lazy("Add an assisting unit"),
    "note": gettext_lazy("Add a note"),
    "whistle": gettext_lazy("Whistle a unit to the scene (吹哨)"),
    "answer_whistle": gettext_lazy("Report to the whistle (报到)"),
    "self_handle": gettext_lazy("Handle it myself (自办)"),
    "grid_escalate": gettext_lazy("Send it up to the center (上报)"),
    "check_self_handled": gettext_lazy("Check the grid worker's own handling"),
}
# The next step of the main path in each role's day: opened first on the order page.
PRIMARY = ("dispatch", "acknowledge", "start", "reply", "approve", "verify", "callback", "rule")
# Optional fields each action's form shows besides its required ones.
OPTIONAL: dict[str, tuple[str, ...]] = {
    "classify": ("priority", "needs_verification"),
    "dispatch": ("department", "assisting"),
    "grant_extension": ("until",),
    "callback": ("resolved",),
    "check_self_handled": ("accepted", "reason"),
}
# Fields the service needs although the table does not list them (it refuses without them).
REQUIRED_TOO: dict[str, tuple[str, ...]] = {"redispatch": ("department",)}
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def label_of(action: str) -> Any:
    """The action's button text; an action added to the table later shows its own name."""
    return LABELS.get(action, action.replace("_", " "))


def refusal(user: Any, order: WorkOrder, name: str, now: datetime) -> DomainError | None:
    """Why ``user`` may not take ``name`` on ``order`` now (None: offered). ``order`` needs
    ``center__region`` and ``lead_department`` loaded."""
    action = ACTIONS[name]
    acting = roles_of(user) & action.roles
    if not acting:
        return PermissionDenied(
            _("Your roles may not %(action)s an order.") % {"action": label_of(name)}
        )
    if not workorder_services.may_act(user, order, name):
        return PermissionDenied(_("You act only on orders of your own center, unit or grids."))
    if order.state not in action.from_states:
        return Conflict(
            _("This cannot be done to an order in the state “%(state)s”.")
            % {"state": order.get_state_display()}
        )
    rule = _rule_of_effect(action, order, now)
    return Conflict(rule) if rule else None


def _rule_of_effect(action: Action, order: WorkOrder, now: datetime) -> str:
    """The effect's own precondition, where it can be read off the order."""
    name = action.name
    if name in ("grant_extension", "deny_extension") and not order.extension_pending:
        return _("No extension request is pending.")
    if name == "request_extension":
        if order.extension_pending:
            return _("An extension request is already pending.")
        if order.due_at is not None and now >= order.due_at:
            return _("The deadline has passed; an extension can no longer be asked for.")
    if name == "direct_answer" and order.request_type != RequestType.CONSULTATION:
        return _("Only a consultation is answered directly.")
    if (
        name == "return"
        and order.dispatched_at is not None
        and now > deadlines.return_deadline(order.dispatched_at)
    ):
        return _("The time to return this order has passed.")
    if name == "escalate" and order.center.parent_id is None:
        return _("The order is already at the top tier.")
    if name == "reopen" and order.lead_department_id is None:
        return _("The order has no unit to reopen it with.")
    if (
        name == "check_self_handled"
        and not order.events.filter(kind=EventKind.SELF_HANDLED).exists()
    ):
        return _("Only an order the grid worker handled themself is checked so.")
    return ""


def offered(user: Any, order: WorkOrder, now: datetime) -> list[str]:
    """The actions to offer, in the lifecycle table's order."""
    return [name for name in ACTIONS if refusal(user, order, name, now) is None]


class ActionForm(forms.Form):
    """One lifecycle action's fields; ``version`` is the order's version the user saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    next = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        action: str,
        *args: Any,
        departments: list[tuple[str, str]] | None = None,
        suggested_department: str = "",
        with_attachment: bool = False,
        compact: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("prefix", action)
        super().__init__(*args, **kwargs)
        self.action = action
        self.label = label_of(action)
        spec = ACTIONS[action]
        required = (*spec.required, *REQUIRED_TOO.get(action, ()))
        names = [*required, *OPTIONAL.get(action, ())]
        if action not in ("note", "supervise") and "reason" not in names and not compact:
            names.append("note")
        if with_attachment and action == "reply":
            names.append("attachment")
        for name in names:
            self.fields[name] = _field(
                name,
                action,
                required=name in required,
                departments=departments or [],
            )
        for field in self.fields.values():
            if isinstance(field, forms.MultipleChoiceField):
                field.widget = FastSelectMultiple(attrs={"size": 4})
            elif isinstance(field, forms.ChoiceField):
                field.widget = FastSelect()
            if isinstance(field, forms.ChoiceField):
                field.widget.choices = field.choices
        if "department" in self.fields and suggested_department:
            self.fields["department"].initial = suggested_department

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values the service takes (empty optional fields left out)."""
        skip = {"version", "next", "assisting", "attachment"}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip and v not in (None, "")}


def _field(name: str, action: str, *, required: bool, departments: list[tuple[str, str]]) -> Any:
    text = forms.Textarea(attrs={"rows": 2})
    if name == "note":
        return forms.CharField(label=_("Note"), required=required, widget=text, max_length=4000)
    if name == "reason":
        return forms.CharField(label=_("Reason"), required=required, widget=text, max_length=4000)
    if name == "reply":
        return forms.CharField(
            label=_("Reply to the citizen"),
            required=required,
            widget=forms.Textarea(attrs={"rows": 4}),
            max_length=4000,
        )
    if name == "department":
        blank = [("", _("— the catalogue's answer —"))] if action == "dispatch" else [("", "—")]
        return forms.ChoiceField(
            label=_("Lead unit") if action in ("dispatch", "redispatch", "rule") else _("Unit"),
            required=required,
            choices=[*blank, *departments],
        )
    if name == "assisting":
        return forms.MultipleChoiceField(
            label=_("Assisting units"),
            required=False,
            choices=departments,
            widget=forms.SelectMultiple(attrs={"size": 4}),
        )
    if name == "category":
        return forms.CharField(label=_("Category code"), required=required, max_length=16)
    if name == "priority":
        return forms.ChoiceField(
            label=_("Priority"), required=False, choices=[("", "—"), *Priority.choices]
        )
    if name == "needs_verification":
        return forms.NullBooleanField(
            label=_("Needs on-site verification"),
            required=False,
            widget=forms.Select(choices=[("unknown", "—"), ("true", _("Yes")), ("false", _("No"))]),
        )
    if name == "resolved":
        return forms.NullBooleanField(
            label=_("Problem solved, says the citizen"),
            required=False,
            widget=forms.Select(choices=[("unknown", "—"), ("true", _("Yes")), ("false", _("No"))]),
        )
    if name == "accepted":
        return forms.NullBooleanField(
            label=_("Handling accepted"),
            required=False,
            widget=forms.Select(choices=[("true", _("Yes")), ("false", _("No"))]),
        )
    if name == "rating":
        choices = Rating.choices
        if action == "reopen":
            choices = [c for c in Rating.choices if c[0] in UNSATISFIED_RATINGS]
        return forms.ChoiceField(
            label=_("Rating"), required=required, choices=[("", "—"), *choices]
        )
    if name == "until":
        return forms.DateTimeField(
            label=_("Extend until") if action == "request_extension" else _("Grant until"),
            required=required,
            input_formats=DATETIME_FORMATS,
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            help_text=_("Empty: the date the unit asked for.") if not required else "",
        )
    if name == "line":
        return forms.ChoiceField(
            label=_("Emergency line"),
            required=required,
            choices=[("", "—"), *EmergencyLine.choices],
        )
    if name == "parent":
        return forms.CharField(label=_("Merge into order number"), required=required, max_length=24)
    if name == "attachment":
        return forms.FileField(label=_("Attachment"), required=False)
    # A field an action gains later: plain text until it gets its own widget here.
    return forms.CharField(label=name.replace("_", " "), required=required, max_length=4000)
