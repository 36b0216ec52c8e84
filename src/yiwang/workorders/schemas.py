"""API schemas for work orders: intake, list filters, the order, its timeline, actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field


class AttachmentIn(Schema):
    """A file sent with the request: its name and its content in base64."""

    name: str
    content_base64: str


class AttachmentSchema(Schema):
    id: int
    name: str
    content_type: str
    size: int
    uploaded_at: datetime
    url: str = Field(description="download address (same scope as the order)")


class WorkOrderIn(Schema):
    """A request as a client sends it (flat JSON)."""

    description: str
    request_type: str
    channel: str
    lon: float | None = None
    lat: float | None = None
    address: str = ""
    category: str | None = None
    title: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    confidential: bool = False
    priority: str = "normal"
    routing_model_version: str = Field(
        "", max_length=32, description="the AI routing model version whose suggestion was used"
    )
    attachments: list[AttachmentIn] = Field(
        default_factory=list, description="photos, documents or recordings, base64-encoded"
    )


class WorkOrderFilter(Schema):
    state: str | None = None
    channel: str | None = None
    category: str | None = None
    request_type: str | None = None
    county: str | None = None
    town: str | None = None
    grid: str | None = None
    department: str | None = Field(None, description="lead or assisting department code")
    overdue: bool | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    q: str | None = Field(None, max_length=100, description="text in number, title, description")
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class PlaceSchema(Schema):
    code: str
    name: str


class WorkOrderSchema(Schema):
    number: str
    channel: str
    request_type: str
    category: PlaceSchema | None
    title: str
    description: str
    lon: float | None
    lat: float | None
    address: str
    grid: str | None
    town: PlaceSchema | None
    county: PlaceSchema | None
    contact_name: str
    contact_phone: str
    confidential: bool
    priority: str
    needs_verification: bool
    state: str
    tier: str
    center: str
    lead_department: PlaceSchema | None
    assisting_departments: list[PlaceSchema]
    handler: str | None
    received_at: datetime
    dispatched_at: datetime | None
    acknowledged_at: datetime | None
    replied_at: datetime | None
    closed_at: datetime | None
    due_at: datetime | None
    overdue: bool
    extension_requested_until: datetime | None
    extension_pending: bool
    extension_granted_until: datetime | None
    parent: str | None
    rating: str
    reply: str
    counts: dict[str, int]
    version: int
    updated_at: datetime
    actions: list[str] = Field(description="actions the caller's roles allow in this state")


class EventSchema(Schema):
    kind: str
    actor: str | None
    from_state: str
    to_state: str
    note: str
    data: dict[str, Any]
    created_at: datetime


class WhistleSchema(Schema):
    """A town's call (吹哨) to a unit and the unit's answer (报到)."""

    department: str
    department_name: str
    called_at: datetime
    answer_by: datetime
    answered_at: datetime | None
    late: bool = Field(description="answered after answer_by, or still unanswered past it")


class WorkOrderDetailSchema(WorkOrderSchema):
    timeline: list[EventSchema]
    attachments: list[AttachmentSchema]
    whistles: list[WhistleSchema]
    routing_model_version: str = Field(
        "", description="the routing model whose suggestion the order was filed on, if any"
    )


class DuplicateSchema(Schema):
    """An open order that may be the same request (docs/workorders.md "Duplicates")."""

    number: str
    score: float = Field(description="text similarity × closeness in place and time, 0–1")
    distance_m: float
    days_apart: float
    text_similarity: float
    state: str


class PossibleDuplicateSchema(Schema):
    number: str
    score: float


class WorkOrderCreatedSchema(WorkOrderDetailSchema):
    possible_duplicates: list[PossibleDuplicateSchema] = Field(
        description="open orders that may be the same request; merge them with the merge action"
    )


class WorkOrderBatchIn(Schema):
    """Many requests at once (bulk intake), stored all or none."""

    orders: list[WorkOrderIn]


class WorkOrderFiledSchema(Schema):
    """One order of a batch as filed: its number, where it stands and what may repeat it."""

    number: str
    state: str
    category: str | None
    county: str | None
    town: str | None
    grid: str | None
    lead_department: str | None
    possible_duplicates: list[PossibleDuplicateSchema]


class WorkOrderBatchOut(Schema):
    orders: list[WorkOrderFiledSchema]


class WorkOrderPage(Schema):
    items: list[WorkOrderSchema]
    next: str | None = Field(description="cursor of the next page; absent on the last")


class ActionIn(Schema):
    """Fields of a lifecycle action; each action reads the ones it needs (docs/workorders.md)."""

    version: int | None = Field(None, description="the version you loaded (optimistic lock)")
    note: str = ""
    reason: str = ""
    department: str | None = None
    category: str | None = None
    priority: str | None = None
    needs_verification: bool | None = None
    reply: str | None = None
    rating: str | None = None
    resolved: bool | None = Field(None, description="callback: was the problem solved (解决率)")
    until: datetime | None = None
    line: str | None = None
    parent: str | None = None
