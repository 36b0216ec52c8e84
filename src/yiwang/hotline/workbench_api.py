"""The 12345 intake API: telephony (screen pop, outcomes), the web/WeChat/Weibo bridges, the
一企来 enterprise channel, live advice while a request is typed, and the legacy-line register."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from yiwang.core.api_auth import request_user
from yiwang.core.errors import PermissionDenied, ValidationFailed
from yiwang.core.scoping import roles_of
from yiwang.hotline import advice, reports
from yiwang.intake import services
from yiwang.intake.models import Call, LegacyHotline
from yiwang.workorders.lifecycle import DISPATCHERS, HOTLINE

router = Router(tags=["12345 hotline"])

# Who works calls: agents, and the center's dispatchers who stand in for them.
CALL_ROLES = HOTLINE | DISPATCHERS


def _agent(request: HttpRequest) -> Any:
    user = request_user(request)
    if not roles_of(user) & CALL_ROLES:
        raise PermissionDenied("Only hotline agents and dispatchers work 12345 calls.")
    return user


def _call(user: Any, call_id: int) -> Call:
    call = get_object_or_404(Call.objects.select_related("legacy_line__department"), pk=call_id)
    if call.agent_id not in (None, user.pk) and not roles_of(user) & DISPATCHERS:
        raise PermissionDenied("This call is another agent's.", field="call")
    return call


class CallIn(Schema):
    caller: str = Field(max_length=64)
    dialled: str = Field("", max_length=20)
    source: Literal["phone", "web", "wechat", "weibo", "enterprise"] = "phone"
    answered: bool = True


class AnswerIn(Schema):
    text: str
    reply: str
    entries: list[int]


class OrderIn(Schema):
    text: str
    request_type: str = "help"
    category: str | None = None
    town: str | None = Field(None, description="town code: the place when there is no point")
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    contact_name: str = ""
    confidential: bool = False
    priority: str = "normal"
    suggestion: dict[str, Any] | None = Field(
        None, description="the routing advice shown, with used=true if the agent followed it"
    )


class TransferIn(Schema):
    text: str
    line: str
    note: str = ""


class MessageIn(Schema):
    source: Literal["web", "wechat", "weibo"]
    sender: str = Field(max_length=64, description="the sender's phone or account on the bridge")
    text: str
    request_type: str = "help"
    category: str | None = None
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    contact_name: str = ""


class EnterpriseIn(Schema):
    company: str
    sector: str
    description: str
    credit_code: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    lon: float | None = None
    lat: float | None = None
    address: str = ""


class AdviceQuery(Schema):
    text: str = Field(..., max_length=services.TEXT_MAX_LENGTH)
    dialled: str = ""
    category: str | None = None
    town: str | None = None


class ReportQuery(Schema):
    start: date | None = None
    end: date | None = None


def _call_out(user: Any, call: Call) -> dict[str, Any]:
    order = call.work_order
    return {
        **advice.screen_pop(user, call),
        "outcome": call.outcome,
        "order": order.number if order is not None else None,
        "emergency_line": call.emergency_line,
        "cited_entries": call.cited_entries,
    }


@router.post("/hotline/calls", response={201: dict})
def start_call(request: HttpRequest, payload: CallIn) -> Status:
    """Telephony reports a call: the answer is the screen pop (the dialled legacy line's
    department and category, the caller's earlier orders)."""
    user = _agent(request)
    call = services.start_call(actor=user, **payload.dict())
    return Status(201, _call_out(user, call))


@router.get("/hotline/calls/{call_id}", response=dict)
def get_call(request: HttpRequest, call_id: int) -> dict[str, Any]:
    user = _agent(request)
    return _call_out(user, _call(user, call_id))


@router.post("/hotline/calls/{call_id}/answer", response=dict)
def answer_call(request: HttpRequest, call_id: int, payload: AnswerIn) -> dict[str, Any]:
    """直接答复: answer a consultation from the knowledge base and close it on the spot."""
    user = _agent(request)
    call = services.answer_call(
        _call(user, call_id),
        actor=user,
        text=payload.text,
        reply=payload.reply,
        entry_ids=payload.entries,
    )
    return _call_out(user, call)


@router.post("/hotline/calls/{call_id}/order", response=dict)
def file_call(request: HttpRequest, call_id: int, payload: OrderIn) -> dict[str, Any]:
    """File the call as a work order; the spine routes it."""
    user = _agent(request)
    body = payload.dict()
    lon, lat = advice.place_point(body.pop("town"), body["lon"], body["lat"])
    body.update(lon=lon, lat=lat)
    call = services.file_call(_call(user, call_id), actor=user, **body)
    return _call_out(user, call)


@router.post("/hotline/calls/{call_id}/transfer", response=dict)
def transfer_call(request: HttpRequest, call_id: int, payload: TransferIn) -> dict[str, Any]:
    """Hand an emergency to 110/119/120/122 and record the transfer."""
    user = _agent(request)
    call = services.transfer_call(_call(user, call_id), actor=user, **payload.dict())
    return _call_out(user, call)


@router.post("/hotline/messages", response={201: dict})
def message(request: HttpRequest, payload: MessageIn) -> Status:
    """A request from the web, WeChat or Weibo bridge becomes a contact and a work order. Without
    a category the routing model's suggestion is used when it is confident."""
    user = _agent(request)
    body = payload.dict()
    category = body.pop("category")
    suggestion = None
    if not category:
        suggestion = advice.routing_advice(body["text"], lon=body["lon"], lat=body["lat"])
        if suggestion and suggestion.get("source") == "model" and suggestion.get("suggestions"):
            category = suggestion["suggestions"][0]["category_code"]
            suggestion = {**suggestion, "used": True}
    call = services.start_call(actor=user, caller=body.pop("sender"), source=body.pop("source"))
    call = services.file_call(call, actor=user, category=category, suggestion=suggestion, **body)
    return Status(201, _call_out(user, call))


@router.post("/hotline/enterprise", response={201: dict})
def enterprise(request: HttpRequest, payload: EnterpriseIn) -> Status:
    """一企来: an enterprise's request, assigned to a policy specialist by sector and county."""
    user = request_user(request)
    item = services.submit_enterprise_request(actor=user, **payload.dict())
    specialist = item.specialist
    return Status(
        201,
        {
            "order": item.order.number,
            "company": item.company,
            "sector": item.sector,
            "specialist": (
                {"username": specialist.user.username, "name": specialist.user.full_name}
                if specialist
                else None
            ),
        },
    )


@router.get("/hotline/advice", response=dict)
def live_advice(request: HttpRequest, query: Query[AdviceQuery]) -> dict[str, Any]:
    """While the request is typed: routing suggestion, knowledge-base answers, similar open
    orders, and what the dialled line pre-fills."""
    user = _agent(request)
    text = query.text.strip()
    if not text:
        raise ValidationFailed("Type the request first.", field="text")
    return advice.advise(
        user, text, dialled=query.dialled, category=query.category, town_code=query.town
    )


@router.get("/hotline/legacy-lines", response=list[dict])
def legacy_lines(request: HttpRequest) -> list[dict[str, Any]]:
    """The register of old department numbers answered by 12345."""
    request_user(request)
    lines = LegacyHotline.objects.select_related("department", "default_category").prefetch_related(
        "categories"
    )
    return [
        {
            "number": line.number,
            "name": line.name,
            "department": line.department.name,
            "categories": [c.code for c in line.categories.all()],
            "default_category": line.default_category.code if line.default_category else None,
            "rule": line.rule,
            "merged_on": line.merged_on.isoformat() if line.merged_on else None,
            "active": line.is_active,
        }
        for line in lines
    ]


@router.get("/hotline/legacy-lines/report", response=dict)
def legacy_report(request: HttpRequest, query: Query[ReportQuery]) -> dict[str, Any]:
    """Calls per legacy number over [start, end] (default: the last 30 days)."""
    user = request_user(request)
    end = query.end or timezone.localdate()
    start = query.start or end - timedelta(days=29)
    if start > end:
        raise ValidationFailed("start must not be after end", field="start")
    return reports.consolidation(user, start, end)
