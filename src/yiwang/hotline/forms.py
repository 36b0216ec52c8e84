"""Forms of the knowledge-base pages. They collect plain values; the services check them and
their refusals are put back beside the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.hotline.models import EntryStatus


def _choices(rows: list[tuple[str, str]], empty: Any) -> list[tuple[str, Any]]:
    return [("", empty), *rows]


def _set(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


def category_choices() -> list[tuple[str, str]]:
    from yiwang.workorders.models import Category

    return [
        (c.code, f"{c.code} {c.name}")
        for c in Category.objects.filter(code__startswith="H", is_active=True).order_by("code")
    ]


def department_choices() -> list[tuple[str, str]]:
    from yiwang.org.models import Department

    return list(
        Department.objects.filter(tier="city", is_active=True)
        .order_by("code")
        .values_list("code", "name")
    )


def area_choices() -> list[tuple[str, str]]:
    from yiwang.geo.models import Region

    return list(
        Region.objects.filter(level__in=["city", "county"])
        .order_by("path")
        .values_list("code", "name")
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Question"), required=False, max_length=500)
    category = forms.ChoiceField(label=_("Category"), required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)
    area = forms.ChoiceField(label=_("Area"), required=False)
    include_unpublished = forms.BooleanField(label=_("Drafts and expired too"), required=False)

    def __init__(self, *args: Any, steward: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self, "category", _choices(category_choices(), _("All categories")))
        _set(self, "department", _choices(department_choices(), _("All departments")))
        _set(self, "area", _choices(area_choices(), _("Whole city")))
        self.fields["q"].widget.attrs.update(
            {"placeholder": _("e.g. 社保卡丢了怎么补办"), "autofocus": True, "type": "search"}
        )
        if not steward:
            del self.fields["include_unpublished"]


class EntryForm(forms.Form):
    reference = forms.CharField(
        label=_("Reference"),
        required=False,
        max_length=40,
        help_text=_("Left empty, one is generated."),
    )
    # Not required here: the service says what is missing, in the same words as the API.
    question = forms.CharField(
        label=_("Question"), required=False, widget=forms.TextInput(attrs={"size": 80})
    )
    answer = forms.CharField(
        label=_("Answer"), required=False, widget=forms.Textarea(attrs={"rows": 10})
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)
    area = forms.ChoiceField(label=_("Applicable area"), required=False)
    policy_documents = forms.CharField(
        label=_("Policy documents"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One document title per line."),
    )
    effective_from = forms.CharField(
        label=_("Effective from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.CharField(
        label=_("Expires on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    review_cycle_days = forms.CharField(label=_("Review cycle (days)"), required=False)
    owner = forms.CharField(label=_("Owner (username)"), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=EntryStatus.choices)
    source = forms.CharField(label=_("Source"), required=False, max_length=500)
    note = forms.CharField(label=_("What changed (note)"), required=False, max_length=200)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _set(self, "category", _choices(category_choices(), "—"))
        _set(self, "department", _choices(department_choices(), "—"))
        _set(self, "area", _choices(area_choices(), _("Whole city")))
        if editing:
            self.fields["reference"].disabled = True

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        for name in ("note", "version"):
            data.pop(name, None)
        if self.fields["reference"].disabled:
            data.pop("reference", None)
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"), help_text=_("XLSX (first sheet, header in row 1) or JSON Lines.")
    )
    skip_invalid = forms.BooleanField(
        label=_("Import the good rows and skip the bad ones"),
        required=False,
        help_text=_("Otherwise nothing is imported while any row has a problem."),
    )


class SynonymForm(forms.Form):
    terms = forms.CharField(
        label=_("Synonyms"),
        max_length=300,
        required=False,
        help_text=_("Two or more words separated by spaces, commas or slashes."),
    )


class WordForm(forms.Form):
    word = forms.CharField(
        label=_("Dictionary word"),
        max_length=80,
        required=False,
        help_text=_("A word the search must keep whole, e.g. a local programme or place."),
    )
