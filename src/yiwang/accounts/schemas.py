"""API schemas for accounts."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema


class RoleSchema(Schema):
    role: str
    label: str
    region_code: str | None
    region_name: str | None
    department_code: str | None
    department_name: str | None
    center_name: str | None
    grid_codes: list[str]


class MeSchema(Schema):
    username: str
    full_name: str
    phone: str
    email: str
    roles: list[RoleSchema]
    scope: str


class TokenSchema(Schema):
    prefix: str
    name: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked: bool


class TokenCreateIn(Schema):
    name: str = ""
    days: int | None = None


class TokenCreatedSchema(TokenSchema):
    token: str
