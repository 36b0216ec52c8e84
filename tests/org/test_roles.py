"""Assigning roles: each role's requirements, and the separation of the three administrators
(三员分立) from each other and from business roles."""

from __future__ import annotations

from typing import Any

import pytest

from tests.org.conftest import Geography, make_region
from yiwang.core.errors import ValidationFailed
from yiwang.core.models import AuditRecord
from yiwang.core.scoping import scope_of
from yiwang.geo.choices import GridKind, RegionKind, RegionLevel
from yiwang.geo.models import Grid, Region
from yiwang.org.choices import Role, Tier
from yiwang.org.demo import OrgStats
from yiwang.org.models import CommandCenter, Department, RoleAssignment
from yiwang.org.services import assign_role, remove_role

pytestmark = pytest.mark.django_db


def _assigned() -> int:
    return AuditRecord.objects.filter(action="org.role_assigned").count()


@pytest.fixture
def chongchuan_cityman(organisation: OrgStats) -> Department:
    return Department.objects.get(code="320613-ND027")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (Role.SYSTEM_ADMIN, Role.DEPT_HANDLER),
        (Role.DEPT_HANDLER, Role.SECURITY_ADMIN),
        (Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN),
        (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN),
        (Role.AUDIT_ADMIN, Role.SYSTEM_ADMIN),
        (Role.CITIZEN, Role.AUDIT_ADMIN),
    ],
)
def test_an_administrator_role_must_be_the_only_role(
    make_user: Any, chongchuan_cityman: Department, first: str, second: str
) -> None:
    user = make_user("alice")
    place = {"department": chongchuan_cityman}
    assign_role(user, first, actor=None, **(place if first == Role.DEPT_HANDLER else {}))
    before = _assigned()
    with pytest.raises(ValidationFailed) as refused:
        assign_role(user, second, actor=None, **(place if second == Role.DEPT_HANDLER else {}))
    assert refused.value.field == "role"
    assert list(RoleAssignment.objects.filter(user=user).values_list("role", flat=True)) == [first]
    assert _assigned() == before


def test_reassigning_the_same_administrator_role_is_allowed(make_user: Any, db: Any) -> None:
    user = make_user("root")
    assign_role(user, Role.SYSTEM_ADMIN, actor=None)
    assign_role(user, Role.SYSTEM_ADMIN, actor=None)
    assert RoleAssignment.objects.filter(user=user).count() == 1
    user.refresh_from_db()
    assert user.is_staff  # administrators need the admin site


def test_a_business_role_is_possible_again_after_the_admin_role_is_removed(
    make_user: Any, chongchuan_cityman: Department
) -> None:
    user = make_user("bob")
    assign_role(user, Role.SECURITY_ADMIN, actor=None)
    remove_role(user, Role.SECURITY_ADMIN, actor=None)
    assert AuditRecord.objects.filter(action="org.role_removed", object_id=str(user.pk)).exists()
    assign_role(user, Role.DEPT_HANDLER, actor=None, department=chongchuan_cityman)
    assert set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True)) == {
        Role.DEPT_HANDLER
    }


def test_business_roles_combine(make_user: Any, chongchuan_cityman: Department) -> None:
    user = make_user("carol")
    city_center = CommandCenter.objects.get(tier=Tier.CITY)
    assign_role(user, Role.CITY_DISPATCHER, actor=None, center=city_center)
    assign_role(user, Role.DEPT_LIAISON, actor=None, department=chongchuan_cityman)
    assert RoleAssignment.objects.filter(user=user).count() == 2


def test_a_dispatcher_needs_a_center_of_its_tier(make_user: Any, organisation: OrgStats) -> None:
    user = make_user("dave")
    city_center = CommandCenter.objects.get(tier=Tier.CITY)
    county_center = CommandCenter.objects.get(region__code="320613")
    with pytest.raises(ValidationFailed) as refused:
        assign_role(user, Role.COUNTY_DISPATCHER, actor=None)
    assert refused.value.field == "center"
    with pytest.raises(ValidationFailed) as refused:
        assign_role(user, Role.COUNTY_DISPATCHER, actor=None, center=city_center)
    assert refused.value.field == "center"
    assert not RoleAssignment.objects.filter(user=user).exists()
    assignment = assign_role(user, Role.COUNTY_DISPATCHER, actor=None, center=county_center)
    assert assignment.region == county_center.region
    town_center = CommandCenter.objects.filter(tier=Tier.TOWN).first()
    assert town_center is not None
    with pytest.raises(ValidationFailed):
        assign_role(user, Role.TOWN_DISPATCHER, actor=None, center=county_center)
    assert assign_role(user, Role.TOWN_DISPATCHER, actor=None, center=town_center).region == (
        town_center.region
    )


def test_a_department_role_needs_a_department(
    make_user: Any, chongchuan_cityman: Department
) -> None:
    user = make_user("erin")
    with pytest.raises(ValidationFailed) as refused:
        assign_role(user, Role.DEPT_HANDLER, actor=None)
    assert refused.value.field == "department"
    assignment = assign_role(user, Role.DEPT_HANDLER, actor=None, department=chongchuan_cityman)
    assert assignment.region == chongchuan_cityman.region


def _grid(town: Region) -> Grid:
    community = make_region(
        f"{town.code}001", "示例社区", RegionLevel.COMMUNITY, RegionKind.COMMUNITY, town
    )
    assert town.parent is not None
    return Grid.objects.create(
        code=f"{town.code}001001",
        name="示例社区第1网格",
        kind=GridKind.COMPREHENSIVE,
        county=town.parent,
        town=town,
        community=community,
        path=community.path,
        geometry=community.geometry,
        min_lon=community.min_lon,
        min_lat=community.min_lat,
        max_lon=community.max_lon,
        max_lat=community.max_lat,
        centroid_lon=community.centroid_lon,
        centroid_lat=community.centroid_lat,
        area_km2=0.1,
    )


def test_a_grid_worker_needs_grids(make_user: Any, geography: Geography) -> None:
    user = make_user("frank")
    with pytest.raises(ValidationFailed) as refused:
        assign_role(user, Role.GRID_WORKER, actor=None)
    assert refused.value.field == "grids"
    town = geography.towns[0]
    grid = _grid(town)
    assignment = assign_role(user, Role.GRID_WORKER, actor=None, grids=[grid])
    assert assignment.region == town
    assert list(assignment.grids.all()) == [grid]
    assert scope_of(user).grid_ids == frozenset({grid.pk})


def test_a_leader_needs_a_region(make_user: Any, geography: Geography) -> None:
    user = make_user("grace")
    with pytest.raises(ValidationFailed) as refused:
        assign_role(user, Role.LEADER, actor=None)
    assert refused.value.field == "region"
    assert assign_role(user, Role.LEADER, actor=None, region=geography.city).region == (
        geography.city
    )


def test_an_unknown_role_is_refused(make_user: Any, db: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        assign_role(make_user("henry"), "mayor", actor=None)
    assert refused.value.field == "role"


def test_an_assignment_is_audited_and_changes_the_scope_at_once(
    make_user: Any, organisation: OrgStats
) -> None:
    admin = make_user("admin")
    user = make_user("ivy")
    assert scope_of(user).region_paths == ()  # computed and cached on the user object
    center = CommandCenter.objects.select_related("region").get(region__code="320682")
    assign_role(user, Role.COUNTY_DISPATCHER, actor=admin, center=center)
    record = AuditRecord.objects.filter(action="org.role_assigned").latest("id")
    assert record.actor == admin
    assert record.object_id == str(user.pk)
    assert record.after == {
        "role": "county_dispatcher",
        "center": center.pk,
        "department": None,
        "region": "320682",
        "grids": [],
    }
    assert scope_of(user).region_paths == (center.region.path,)
