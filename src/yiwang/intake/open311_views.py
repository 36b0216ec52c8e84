"""Open311 GeoReport v2 at /open311/v2/: discovery, services, requests, tokens.

Requests created here are ordinary work orders (channel ``open311``). GET requests lists the
orders of the public reporting channels (Open311, web, app) that are not confidential, without
any contact details; POST needs a client's ``api_key`` (403 otherwise), as the spec says.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from yiwang.core.errors import DomainError
from yiwang.core.middleware import client_address
from yiwang.core.ratelimit import allow
from yiwang.intake import open311_format as wire
from yiwang.intake.models import Open311Request
from yiwang.intake.services import Open311Submission, client_for_key, submit_open311_request
from yiwang.workorders.choices import CategoryKind, RequestType, State
from yiwang.workorders.models import Category, WorkOrder

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
PUBLIC_CHANNELS = ("open311", "web", "app")
CLOSED_STATES = (State.CLOSED, State.INVALID, State.MERGED, State.TRANSFERRED)
MAX_REQUESTS = 1000
MAX_SPAN = timedelta(days=90)
DESCRIPTION_LIMIT = 4000


def _jurisdiction_error(request: HttpRequest, fmt: str) -> HttpResponse | None:
    given = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or ""
    if given and given != settings.OPEN311_JURISDICTION:
        return wire.errors(fmt, 404, f"jurisdiction_id {given} not found")
    return None


def _iso(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


# --- discovery and services --------------------------------------------------------------


@require_GET
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri("/open311/v2/")
    body = {
        "changeset": "2026-11-27T00:00:00+08:00",
        "contact": settings.OPEN311_CONTACT,
        "key_service": settings.OPEN311_KEY_SERVICE,
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": base.rstrip("/"),
                "changeset": "2026-11-27T00:00:00+08:00",
                "type": "production",
                "formats": [wire.XML_TYPE.split(";")[0], wire.JSON_TYPE.split(";")[0]],
            }
        ],
    }
    return wire.render_object(fmt, "discovery", body)


def _services() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True, parent__isnull=False).select_related("parent")


def _service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.closing_condition,
        "metadata": True,
        "type": "realtime",
        "keywords": category.keywords.replace(" ", ","),
        "group": category.parent.name if category.parent else "",
    }


@require_GET
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    if error := _jurisdiction_error(request, fmt):
        return error
    return wire.render(fmt, "services", [_service(c) for c in _services()])


def _attributes(category: Category) -> list[dict[str, Any]]:
    attributes: list[dict[str, Any]] = [
        {
            "variable": True,
            "code": "request_type",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": _("What kind of request this is; default: report."),
            "order": 1,
            "description": _("Request type"),
            "values": [{"key": value, "name": str(label)} for value, label in RequestType.choices],
        }
    ]
    if category.kind == CategoryKind.COMPONENT:
        attributes.append(
            {
                "variable": True,
                "code": "asset_code",
                "datatype": "string",
                "required": False,
                "datatype_description": _("The 16-digit code painted on the asset, if visible."),
                "order": 2,
                "description": _("Asset code"),
            }
        )
    return attributes


@require_GET
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    if error := _jurisdiction_error(request, fmt):
        return error
    category = _services().filter(code=code).first()
    if category is None:
        return wire.errors(fmt, 404, f"service_code {code} not found")
    body = {"service_code": category.code, "attributes": _attributes(category)}
    return wire.render_object(fmt, "service_definition", body)


# --- requests ----------------------------------------------------------------------------

_ATTRIBUTE = re.compile(r"^attribute\[([A-Za-z0-9_]+)\](\[\])?$")


def _parse_submission(request: HttpRequest) -> tuple[Open311Submission | None, list[str]]:
    data = request.POST
    problems: list[str] = []
    code = data.get("service_code", "").strip()
    if not code:
        problems.append("service_code not provided")
    lat_text, lon_text = data.get("lat", "").strip(), data.get("long", "").strip()
    address = data.get("address_string", "").strip()
    lat = lon = None
    if lat_text or lon_text:
        try:
            lat, lon = float(lat_text), float(lon_text)
            if not (math.isfinite(lat) and math.isfinite(lon)):
                raise ValueError
        except ValueError:
            problems.append("lat and long must both be decimal degrees (WGS84)")
    elif not address:
        problems.append("a location is required: lat and long, or address_string")
    description = data.get("description", "")
    if len(description) > DESCRIPTION_LIMIT:
        problems.append(f"description is longer than {DESCRIPTION_LIMIT} characters")
    attributes: dict[str, Any] = {}
    for key in data:
        match = _ATTRIBUTE.match(key)
        if match:
            values = data.getlist(key)
            attributes[match.group(1)] = values if match.group(2) else values[-1]
    request_type = attributes.get("request_type")
    if request_type and request_type not in RequestType.values:
        problems.append(f"attribute[request_type] {request_type} is not one of the listed values")
    if problems:
        return None, problems
    return (
        Open311Submission(
            service_code=code,
            description=description or code,
            lat=lat,
            lon=lon,
            address=address,
            attributes=attributes,
            first_name=data.get("first_name", "").strip(),
            last_name=data.get("last_name", "").strip(),
            phone=data.get("phone", "").strip(),
            email=data.get("email", "").strip(),
            device_id=data.get("device_id", "").strip(),
            account_id=data.get("account_id", "").strip(),
            media_url=data.get("media_url", "").strip(),
        ),
        [],
    )


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    client = client_for_key(request.POST.get("api_key", ""))
    if client is None:
        # Guesses at keys count against the address's anonymous allowance.
        if not allow(f"anon:{client_address(request)}", settings.RATE_LIMIT_ANONYMOUS):
            return wire.errors(fmt, 429, "Too many requests; wait a minute.")
        return wire.errors(
            fmt, 403, "Invalid api_key received -- can't proceed with create_request."
        )
    if not allow(f"open311:{client.pk}", settings.OPEN311_RATE_LIMIT):
        return wire.errors(fmt, 429, "Too many requests from this client; wait a minute.")
    if error := _jurisdiction_error(request, fmt):
        return error
    submission, problems = _parse_submission(request)
    if submission is None:
        return wire.errors(fmt, 400, *problems)
    if not _services().filter(code=submission.service_code).exists():
        return wire.errors(fmt, 404, f"service_code {submission.service_code} not found")
    try:
        record = submit_open311_request(client, submission)
    except DomainError as exc:
        field = f"{exc.field}: " if exc.field else ""
        return wire.errors(fmt, 400, f"{field}{exc.message}")
    item = {
        "service_request_id": record.order.number,
        "service_notice": _("Received as work order %(number)s.") % {"number": record.order.number},
        "account_id": record.account_id,
    }
    return wire.render(fmt, "service_requests", [item], status=201)


def _public_orders() -> QuerySet[WorkOrder]:
    return WorkOrder.objects.filter(channel__in=PUBLIC_CHANNELS, confidential=False).select_related(
        "category", "lead_department", "center"
    )


def _request_item(order: WorkOrder, media_url: str = "") -> dict[str, Any]:
    closed = order.state in CLOSED_STATES
    # A closed request's notes are the reply the citizen was given; an open one's, its stage.
    notes = (order.reply if closed else "") or str(order.get_state_display())
    agency = order.lead_department or order.center
    return {
        "service_request_id": order.number,
        "status": "closed" if closed else "open",
        "status_notes": notes,
        "service_name": order.category.name if order.category else "",
        "service_code": order.category.code if order.category else "",
        "description": order.description,
        "agency_responsible": str(agency) if agency else "",
        "service_notice": "",
        "requested_datetime": _iso(order.received_at),
        "updated_datetime": _iso(
            order.closed_at if closed and order.closed_at else order.updated_at
        ),
        "expected_datetime": _iso(order.due_at),
        "address": order.address,
        "address_id": "",
        "zipcode": "",
        "lat": order.lat if order.lat is not None else "",
        "long": order.lon if order.lon is not None else "",
        "media_url": media_url,
    }


def _media_urls(orders: list[WorkOrder]) -> dict[int, str]:
    rows = Open311Request.objects.filter(order__in=orders).values_list("order_id", "media_url")
    return dict(rows)


def _date(value: str, name: str) -> tuple[datetime | None, str | None]:
    if not value:
        return None, None
    parsed = parse_datetime(value)
    if parsed is None or parsed.tzinfo is None:
        return None, f"{name} must be ISO 8601 with a time zone, e.g. 2026-11-27T08:00:00+08:00"
    return parsed, None


def _list(request: HttpRequest, fmt: str) -> HttpResponse:
    if error := _jurisdiction_error(request, fmt):
        return error
    orders = _public_orders()
    ids = [i.strip() for i in request.GET.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        orders = orders.filter(number__in=ids)  # "overrides all other arguments"
    else:
        start, start_error = _date(request.GET.get("start_date", ""), "start_date")
        end, end_error = _date(request.GET.get("end_date", ""), "end_date")
        problems = [p for p in (start_error, end_error) if p]
        if problems:
            return wire.errors(fmt, 400, *problems)
        end = end or timezone.now()
        start = start or end - MAX_SPAN
        if end - start > MAX_SPAN:
            return wire.errors(fmt, 400, "start_date to end_date may not span more than 90 days")
        orders = orders.filter(received_at__gte=start, received_at__lte=end)
        codes = [c.strip() for c in request.GET.get("service_code", "").split(",") if c.strip()]
        if codes:
            orders = orders.filter(category__code__in=codes)
        statuses = {s.strip() for s in request.GET.get("status", "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            return wire.errors(fmt, 400, "status must be open, closed, or both")
        if statuses == {"open"}:
            orders = orders.exclude(state__in=CLOSED_STATES)
        elif statuses == {"closed"}:
            orders = orders.filter(state__in=CLOSED_STATES)
    page = list(orders.order_by("-received_at", "-id")[:MAX_REQUESTS])
    media = _media_urls(page)
    return wire.render(
        fmt, "service_requests", [_request_item(o, media.get(o.pk, "")) for o in page]
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _create(request, fmt)
    return _list(request, fmt)


@require_GET
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    if error := _jurisdiction_error(request, fmt):
        return error
    order = _public_orders().filter(number=request_id).first()
    if order is None:
        return wire.errors(fmt, 404, f"service_request_id {request_id} not found")
    media = _media_urls([order])
    return wire.render(fmt, "service_requests", [_request_item(order, media.get(order.pk, ""))])


@require_GET
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    if error := _jurisdiction_error(request, fmt):
        return error
    record = Open311Request.objects.select_related("order").filter(token=token).first()
    if record is None:
        return wire.errors(fmt, 404, f"token {token} not found")
    item = {"service_request_id": record.order.number, "token": record.token}
    return wire.render(fmt, "service_requests", [item])


def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    fmt = "json" if request.path.endswith(".json") else "xml"
    return wire.errors(fmt, 404, f"no Open311 resource at {request.path}")
