"""Console forms of the exchange."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.exchange.choices import (
    Classification,
    OpenAttribute,
    SharingMethod,
    SharingType,
    Theme,
    UpdateCycle,
)
from yiwang.org.models import Department


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    department = forms.ChoiceField(label=_("Provider"), required=False)
    theme = forms.ChoiceField(
        label=_("Theme"), required=False, choices=[("", _("All")), *list(Theme.choices)]
    )
    sharing_type = forms.ChoiceField(
        label=_("Sharing type"),
        required=False,
        choices=[("", _("All")), *list(SharingType.choices)],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        providers = Department.objects.filter(exchange_resources__isnull=False).distinct()
        self.fields["department"].choices = [("", _("All"))] + [  # type: ignore[attr-defined]
            (d.code, d.name) for d in providers.order_by("code")
        ]


class RegisterResourceForm(forms.Form):
    provider = forms.ModelChoiceField(
        label=_("Provider"), queryset=Department.objects.none(), to_field_name="code"
    )
    code = forms.CharField(label=_("Resource code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=120)
    classification = forms.ChoiceField(label=_("Classification"), choices=Classification.choices)
    theme = forms.ChoiceField(label=_("Theme"), choices=Theme.choices)
    abstract = forms.CharField(label=_("Abstract"), widget=forms.Textarea(attrs={"rows": 2}))
    sharing_type = forms.ChoiceField(label=_("Sharing type"), choices=SharingType.choices)
    legal_basis = forms.CharField(label=_("Legal basis"), required=False)
    sharing_conditions = forms.CharField(label=_("Sharing conditions"), required=False)
    sharing_method = forms.ChoiceField(label=_("Sharing method"), choices=SharingMethod.choices)
    open_attribute = forms.ChoiceField(
        label=_("Open-data attribute"), choices=OpenAttribute.choices
    )
    update_cycle = forms.ChoiceField(label=_("Update cycle"), choices=UpdateCycle.choices)
    key_item = forms.CharField(label=_("Key item"), required=False)
    items = forms.CharField(
        label=_("Data items"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "One item a line: name, type (string, integer, number, boolean, date, datetime), "
            "personal kind (name, phone, id_number, other or empty), description."
        ),
    )

    def __init__(self, *args: Any, providers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers  # type: ignore[attr-defined]

    def clean_items(self) -> list[dict[str, Any]]:
        parsed = []
        for line in self.cleaned_data["items"].splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.replace("，", ",").split(",")]
            parts += [""] * (4 - len(parts))
            parsed.append(
                {
                    "name": parts[0],
                    "type": parts[1] or "string",
                    "personal": parts[2],
                    "description": ",".join(parts[3:]).strip(","),
                }
            )
        if not parsed:
            raise forms.ValidationError(_("A resource needs at least one data item."))
        return parsed


class RequestForm(forms.Form):
    consumer = forms.ModelChoiceField(
        label=_("Requesting department"), queryset=Department.objects.none()
    )
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 2}))
    items = forms.MultipleChoiceField(label=_("Data items"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, departments: Any = None, items: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consumer"].queryset = departments  # type: ignore[attr-defined]
        self.fields["items"].choices = items  # type: ignore[attr-defined]
