"""Forms of the agent's call screen: each action's fields, with errors shown beside them."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.intake.models import CallSource
from yiwang.workorders import routing
from yiwang.workorders.choices import EmergencyLine, Priority, RequestType


class IncomingForm(forms.Form):
    caller = forms.CharField(label=_("Caller number"), max_length=64)
    dialled = forms.CharField(
        label=_("Dialled number"),
        max_length=20,
        required=False,
        help_text=_("12345, or one of the old department lines the caller dialled."),
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=CallSource.choices, initial=CallSource.PHONE
    )


class RequestForm(forms.Form):
    """The request as the agent writes it down; shared by the three outcomes."""

    text = forms.CharField(
        label=_("What the caller asks"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5, "autocomplete": "off"}),
    )


class AnswerForm(RequestForm):
    reply = forms.CharField(
        label=_("Answer given"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )
    entries = forms.CharField(
        label=_("Entries cited"),
        required=False,
        help_text=_("Pick entries in the knowledge-base panel; their numbers appear here."),
    )

    def clean_entries(self) -> list[int]:
        raw = self.cleaned_data.get("entries") or ""
        try:
            return [int(part) for part in raw.replace("，", ",").split(",") if part.strip()]
        except ValueError as exc:
            raise forms.ValidationError(_("Entry numbers are whole numbers.")) from exc


class OrderForm(RequestForm):
    request_type = forms.ChoiceField(
        label=_("Request type"), choices=RequestType.choices, initial=RequestType.HELP
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    town = forms.ChoiceField(label=_("Town"), required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("Caller's name"), max_length=64, required=False)
    confidential = forms.BooleanField(label=_("Keep the caller confidential"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    suggestion = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from yiwang.workorders.models import Category

        leaves = Category.objects.filter(is_active=True, children__isnull=True).order_by("code")
        cast(forms.ChoiceField, self.fields["category"]).choices = [
            ("", _("— not classified —"))
        ] + [(c.code, f"{c.code} {c.name}") for c in leaves]
        cast(forms.ChoiceField, self.fields["town"]).choices = [("", _("— unknown —"))] + [
            (t.code, t.name) for t in routing.towns()
        ]


class TransferForm(RequestForm):
    line = forms.ChoiceField(label=_("Emergency line"), choices=EmergencyLine.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
