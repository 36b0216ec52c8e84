"""The filters of the ranking and theme pages (GET forms: errors shown beside the field)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from yiwang.cockpit.rankings import DIMENSIONS, METRICS, month_label, recent_months
from yiwang.cockpit.theme_figures import DEFAULT_PERIOD


class RankingForm(forms.Form):
    month = forms.ChoiceField(label=_("Month"))
    dimension = forms.ChoiceField(label=_("Rank"), choices=DIMENSIONS)
    metric = forms.ChoiceField(label=_("Indicator"), choices=[(m.key, m.label) for m in METRICS])

    def __init__(self, data: Any = None) -> None:
        months = [month_label(m) for m in recent_months()]
        defaults = {"month": months[0], "dimension": "department", "metric": "response_rate"}
        merged = {**defaults, **{k: v for k, v in (data or {}).items() if v}}
        super().__init__(merged)
        month_field = self.fields["month"]
        assert isinstance(month_field, forms.ChoiceField)
        month_field.choices = [(m, m) for m in months]


class ThemeFilterForm(forms.Form):
    days = forms.TypedChoiceField(
        label=_("Period"),
        coerce=int,
        choices=[
            (7, _("last 7 days")),
            (30, _("last 30 days")),
            (90, _("last 90 days")),
            (365, _("last 365 days")),
        ],
    )
    county = forms.ChoiceField(label=_("County-level division"), required=False)

    def __init__(self, data: Any = None, *, counties: list[tuple[str, str]]) -> None:
        merged = {"days": str(DEFAULT_PERIOD), **{k: v for k, v in (data or {}).items() if v}}
        super().__init__(merged)
        county_field = self.fields["county"]
        assert isinstance(county_field, forms.ChoiceField)
        county_field.choices = [("", _("all in your scope")), *counties]
