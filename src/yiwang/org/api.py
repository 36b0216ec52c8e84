"""The organisation API: the department directory and the command centers, read through the
caller's scope. Reads only; changes go through ``org.services``."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from ninja import Query, Router

from yiwang.core.api_auth import request_user
from yiwang.core.scoping import get_visible_or_404
from yiwang.org.models import CommandCenter, Department, Stationing
from yiwang.org.schemas import (
    CenterDetail,
    CenterFilters,
    CenterPage,
    DepartmentDetail,
    DepartmentFilters,
    DepartmentPage,
)

router = Router(tags=["organisation"])


def _department_ref(department: Department) -> dict[str, Any]:
    return {
        "code": department.code,
        "name": department.name,
        "short_name": department.short_name,
        "tier": department.tier,
        "region_code": department.region.code,
        "region_name": department.region.name,
    }


def _department(department: Department) -> dict[str, Any]:
    return {
        **_department_ref(department),
        "kind": department.kind,
        "parent_code": department.parent.code if department.parent is not None else None,
        "duties": department.duties,
        "legacy_hotline": department.legacy_hotline,
        "offers_online_services": department.offers_online_services,
    }


def _center_ref(center: CommandCenter) -> dict[str, Any]:
    return {
        "id": center.pk,
        "name": center.name,
        "tier": center.tier,
        "region_code": center.region.code,
        "region_name": center.region.name,
    }


def _center(center: CommandCenter, stationed_count: int) -> dict[str, Any]:
    return {
        **_center_ref(center),
        "parent_id": center.parent_id,
        "parent_name": center.parent.name if center.parent is not None else None,
        "duty_phone": center.duty_phone,
        "stationed_count": stationed_count,
    }


@router.get("/departments", response=DepartmentPage, summary="List departments")
def list_departments(request: HttpRequest, filters: Query[DepartmentFilters]) -> dict[str, Any]:
    """The departments the caller may see, city departments first, by code."""
    departments = Department.objects.visible_to(request_user(request)).select_related(
        "region", "parent"
    )
    if filters.tier:
        departments = departments.filter(tier=filters.tier)
    if filters.region:
        departments = departments.filter(region__code=filters.region)
    if filters.q and filters.q.strip():
        text = filters.q.strip()
        departments = departments.filter(
            Q(name__icontains=text)
            | Q(short_name__icontains=text)
            | Q(code__iexact=text)
            | Q(legacy_hotline=text)
            | Q(duties__icontains=text)
        )
    page = departments[filters.offset : filters.offset + filters.limit]
    return {"count": departments.count(), "items": [_department(d) for d in page]}


@router.get("/departments/{code}", response=DepartmentDetail, summary="One department")
def get_department(request: HttpRequest, code: str) -> dict[str, Any]:
    """A department with its branches and the centers it is stationed in, as far as the caller
    may see them; out of scope answers the same 404 as a code that does not exist."""
    user = request_user(request)
    department = get_visible_or_404(
        Department.objects.select_related("region", "parent"), user, code=code
    )
    branches = (
        Department.objects.visible_to(user).filter(parent=department).select_related("region")
    )
    stationings = (
        Stationing.objects.filter(
            department=department, center__in=CommandCenter.objects.visible_to(user)
        )
        .select_related("center")
        .order_by("center__region__code")
    )
    return {
        **_department(department),
        "branches": [_department_ref(b) for b in branches],
        "stationed_in": [
            {
                "center_id": s.center_id,
                "center_name": s.center.name,
                "tier": s.center.tier,
                "staff_count": s.staff_count,
                "since": s.since,
            }
            for s in stationings
        ],
    }


@router.get("/centers", response=CenterPage, summary="List command centers")
def list_centers(request: HttpRequest, filters: Query[CenterFilters]) -> dict[str, Any]:
    """The command centers the caller may see, by region code, with how many departments are
    stationed in each."""
    centers = CommandCenter.objects.visible_to(request_user(request))
    if filters.tier:
        centers = centers.filter(tier=filters.tier)
    # Meta.ordering does not apply to aggregate queries: order explicitly.
    page = (
        centers.select_related("region", "parent")
        .annotate(stationed=Count("stationings", distinct=True))
        .order_by("region__code")[filters.offset : filters.offset + filters.limit]
    )
    return {"count": centers.count(), "items": [_center(c, c.stationed) for c in page]}


@router.get("/centers/{center_id}", response=CenterDetail, summary="One command center")
def get_center(request: HttpRequest, center_id: int) -> dict[str, Any]:
    """A command center with the departments stationed in it and its child centers.

    The stationed departments are listed whatever the caller's department scope: who works in
    a center the caller may see is part of that center (and the directory is public anyway).
    """
    user = request_user(request)
    center = get_visible_or_404(
        CommandCenter.objects.select_related("region", "parent"), user, pk=center_id
    )
    stationings = list(
        center.stationings.select_related("department__region").order_by(
            "department__tier", "department__code"
        )
    )
    children = CommandCenter.objects.visible_to(user).filter(parent=center).select_related("region")
    return {
        **_center(center, len(stationings)),
        "stationed": [
            {
                "code": s.department.code,
                "name": s.department.name,
                "short_name": s.department.short_name,
                "tier": s.department.tier,
                "region_code": s.department.region.code,
                "staff_count": s.staff_count,
                "since": s.since,
            }
            for s in stationings
        ],
        "children": [_center_ref(c) for c in children],
    }
