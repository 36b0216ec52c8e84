"""The period-and-domain form of the opinion pages and the report request."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from yiwang.core.errors import ValidationFailed
from yiwang.opinion.corpus import Period
from yiwang.opinion.domains import load_domains
from yiwang.opinion.services import check_period

DEFAULT_DAYS = 30
# Browsers' date pickers take ISO dates only, whatever the page's language.
DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def domain_choices() -> list[tuple[str, str]]:
    return [(d.code, d.label) for d in load_domains()]


class PeriodForm(forms.Form):
    domain = forms.ChoiceField(label=pgettext_lazy("opinion", "Domain"), choices=domain_choices)
    start = forms.DateField(label=pgettext_lazy("opinion", "From"), widget=DATE_INPUT)
    end = forms.DateField(label=pgettext_lazy("opinion", "To"), widget=DATE_INPUT)

    @classmethod
    def initial_values(cls) -> dict[str, Any]:
        end = timezone.localdate()
        return {"domain": "all", "start": end - timedelta(days=DEFAULT_DAYS - 1), "end": end}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "start" in data and "end" in data:
            try:
                self.period = check_period(data["start"], data["end"])
            except ValidationFailed as exc:
                self.add_error(exc.field, exc.message)
        return data

    def get_period(self) -> Period:
        return self.period
