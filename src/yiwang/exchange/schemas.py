"""API shapes of the exchange."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Field, Schema


class ItemSchema(Schema):
    name: str
    type: str = "string"
    description: str = ""
    personal: str = ""
    required: bool = False


class ResourceIn(Schema):
    code: str
    name: str
    provider: str = Field(description="the provider department's code")
    classification: str = "department"
    theme: str = "social"
    abstract: str = ""
    format: str = "database"
    sharing_type: str = "unconditional"
    legal_basis: str = ""
    sharing_conditions: str = ""
    sharing_method: str = "api"
    open_attribute: str = "not_open"
    update_cycle: str = "daily"
    key_item: str = ""
    published_on: date | None = None
    related: list[str] = []
    items: list[ItemSchema]


class ResourceOut(Schema):
    code: str
    name: str
    classification: str
    theme: str
    provider: str
    provider_name: str
    abstract: str
    format: str
    sharing_type: str
    legal_basis: str
    sharing_conditions: str
    sharing_method: str
    open_attribute: str
    update_cycle: str
    published_on: date
    key_item: str
    items: list[ItemSchema]
    schema_version: int
    related: list[str]
    backflow_level: str
    record_count: int
    last_sequence: int


class ResourcePage(Schema):
    count: int
    items: list[ResourceOut]


class SchemaChangeIn(Schema):
    items: list[ItemSchema]
    note: str = ""


class SchemaVersionOut(Schema):
    version: int
    items: list[ItemSchema]
    note: str
    created_at: datetime


class BatchOut(Schema):
    batch_id: str
    records: int
    first_sequence: int
    last_sequence: int
    duplicate: bool
    schema_version: int


class RecordOut(Schema):
    seq: int
    delivery_key: str
    key: str
    data: dict[str, Any]


class PullPage(Schema):
    resource: str
    records: list[RecordOut]
    next_after: int
    has_more: bool


class ShareRequestIn(Schema):
    resource: str
    consumer: str = Field(description="the requesting department's code")
    purpose: str
    items: list[str]


class ShareRequestOut(Schema):
    id: int
    resource: str
    consumer: str
    purpose: str
    items: list[str]
    status: str
    due_at: datetime | None
    reason: str
    dispute_reason: str
    created_at: datetime
    grant: int | None


class DecisionIn(Schema):
    reason: str = ""
    masked_items: list[str] | None = None
    rate_limit: str | None = None
    days: int | None = None


class GrantIn(Schema):
    resource: str
    consumer: str
    items: list[str]
    masked_items: list[str] = []
    rate_limit: str | None = None
    days: int | None = None


class GrantOut(Schema):
    id: int
    resource: str
    consumer: str
    items: list[str]
    masked_items: list[str]
    rate_limit: str
    expires_at: datetime
    revoked_at: datetime | None
    active: bool


class RevokeIn(Schema):
    reason: str = ""


class ClientIn(Schema):
    department: str
    name: str = ""


class ClientOut(Schema):
    id: int
    department: str
    name: str
    prefix: str
    token: str = Field(description="shown once")


class SubscriptionIn(Schema):
    resource: str
    kind: str = Field(description="webhook or stream")
    target_url: str = ""
    from_sequence: int | None = Field(None, description="default: from now on")


class SubscriptionOut(Schema):
    id: int
    resource: str
    kind: str
    target_url: str
    cursor: int
    lag: int
    is_active: bool
    failures: int
    last_error: str
    next_attempt_at: datetime | None
    delivered: int
    durable_name: str
    subject: str


class VolumeRow(Schema):
    day: date
    direction: str
    records: int
    operations: int
    failures: int


class MetricsOut(Schema):
    days: int
    backend: str
    totals: dict[str, int]
    daily: list[VolumeRow]
    by_resource: list[dict[str, Any]]
    by_department: list[dict[str, Any]]
    stream_lag: int
    subscription_lag: int
    failed_backflow_runs: int
