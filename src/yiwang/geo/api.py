"""Regions, grids, point lookups and map boundaries.

Lists and details are scoped: a user sees the regions and grids of the places they work in
(``visible_to``), and out-of-scope objects are the same 404 as missing ones.

Two endpoints answer with geographic reference data rather than business records:

- ``/geo/locate`` answers for any point, to any signed-in user: intake needs the grid of a
  citizen's location wherever it is. A point outside every grid is HTTP 200 with
  ``inside: false`` and status ``outside_jurisdiction`` — a valid answer, not an error.
- ``/geo/boundaries`` returns simplified outlines for the home page map, filtered through
  ``Region.objects.visible_to`` like every other read, so a town leader's map shows their town
  and a city-wide role's map shows the whole city. The GeoJSON is built once per geography
  version and kept in process memory.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Literal

import numpy as np
import shapely
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from yiwang.core.api_auth import request_user
from yiwang.core.scoping import get_visible_or_404
from yiwang.geo.choices import GridKind
from yiwang.geo.generate import geojson_geometry, geometry_from_geojson, polygonal
from yiwang.geo.locator import Location, Stamp, geography_stamp, locate
from yiwang.geo.models import Grid, Region
from yiwang.geo.schemas import (
    BoundaryCollectionSchema,
    GridDetailSchema,
    GridPageSchema,
    LocationSchema,
    RegionDetailSchema,
    RegionSchema,
)

router = Router(tags=["geography"])

RegionLevelParam = Literal["city", "county", "town", "community"]
_REGION_LIST_FIELDS = (
    "code",
    "name",
    "level",
    "kind",
    "parent__code",
    "centroid_lon",
    "centroid_lat",
    "area_km2",
    "synthetic",
)
_GRID_LIST_FIELDS = (
    "code",
    "name",
    "kind",
    "site_type",
    "centroid_lon",
    "centroid_lat",
    "area_km2",
    "households",
    "synthetic",
    "community__code",
    "community__name",
    "town__code",
    "town__name",
    "county__code",
    "county__name",
)
# Simplification tolerance in degrees (~100 m for counties, ~50 m for towns) and output
# precision (5 decimals ≈ 1 m): Nantong's 96 towns come to about 75 KB.
_BOUNDARY_TOLERANCE = {"county": 0.001, "town": 0.0005}
_BOUNDARY_DECIMALS = 5


def _region_out(region: Region) -> dict[str, Any]:
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "kind": region.kind,
        "parent_code": region.parent.code if region.parent is not None else None,
        "centroid": (region.centroid_lon, region.centroid_lat),
        "area_km2": region.area_km2,
        "synthetic": region.synthetic,
    }


def _grid_out(grid: Grid) -> dict[str, Any]:
    return {
        "code": grid.code,
        "name": grid.name,
        "kind": grid.kind,
        "site_type": grid.site_type,
        "community_code": grid.community.code,
        "community_name": grid.community.name,
        "town_code": grid.town.code,
        "town_name": grid.town.name,
        "county_code": grid.county.code,
        "county_name": grid.county.name,
        "centroid": (grid.centroid_lon, grid.centroid_lat),
        "area_km2": grid.area_km2,
        "households": grid.households,
        "synthetic": grid.synthetic,
    }


def _bbox(obj: Region | Grid) -> tuple[float, float, float, float]:
    return (obj.min_lon, obj.min_lat, obj.max_lon, obj.max_lat)


@router.get("/regions", response=list[RegionSchema])
def list_regions(
    request: HttpRequest, level: RegionLevelParam | None = None, parent: str | None = None
) -> list[dict[str, Any]]:
    """Regions the user may see, by level and/or parent code, in code order."""
    qs = Region.objects.visible_to(request_user(request))
    if level:
        qs = qs.filter(level=level)
    if parent:
        qs = qs.filter(parent__code=parent)
    return [_region_out(r) for r in qs.select_related("parent").only(*_REGION_LIST_FIELDS)]


@router.get("/regions/{code}", response=RegionDetailSchema)
def region_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    """One region with its outline and how many child regions and grids it holds."""
    user = request_user(request)
    region = get_visible_or_404(Region.objects.select_related("parent"), user, code=code)
    grids = Grid.objects.visible_to(user).filter(path__startswith=region.path)
    return {
        **_region_out(region),
        "path": region.path,
        "bbox": _bbox(region),
        "children_count": Region.objects.visible_to(user).filter(parent=region).count(),
        "comprehensive_grid_count": grids.filter(kind=GridKind.COMPREHENSIVE).count(),
        "special_grid_count": grids.filter(kind=GridKind.SPECIAL).count(),
        "geometry": region.geometry,
    }


@router.get("/grids", response=GridPageSchema)
def list_grids(
    request: HttpRequest,
    kind: Literal["comprehensive", "special"] | None = None,
    county: str | None = None,
    town: str | None = None,
    community: str | None = None,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    """Grids the user may see, filtered, in code order: ``{"count": total, "items": [...]}``."""
    qs = Grid.objects.visible_to(request_user(request))
    if kind:
        qs = qs.filter(kind=kind)
    if county:
        qs = qs.filter(county__code=county)
    if town:
        qs = qs.filter(town__code=town)
    if community:
        qs = qs.filter(community__code=community)
    page = qs.select_related("community", "town", "county").only(*_GRID_LIST_FIELDS)
    return {
        "count": qs.count(),
        "items": [_grid_out(g) for g in page[offset : offset + limit]],
    }


@router.get("/grids/{code}", response=GridDetailSchema)
def grid_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    """One grid with its outline."""
    grid = get_visible_or_404(
        Grid.objects.select_related("community", "town", "county"),
        request_user(request),
        code=code,
    )
    return {**_grid_out(grid), "bbox": _bbox(grid), "geometry": grid.geometry}


@router.get("/geo/locate", response=LocationSchema)
def locate_point(request: HttpRequest, lon: float, lat: float) -> dict[str, Any]:
    """The grid, special grid, community, town and county at a point (see module docstring)."""
    return _location_out(locate(lon, lat))


def _location_out(loc: Location) -> dict[str, Any]:
    def place(p: Any) -> dict[str, Any] | None:
        return None if p is None else {"code": p.code, "name": p.name}

    special = loc.special_grid
    return {
        "lon": loc.lon,
        "lat": loc.lat,
        "inside": loc.inside,
        "status": loc.status,
        "message": "" if loc.inside else "outside jurisdiction",
        "grid": place(loc.grid),
        "special_grid": None
        if special is None
        else {"code": special.code, "name": special.name, "site_type": special.site_type},
        "community": place(loc.community),
        "town": place(loc.town),
        "county": place(loc.county),
    }


@router.get("/geo/boundaries", response=BoundaryCollectionSchema)
def boundaries(request: HttpRequest, level: Literal["county", "town"] = "county") -> HttpResponse:
    """Simplified county or town outlines the user may see, as a GeoJSON FeatureCollection."""
    visible = set(
        Region.objects.visible_to(request_user(request))
        .filter(level=level)
        .values_list("code", flat=True)
    )
    cached = _boundary_features(level)
    if visible >= cached.codes:
        body = cached.everything
    else:
        body = _collection(f for code, f in cached.features if code in visible)
    return HttpResponse(body, content_type="application/geo+json")


class _Boundaries:
    def __init__(self, stamp: Stamp, features: list[tuple[str, str]]) -> None:
        self.stamp = stamp
        self.features = features
        self.codes = {code for code, _ in features}
        self.everything = _collection(f for _, f in features)


_boundary_cache: dict[str, _Boundaries] = {}
_boundary_lock = threading.Lock()


def _collection(features: Any) -> str:
    return '{"type":"FeatureCollection","features":[' + ",".join(features) + "]}"


def _boundary_features(level: str) -> _Boundaries:
    stamp = geography_stamp()
    cached = _boundary_cache.get(level)
    if cached is not None and cached.stamp == stamp:
        return cached
    with _boundary_lock:
        cached = _boundary_cache.get(level)
        if cached is None or cached.stamp != stamp:
            cached = _Boundaries(stamp, _build_features(level))
            _boundary_cache[level] = cached
    return cached


def _build_features(level: str) -> list[tuple[str, str]]:
    rows = list(
        Region.objects.filter(level=level)
        .order_by("code")
        .values_list("code", "name", "parent__code", "geometry")
    )
    if not rows:
        return []
    geoms = np.array([geometry_from_geojson(r[3]) for r in rows], dtype=object)
    tolerance = _BOUNDARY_TOLERANCE[level]
    if shapely.coverage_is_valid(geoms):
        # Neighbours keep identical shared edges: no slivers between them on the map.
        simple = shapely.coverage_simplify(geoms, tolerance)
    else:
        simple = shapely.simplify(geoms, tolerance, preserve_topology=True)
    features = []
    for (code, name, parent_code, _), geom in zip(rows, simple, strict=True):
        shape = polygonal(geom)
        if shape.is_empty:
            continue
        feature = {
            "type": "Feature",
            "properties": {"code": code, "name": name, "level": level, "parent_code": parent_code},
            "geometry": geojson_geometry(shape, decimals=_BOUNDARY_DECIMALS),
        }
        features.append((code, json.dumps(feature, ensure_ascii=False, separators=(",", ":"))))
    return features
