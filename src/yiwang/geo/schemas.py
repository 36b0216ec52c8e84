"""API schemas for regions, grids and point lookups."""

from __future__ import annotations

from typing import Any

from ninja import Schema


class RegionSchema(Schema):
    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None
    centroid: tuple[float, float]  # lon, lat
    area_km2: float
    synthetic: bool


class RegionDetailSchema(RegionSchema):
    path: str
    bbox: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat
    children_count: int
    comprehensive_grid_count: int
    special_grid_count: int
    geometry: dict[str, Any]


class GridSchema(Schema):
    code: str
    name: str
    kind: str
    site_type: str
    community_code: str
    community_name: str
    town_code: str
    town_name: str
    county_code: str
    county_name: str
    centroid: tuple[float, float]
    area_km2: float
    households: int
    synthetic: bool


class GridDetailSchema(GridSchema):
    bbox: tuple[float, float, float, float]
    geometry: dict[str, Any]


class GridPageSchema(Schema):
    count: int
    items: list[GridSchema]


class PlaceSchema(Schema):
    code: str
    name: str


class SpecialPlaceSchema(PlaceSchema):
    site_type: str


class LocationSchema(Schema):
    """``inside`` is false (status ``outside_jurisdiction``) for points outside every grid:
    a valid answer with HTTP 200, not an error."""

    lon: float
    lat: float
    inside: bool
    status: str
    message: str
    grid: PlaceSchema | None
    special_grid: SpecialPlaceSchema | None
    community: PlaceSchema | None
    town: PlaceSchema | None
    county: PlaceSchema | None


class BoundaryCollectionSchema(Schema):
    """A GeoJSON FeatureCollection; each feature's properties: code, name, level,
    parent_code."""

    type: str
    features: list[dict[str, Any]]
