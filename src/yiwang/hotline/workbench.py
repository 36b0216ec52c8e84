"""The 12345 agent's workbench: take a call, see who calls and what the dialled line implies,
write the request down while routing, knowledge and similar-order advice arrive, and end the
call one of three ways — answered on the spot, a work order, or an emergency transfer."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.cockpit.access import forbidden, roles_required
from yiwang.core.errors import DomainError
from yiwang.core.masking import reveal
from yiwang.core.scoping import roles_of
from yiwang.hotline import advice, reports
from yiwang.hotline.workbench_api import CALL_ROLES
from yiwang.hotline.workbench_forms import (
    AnswerForm,
    IncomingForm,
    OrderForm,
    TransferForm,
)
from yiwang.intake import services
from yiwang.intake.models import Call, CallOutcome
from yiwang.workorders.lifecycle import DISPATCHERS

FORMS = {"answer": AnswerForm, "order": OrderForm, "transfer": TransferForm}
REPORT_ROLES = CALL_ROLES | frozenset({"leader", "auditor"})


@roles_required(CALL_ROLES)
def incoming(request: HttpRequest) -> HttpResponse:
    """The screen before a call: the telephony side opens it as ``?caller=…&dialled=…``."""
    if request.method == "POST":
        form = IncomingForm(request.POST)
        if form.is_valid():
            try:
                call = services.start_call(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(_field(form, exc), exc.message)
            else:
                return redirect("workbench:call", call.pk)
    else:
        form = IncomingForm(initial=request.GET.dict())
    recent = (
        Call.objects.filter(agent_id=request.user.pk)
        .select_related("work_order", "legacy_line")
        .order_by("-rang_at")[:10]
    )
    return render(request, "hotline/incoming.html", {"form": form, "recent": recent})


def _field(form: Any, exc: DomainError) -> str | None:
    """The form field a refusal names (``text``, ``reply`` …), or None for the whole form."""
    field = exc.field or (exc.details.get("field") if isinstance(exc.details, dict) else None)
    return field if field in form.fields else None


@roles_required(CALL_ROLES)
def call_screen(request: HttpRequest, call_id: int) -> HttpResponse:
    call = get_object_or_404(
        Call.objects.select_related("legacy_line__department", "legacy_line__default_category"),
        pk=call_id,
    )
    if call.agent_id not in (None, request.user.pk) and not roles_of(request.user) & DISPATCHERS:
        return forbidden(request, _("This call is another agent's."))
    pop = advice.prefill(call.legacy_line)
    initial = {"category": pop.get("category", ""), "priority": "normal"}
    forms = {
        "answer": AnswerForm(prefix="answer"),
        "order": OrderForm(prefix="order", initial=initial),
        "transfer": TransferForm(prefix="transfer"),
    }
    active = None
    if request.method == "POST" and call.outcome == CallOutcome.OPEN:
        active = request.POST.get("action")
        if active in FORMS:
            form = FORMS[active](request.POST, prefix=active)
            forms[active] = form
            if form.is_valid():
                try:
                    _finish(request, call, active, form.cleaned_data)
                except DomainError as exc:
                    form.add_error(_field(form, exc), exc.message)
                else:
                    return redirect("workbench:call", call.pk)
    call.refresh_from_db()
    context = {
        "call": call,
        "caller": reveal(request.user, "phone", call.caller),
        "prefill": pop,
        "history": advice.caller_history(request.user, call.caller),
        "forms": forms,
        "active": active or "order",
        "open": call.outcome == CallOutcome.OPEN,
        "duration": _duration(call),
    }
    return render(request, "hotline/call.html", context)


def _finish(request: HttpRequest, call: Call, action: str, data: dict[str, Any]) -> None:
    user = request.user
    if action == "answer":
        services.answer_call(
            call, actor=user, text=data["text"], reply=data["reply"], entry_ids=data["entries"]
        )
    elif action == "transfer":
        services.transfer_call(
            call, actor=user, text=data["text"], line=data["line"], note=data["note"]
        )
    else:
        lon, lat = advice.place_point(data["town"] or None, None, None)
        suggestion = json.loads(data["suggestion"]) if data["suggestion"] else None
        services.file_call(
            call,
            actor=user,
            text=data["text"],
            request_type=data["request_type"],
            category=data["category"] or None,
            lon=lon,
            lat=lat,
            address=data["address"] or ("" if lon is not None else services.NO_PLACE),
            contact_name=data["contact_name"],
            confidential=data["confidential"],
            priority=data["priority"],
            suggestion=suggestion if isinstance(suggestion, dict) else None,
        )


def _duration(call: Call) -> str:
    if call.answered_at is None:
        return ""
    seconds = int(((call.ended_at or timezone.now()) - call.answered_at).total_seconds())
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


@roles_required(REPORT_ROLES)
def legacy_lines(request: HttpRequest) -> HttpResponse:
    """The register of old numbers and the consolidation report."""
    end = timezone.localdate()
    try:
        days = max(1, min(int(request.GET.get("days", 30)), 366))
    except ValueError:
        days = 30
    report = reports.consolidation(request.user, end - timedelta(days=days - 1), end)
    return render(request, "hotline/lines.html", {"report": report, "days": days, "chart": report})
