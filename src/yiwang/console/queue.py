"""The dispatcher's queue: the API's filters as a form, the scoped queryset, sort by urgency.

Reads only. Every list starts from ``WorkOrder.objects.visible_to(user)``; the rows of one page
come with their category, places and lead unit in the same query.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.console.widgets import FastSelect
from yiwang.geo.models import Region
from yiwang.org.models import Department
from yiwang.workorders.choices import HANDLING_STATES, Channel, RequestType, State
from yiwang.workorders.models import WorkOrder
from yiwang.workorders.models.order import NOT_FINAL_STATES, attention_at, urgency_rank

OPEN = "open"
SORT_URGENCY, SORT_NEWEST, SORT_UPDATED = "urgency", "newest", "updated"
PAGE_SIZE = 50
NOT_FINAL = list(NOT_FINAL_STATES)

# Geometry stays in the database: a row needs the place's code and name only.
_PLACES = ("town__geometry", "county__geometry", "grid__geometry")


ANY = _("Any")


def _blank(choices: Any, label: Any = ANY) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class QueueFilterForm(forms.Form):
    """The API's list filters (``GET /api/v1/workorders``), plus updated range and sort."""

    q = forms.CharField(label=_("Text"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("State"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    request_type = forms.ChoiceField(label=_("Request type"), required=False)
    category = forms.CharField(label=_("Category code"), required=False, max_length=16)
    county = forms.ChoiceField(label=_("County"), required=False)
    town = forms.ChoiceField(label=_("Town"), required=False)
    grid = forms.CharField(label=_("Grid code"), required=False, max_length=15)
    department = forms.ChoiceField(label=_("Unit"), required=False)
    overdue = forms.ChoiceField(
        label=_("Overdue"),
        required=False,
        choices=_blank([("yes", _("Overdue only")), ("no", _("Not overdue"))]),
    )
    created_from = forms.DateField(label=_("Received from"), required=False)
    created_to = forms.DateField(label=_("Received to"), required=False)
    updated_from = forms.DateField(label=_("Updated from"), required=False)
    updated_to = forms.DateField(label=_("Updated to"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            (SORT_URGENCY, _("Most urgent first")),
            (SORT_NEWEST, _("Newest first")),
            (SORT_UPDATED, _("Recently updated")),
        ],
    )

    def __init__(
        self,
        data: Any,
        *,
        counties: list[tuple[str, str]],
        towns: list[tuple[str, str]],
        departments: list[tuple[str, str]],
    ) -> None:
        super().__init__(data)
        choices = {
            "state": [(OPEN, _("Open (not final)")), *State.choices],
            "channel": _blank(Channel.choices),
            "request_type": _blank(RequestType.choices),
            "county": _blank(counties),
            "town": _blank(towns),
            "department": _blank(departments),
        }
        for name, values in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = values
        for field in self.fields.values():
            if isinstance(field, forms.ChoiceField):
                field.widget = FastSelect()
                field.widget.choices = field.choices
        for name in ("created_from", "created_to", "updated_from", "updated_to"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"})


def filter_choices(user: Any) -> dict[str, list[tuple[str, str]]]:
    """The counties, towns and units the user may pick from (their own scope)."""
    regions = Region.objects.visible_to(user).filter(level__in=("county", "town"))
    counties: list[tuple[str, str]] = []
    towns: list[tuple[str, str]] = []
    for code, name, level in regions.order_by("code").values_list("code", "name", "level"):
        (counties if level == "county" else towns).append((code, name))
    return {"counties": counties, "towns": towns, "departments": department_choices(user)}


def department_choices(user: Any) -> list[tuple[str, str]]:
    """Active units the user may dispatch to, city departments first."""
    rows = (
        Department.objects.visible_to(user)
        .filter(is_active=True)
        .order_by("tier", "code")
        .values_list("code", "name")
    )
    return [(code, name) for code, name in rows]


def _start_of(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def orders_for(user: Any, data: dict[str, Any]) -> QuerySet[WorkOrder]:
    """The user's orders narrowed by the cleaned filter ``data`` and sorted."""
    qs = (
        WorkOrder.objects.visible_to(user)
        .select_related("category", "town", "county", "grid", "lead_department")
        .defer(*_PLACES)
    )
    state = data.get("state") or OPEN
    # The open states by name rather than "not final": an IN list can use the state index.
    qs = qs.filter(state__in=NOT_FINAL) if state == OPEN else qs.filter(state=state)
    exact = {
        "channel": data.get("channel"),
        "request_type": data.get("request_type"),
        "category__code": data.get("category"),
        "county__code": data.get("county"),
        "town__code": data.get("town"),
        "grid__code": data.get("grid"),
    }
    qs = qs.filter(**{k: v for k, v in exact.items() if v})
    dates = {
        "received_at__gte": data.get("created_from"),
        "received_at__lt": data.get("created_to"),
        "updated_at__gte": data.get("updated_from"),
        "updated_at__lt": data.get("updated_to"),
    }
    for lookup, day in dates.items():
        if day:
            # "to" dates include their whole day.
            bound = _start_of(day) + (timedelta(days=1) if lookup.endswith("__lt") else timedelta())
            qs = qs.filter(**{lookup: bound})
    department = data.get("department")
    if department:
        assisting = WorkOrder.assisting_departments.through.objects.filter(
            department__code=department
        ).values("workorder_id")
        qs = qs.filter(Q(lead_department__code=department) | Q(id__in=assisting))
    overdue = data.get("overdue")
    if overdue:
        late = Q(due_at__lt=timezone.now(), state__in=HANDLING_STATES)
        qs = qs.filter(late) if overdue == "yes" else qs.exclude(late)
    text = (data.get("q") or "").strip()
    if text:
        qs = qs.filter(Q(number=text) | Q(title__icontains=text) | Q(description__icontains=text))
    return sort_orders(qs, data.get("sort") or SORT_URGENCY)


def sort_orders(qs: QuerySet[WorkOrder], sort: str) -> QuerySet[WorkOrder]:
    """Urgency: emergencies first, then by the moment the order needed attention — its
    deadline, or for an order not yet dispatched the time it came in."""
    if sort == SORT_NEWEST:
        return qs.order_by("-received_at", "-id")
    if sort == SORT_UPDATED:
        return qs.order_by("-updated_at", "-id")
    # The same expressions as the index wo_open_urgency, so the database can walk it.
    return qs.annotate(urgency_rank=urgency_rank(), attention_at=attention_at()).order_by(
        "urgency_rank", "attention_at", "id"
    )
