"""The work-order REST API: intake, scoped lists with cursor pagination, detail with timeline,
and one endpoint per lifecycle action. Handlers parse, call one service, render."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from ninja import File, Form, Header, Query, Router, Status
from ninja.files import UploadedFile

from yiwang.core.api_auth import request_user
from yiwang.core.errors import NotFound, ValidationFailed
from yiwang.core.masking import MASKERS, reveal
from yiwang.core.scoping import get_visible_or_404, roles_of
from yiwang.geo.models import Grid
from yiwang.workorders import routing
from yiwang.workorders.attachments import check_size
from yiwang.workorders.choices import HANDLING_STATES
from yiwang.workorders.duplicates import duplicates_of, duplicates_of_many
from yiwang.workorders.lifecycle import DISPATCHERS, HOTLINE, allowed_actions
from yiwang.workorders.models import Attachment, Whistle, WorkOrder, WorkOrderEvent
from yiwang.workorders.models.order import WorkOrderQuerySet
from yiwang.workorders.schemas import (
    ActionIn,
    AttachmentSchema,
    DuplicateSchema,
    PossibleDuplicateSchema,
    WorkOrderBatchIn,
    WorkOrderBatchOut,
    WorkOrderCreatedSchema,
    WorkOrderDetailSchema,
    WorkOrderFiledSchema,
    WorkOrderFilter,
    WorkOrderIn,
    WorkOrderPage,
)
from yiwang.workorders.services import (
    add_attachment,
    create_work_order,
    create_work_orders,
    perform_action,
)

router = Router(tags=["work orders"])

IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
# A batch's key gets "#NNN" appended per order, so it must leave room for that.
BATCH_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{8,60}$")
# Confidential contacts are shown (by role) only to the center; units see them masked.
_CONFIDENTIAL_READERS = DISPATCHERS | HOTLINE


def _orders() -> WorkOrderQuerySet:
    return WorkOrder.objects.for_display().prefetch_related("assisting_departments")


def _place(obj: Any) -> dict[str, str] | None:
    return {"code": obj.code, "name": obj.name} if obj is not None else None


def _contact(viewer: Any, order: WorkOrder, field: str, value: str) -> str:
    if (
        order.confidential
        and value
        and order.contact_user_id != viewer.pk
        and not roles_of(viewer) & _CONFIDENTIAL_READERS
    ):
        return MASKERS[field](value)
    return reveal(viewer, field, value, owner_id=order.contact_user_id)


def _out(viewer: Any, order: WorkOrder, **extra: Any) -> dict[str, Any]:
    """The order as the API shows it to ``viewer``: plain data, validated once on the way out by
    the endpoint's response schema (building schema objects here would validate it twice)."""
    now = timezone.now()
    return dict(
        number=order.number,
        channel=order.channel,
        request_type=order.request_type,
        category=_place(order.category),
        title=order.title,
        description=order.description,
        lon=order.lon,
        lat=order.lat,
        address=order.address,
        grid=order.grid.code if order.grid else None,
        town=_place(order.town),
        county=_place(order.county),
        contact_name=_contact(viewer, order, "name", order.contact_name),
        contact_phone=_contact(viewer, order, "phone", order.contact_phone),
        confidential=order.confidential,
        priority=order.priority,
        needs_verification=order.needs_verification,
        state=order.state,
        tier=order.tier,
        center=order.center.name,
        lead_department=_place(order.lead_department),
        assisting_departments=[_place(d) for d in order.assisting_departments.all()],
        handler=order.handler.username if order.handler else None,
        received_at=order.received_at,
        dispatched_at=order.dispatched_at,
        acknowledged_at=order.acknowledged_at,
        replied_at=order.replied_at,
        closed_at=order.closed_at,
        due_at=order.due_at,
        overdue=bool(order.due_at and order.due_at < now and order.state in HANDLING_STATES),
        extension_requested_until=order.extension_requested_until,
        extension_pending=order.extension_pending,
        extension_granted_until=order.extension_granted_until,
        parent=order.parent.number if order.parent else None,
        rating=order.rating,
        reply=order.reply,
        counts={
            "returns": order.return_count,
            "reopens": order.reopen_count,
            "urges": order.urge_count,
            "extensions": order.extension_count,
        },
        version=order.version,
        updated_at=order.updated_at,
        actions=allowed_actions(order.state, roles_of(viewer)),
        **extra,
    )


def _detail(viewer: Any, number: str, **extra: Any) -> dict[str, Any]:
    order = get_visible_or_404(_orders(), viewer, number=number)
    routing.attach_references([order])
    return _detail_of(viewer, order, **extra)


def _detail_of(viewer: Any, order: WorkOrder, **extra: Any) -> dict[str, Any]:
    """``order`` with its timeline, as ``viewer`` may read it (the caller checked its scope)."""
    events = WorkOrderEvent.objects.filter(order=order).select_related("actor")
    timeline = [
        {
            "kind": e.kind,
            "actor": e.actor.username if e.actor else None,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "note": e.note,
            "data": e.data or {},
            "created_at": e.created_at,
        }
        for e in events.order_by("created_at", "id")
    ]
    files = [
        _attachment_out(order.number, a)
        for a in Attachment.objects.filter(order=order).order_by("id")
    ]
    now = timezone.now()
    whistles = [
        {
            "department": w.department.code,
            "department_name": w.department.name,
            "called_at": w.called_at,
            "answer_by": w.answer_by,
            "answered_at": w.answered_at,
            "late": (w.answered_at or now) > w.answer_by,
        }
        for w in Whistle.objects.filter(order=order).select_related("department")
    ]
    return _out(
        viewer,
        order,
        timeline=timeline,
        attachments=files,
        whistles=whistles,
        routing_model_version=order.routing_model_version,
        **extra,
    )


@router.post("/workorders/batch", response={201: WorkOrderBatchOut})
def create_batch(
    request: HttpRequest,
    payload: WorkOrderBatchIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Status:
    """File up to 500 requests at once (a partner platform's or a call center's hand-over), all
    or none: a bad item refuses the batch with its ``index`` and ``field`` in the error's
    details. A retry with the same ``Idempotency-Key`` returns the same orders."""
    if idempotency_key is not None and not BATCH_KEY_RE.match(idempotency_key):
        raise ValidationFailed(
            "Idempotency-Key must be 8–60 characters of letters, digits, '-' and '_'.",
            field="Idempotency-Key",
        )
    user = request_user(request)
    orders = create_work_orders(
        actor=user,
        items=[item.dict() for item in payload.orders],
        idempotency_key=idempotency_key,
    )
    found = duplicates_of_many(orders, among=WorkOrder.objects.visible_to(user))
    codes = dict(
        Grid.objects.filter(pk__in={o.grid_id for o in orders if o.grid_id}).values_list(
            "pk", "code"
        )
    )
    return Status(
        201,
        WorkOrderBatchOut(
            orders=[
                WorkOrderFiledSchema(
                    number=o.number,
                    state=o.state,
                    category=routing.category_code(o.category_id),
                    county=_code(o.county_id),
                    town=_code(o.town_id),
                    grid=codes.get(o.grid_id) if o.grid_id else None,
                    lead_department=routing.department_code(o.lead_department_id),
                    possible_duplicates=[
                        PossibleDuplicateSchema(number=c.number, score=c.score)
                        for c in found[o.number]
                    ],
                )
                for o in orders
            ]
        ),
    )


def _code(region_id: int | None) -> str | None:
    region = routing.area(region_id)
    return region.code if region is not None else None


@router.post("/workorders", response={201: WorkOrderCreatedSchema})
def create(
    request: HttpRequest,
    payload: WorkOrderIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Status:
    """File a request. A retry with the same ``Idempotency-Key`` returns the same order.
    ``possible_duplicates`` lists open orders the caller may see that may be the same request."""
    if idempotency_key is not None and not IDEMPOTENCY_KEY_RE.match(idempotency_key):
        raise ValidationFailed(
            "Idempotency-Key must be 8–64 characters of letters, digits, '-' and '_'.",
            field="Idempotency-Key",
        )
    user = request_user(request)
    body = payload.dict(exclude={"attachments"})
    files = [
        (item.name, _decoded(item.content_base64, f"attachments[{index}]"))
        for index, item in enumerate(payload.attachments)
    ]
    order = create_work_order(
        actor=user, idempotency_key=idempotency_key, attachments=files, **body
    )
    duplicates = [
        {"number": c.number, "score": c.score}
        for c in duplicates_of(order, orders=WorkOrder.objects.visible_to(user))
    ]
    # The caller filed it, so it is theirs to read; answer from the order in hand.
    return Status(201, _detail_of(user, order, possible_duplicates=duplicates))


def _encode_cursor(order: WorkOrder) -> str:
    raw = f"{order.received_at.isoformat()}|{order.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, pk = raw.split("|")
        return datetime.fromisoformat(moment), int(pk)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            "The cursor is not one this API handed out.", field="cursor"
        ) from exc


def _filtered(qs: QuerySet[WorkOrder], f: WorkOrderFilter) -> QuerySet[WorkOrder]:
    exact = {
        "state": f.state,
        "channel": f.channel,
        "category__code": f.category,
        "request_type": f.request_type,
        "county__code": f.county,
        "town__code": f.town,
        "grid__code": f.grid,
        "received_at__gte": f.created_from,
        "received_at__lt": f.created_to,
    }
    qs = qs.filter(**{k: v for k, v in exact.items() if v is not None})
    if f.department:
        assisting = WorkOrder.assisting_departments.through.objects.filter(
            department__code=f.department
        ).values("workorder_id")
        qs = qs.filter(Q(lead_department__code=f.department) | Q(id__in=assisting))
    if f.overdue is not None:
        late = Q(due_at__lt=timezone.now(), state__in=HANDLING_STATES)
        qs = qs.filter(late) if f.overdue else qs.exclude(late)
    if f.q:
        qs = qs.filter(
            Q(number=f.q.strip()) | Q(title__icontains=f.q) | Q(description__icontains=f.q)
        )
    return qs


@router.get("/workorders", response=WorkOrderPage)
def list_orders(request: HttpRequest, filters: Query[WorkOrderFilter]) -> dict[str, Any]:
    """Orders the caller may see, newest first, one page at a time (``next`` cursor)."""
    user = request_user(request)
    qs = _filtered(_orders().visible_to(user), filters).order_by("-received_at", "-id")
    if filters.cursor:
        moment, pk = _decode_cursor(filters.cursor)
        qs = qs.filter(Q(received_at__lt=moment) | Q(received_at=moment, id__lt=pk))
    page = list(qs[: filters.limit + 1])
    more = len(page) > filters.limit
    page = page[: filters.limit]
    routing.attach_references(page)
    return {
        "items": [_out(user, o) for o in page],
        "next": _encode_cursor(page[-1]) if more else None,
    }


@router.get("/workorders/{number}", response=WorkOrderDetailSchema)
def detail(request: HttpRequest, number: str) -> dict[str, Any]:
    """One order with its timeline; out of scope is the same 404 as missing."""
    return _detail(request_user(request), number)


@router.get("/workorders/{number}/duplicates", response=list[DuplicateSchema])
def duplicates(request: HttpRequest, number: str) -> list[DuplicateSchema]:
    """Open orders of the same category, near in place and time, whose text reads alike; best
    first. Shown, never merged automatically: merging is the ``merge`` action."""
    user = request_user(request)
    order = get_visible_or_404(WorkOrder.objects.all(), user, number=number)
    found = duplicates_of(order, orders=WorkOrder.objects.visible_to(user))
    return [DuplicateSchema.model_validate(c, from_attributes=True) for c in found]


def _decoded(text: str, field: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed("The content is not valid base64.", field=field) from exc


@router.post(
    "/workorders/{number}/attachments", response={201: AttachmentSchema}, tags=["work orders"]
)
def attach(
    request: HttpRequest, number: str, file: File[UploadedFile], note: Form[str] = ""
) -> Status:
    """Add a file (multipart ``file``, optional ``note``) to an order you may see: photos
    (jpg, png, gif, webp), documents (pdf, doc, docx, xls, xlsx, txt), recordings (mp3, wav,
    amr, m4a) and short videos (mp4), checked by name and content, at most
    ``ATTACHMENT_MAX_BYTES``."""
    user = request_user(request)
    order = get_visible_or_404(WorkOrder.objects.all(), user, number=number)
    check_size(file.size or 0, field="file")  # before reading a too-large upload
    attachment = add_attachment(
        order, actor=user, name=file.name or "", content=file.read(), note=note
    )
    return Status(201, _attachment_out(order.number, attachment))


def _attachment_out(number: str, attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "uploaded_at": attachment.created_at,
        "url": f"/api/v1/workorders/{number}/attachments/{attachment.pk}",
    }


@router.get("/workorders/{number}/attachments/{attachment_id}", response={200: None})
def download(request: HttpRequest, number: str, attachment_id: int) -> FileResponse:
    """The file itself, to anyone who may see the order (else the same 404 as missing)."""
    user = request_user(request)
    order = get_visible_or_404(WorkOrder.objects.all(), user, number=number)
    attachment = Attachment.objects.filter(order=order, pk=attachment_id).first()
    if attachment is None:
        raise NotFound("attachment not found")
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=not attachment.content_type.startswith("image/"),
        filename=attachment.name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@router.post("/workorders/{number}/{action}", response=WorkOrderDetailSchema)
def act(request: HttpRequest, number: str, action: str, payload: ActionIn) -> dict[str, Any]:
    """Take a lifecycle action (dispatch, acknowledge, reply, return, escalate, urge …)."""
    user = request_user(request)
    order = get_visible_or_404(WorkOrder.objects.all(), user, number=number)
    fields = payload.dict(exclude_none=True, exclude={"version"})
    perform_action(order, action, actor=user, expected_version=payload.version, **fields)
    return _detail(user, number)
