"""Read models for the home page: the organisation at a glance, in the viewer's scope.

Every figure goes through the models' ``visible_to(user)``, in a fixed number of grouped
queries whatever the size of the city.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum, prefetch_related_objects
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from yiwang.core.scoping import scope_of
from yiwang.geo.choices import GridKind, RegionKind, RegionLevel
from yiwang.geo.models import Grid, Region
from yiwang.org.choices import Tier
from yiwang.org.models import CommandCenter, Department, RoleAssignment, Stationing


@dataclass(frozen=True)
class OrganisationCounts:
    """The headline figures of the home page's cards."""

    counties: int
    towns: int
    communities: int
    comprehensive_grids: int
    special_grids: int
    city_departments: int
    county_departments: int
    city_centers: int
    county_centers: int
    town_centers: int
    stationed_departments: int
    stationed_staff: int

    @property
    def centers(self) -> int:
        return self.city_centers + self.county_centers + self.town_centers

    @property
    def grids(self) -> int:
        return self.comprehensive_grids + self.special_grids


@dataclass(frozen=True)
class CountyRow:
    """One county-level division with what the viewer can see inside it."""

    code: str
    name: str
    towns: int = 0
    comprehensive_grids: int = 0
    special_grids: int = 0
    kind: str = ""
    centroid: tuple[float, float] | None = None

    @property
    def grids(self) -> int:
        return self.comprehensive_grids + self.special_grids


@dataclass(frozen=True)
class RoleLine:
    role: str
    place: str


@dataclass(frozen=True)
class ScopeSummary:
    """What the viewer holds and where, for people to read."""

    citywide: bool
    places: list[str]
    roles: list[RoleLine]


def _count_by(qs: QuerySet[Any], field: str) -> dict[str, int]:
    """``{value: count}`` of one grouped query.

    Grouping keeps the scoped queryset's DISTINCT to the grouped column: an aggregate over it
    would wrap every column (boundaries included) in a DISTINCT subquery. Count(distinct)
    because some scopes join through grids and would repeat a row.
    """
    rows = qs.values(field).annotate(n=Count("pk", distinct=True)).order_by()
    return {row[field]: row["n"] for row in rows}


def organisation_counts(user: Any) -> OrganisationCounts:
    """Five small grouped queries, one per model family, all through the viewer's scope."""
    levels = _count_by(Region.objects.visible_to(user), "level")
    kinds = _count_by(Grid.objects.visible_to(user), "kind")
    department_tiers = _count_by(Department.objects.visible_to(user).filter(is_active=True), "tier")
    visible_centers = CommandCenter.objects.visible_to(user)
    center_tiers = _count_by(visible_centers, "tier")
    stationed = Stationing.objects.filter(center__in=visible_centers.values("pk")).aggregate(
        departments=Count("department", distinct=True), staff=Sum("staff_count")
    )
    return OrganisationCounts(
        counties=levels.get(RegionLevel.COUNTY, 0),
        towns=levels.get(RegionLevel.TOWN, 0),
        communities=levels.get(RegionLevel.COMMUNITY, 0),
        comprehensive_grids=kinds.get(GridKind.COMPREHENSIVE, 0),
        special_grids=kinds.get(GridKind.SPECIAL, 0),
        city_departments=department_tiers.get(Tier.CITY, 0),
        county_departments=department_tiers.get(Tier.COUNTY, 0),
        city_centers=center_tiers.get(Tier.CITY, 0),
        county_centers=center_tiers.get(Tier.COUNTY, 0),
        town_centers=center_tiers.get(Tier.TOWN, 0),
        stationed_departments=stationed["departments"],
        stationed_staff=stationed["staff"] or 0,
    )


def county_rows(user: Any) -> list[CountyRow]:
    """Per county: visible towns and grids. Three grouped queries.

    A county appears when the viewer sees the county itself or anything inside it (a grid
    worker sees their towns and grids but not the county's own record).
    """
    rows: dict[str, dict[str, Any]] = {}

    def row(code: str, name: str) -> dict[str, Any]:
        return rows.setdefault(code, {"code": code, "name": name})

    visible_regions = Region.objects.visible_to(user)
    for county in visible_regions.filter(level=RegionLevel.COUNTY).values(
        "code", "name", "kind", "centroid_lon", "centroid_lat"
    ):
        found = row(county["code"], county["name"])
        found["kind"] = county["kind"]
        found["centroid"] = (county["centroid_lon"], county["centroid_lat"])
    # Count(distinct) because a scope may join through grids and repeat a town.
    towns = (
        visible_regions.filter(level=RegionLevel.TOWN, parent__isnull=False)
        .values("parent__code", "parent__name")
        .annotate(n=Count("pk", distinct=True))
        .order_by("parent__code")
    )
    for town in towns:
        row(town["parent__code"], town["parent__name"])["towns"] = town["n"]
    grids = (
        Grid.objects.visible_to(user)
        .values("county__code", "county__name")
        .annotate(
            comprehensive=Count("pk", filter=Q(kind=GridKind.COMPREHENSIVE), distinct=True),
            special=Count("pk", filter=Q(kind=GridKind.SPECIAL), distinct=True),
        )
        .order_by("county__code")
    )
    for grid in grids:
        found = row(grid["county__code"], grid["county__name"])
        found["comprehensive_grids"] = grid["comprehensive"]
        found["special_grids"] = grid["special"]
    return [CountyRow(**rows[code]) for code in sorted(rows)]


def grid_chart_data(rows: list[CountyRow]) -> dict[str, Any]:
    """The bar chart's series: grids per county, comprehensive and special stacked."""
    return {
        "counties": [r.name for r in rows],
        "series": [
            {
                "name": str(GridKind.COMPREHENSIVE.label),
                "data": [r.comprehensive_grids for r in rows],
            },
            {"name": str(GridKind.SPECIAL.label), "data": [r.special_grids for r in rows]},
        ],
    }


def map_labels(rows: list[CountyRow]) -> list[dict[str, Any]]:
    """County names at their centroids, drawn over the boundaries the browser fetches.

    Functional zones are small and sit inside the districts, so the map draws their names
    smaller and first, leaving the districts' names on top.
    """
    labels = [
        {
            "code": r.code,
            "name": r.name,
            "value": list(r.centroid),
            "minor": r.kind == RegionKind.FUNCTIONAL_ZONE,
        }
        for r in rows
        if r.centroid is not None
    ]
    return sorted(labels, key=lambda label: not label["minor"])


def role_assignments(user: Any) -> list[RoleAssignment]:
    """The viewer's roles with their places, in one query.

    Prefetched onto the user, so the page header's ``user.role_assignments.all`` reuses them.
    """
    prefetch_related_objects(
        [user],
        Prefetch(
            "role_assignments",
            queryset=RoleAssignment.objects.select_related("region", "center", "department"),
        ),
    )
    return list(user.role_assignments.all())


def scope_summary(user: Any, assignments: list[RoleAssignment]) -> ScopeSummary:
    """Roles and scope in words, from the assignments already loaded (no further queries)."""
    scope = scope_of(user)
    roles: list[RoleLine] = []
    places: list[str] = []
    for a in assignments:
        if a.center is not None:
            place = a.center.name
        elif a.department is not None:
            place = a.department.name
        elif a.region is not None:
            place = a.region.name
        else:
            place = ""
        roles.append(RoleLine(role=a.get_role_display(), place=place))
        if a.region is not None and a.region.path in scope.region_paths:
            places.append(a.region.name)
        if a.department is not None and a.department.pk in scope.department_ids:
            places.append(a.department.name)
    if scope.grid_ids:
        count = len(scope.grid_ids)
        places.append(ngettext("%(count)d grid", "%(count)d grids", count) % {"count": count})
    if scope.public_directory:
        places.append(_("the public directory"))
    return ScopeSummary(citywide=scope.everything, places=list(dict.fromkeys(places)), roles=roles)
