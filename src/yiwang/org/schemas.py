"""Request and response shapes of the organisation API."""

from __future__ import annotations

from datetime import date
from typing import Literal

from ninja import Field, Schema

MAX_PAGE = 500


class PageFilters(Schema):
    limit: int = Field(100, ge=1, le=MAX_PAGE, description="page size (at most 500)")
    offset: int = Field(0, ge=0)


class DepartmentFilters(PageFilters):
    tier: Literal["city", "county"] | None = None
    region: str | None = Field(None, max_length=12, description="region code, e.g. 320613")
    q: str | None = Field(
        None,
        max_length=100,
        description="text in the name, short name or duties; or a code or legacy hotline",
    )


class CenterFilters(PageFilters):
    tier: Literal["city", "county", "town"] | None = None


class DepartmentRef(Schema):
    """A department named inside another answer."""

    code: str
    name: str
    short_name: str
    tier: str
    region_code: str
    region_name: str


class DepartmentSchema(DepartmentRef):
    """A department in the directory; ``parent_code`` names the city department of a branch."""

    kind: str
    parent_code: str | None
    duties: str
    legacy_hotline: str
    offers_online_services: bool


class DepartmentPage(Schema):
    count: int
    items: list[DepartmentSchema]


class StationedIn(Schema):
    """A center a department has staff stationed in."""

    center_id: int
    center_name: str
    tier: str
    staff_count: int
    since: date | None


class DepartmentDetail(DepartmentSchema):
    """A department with the branches and stations the caller may see."""

    branches: list[DepartmentRef]
    stationed_in: list[StationedIn]


class CenterRef(Schema):
    """A command center named inside another answer."""

    id: int
    name: str
    tier: str
    region_code: str
    region_name: str


class CenterSchema(CenterRef):
    """A command center with its parent and how many departments are stationed in it."""

    parent_id: int | None
    parent_name: str | None
    duty_phone: str
    stationed_count: int


class CenterPage(Schema):
    count: int
    items: list[CenterSchema]


class StationedDepartment(Schema):
    """A department stationed in a center, with the staff it sends."""

    code: str
    name: str
    short_name: str
    tier: str
    region_code: str
    staff_count: int
    since: date | None


class CenterDetail(CenterSchema):
    """A command center with its stationed departments and the child centers the caller may
    see."""

    stationed: list[StationedDepartment]
    children: list[CenterRef]
