"""The geography API: scoped lists and details, locate, map boundaries."""

from __future__ import annotations

import json
from typing import Any

import pytest
import shapely
import shapely.geometry
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from yiwang.geo.generate import Geography

pytestmark = pytest.mark.django_db


def test_signing_in_is_required(client: Client, stored_geo: Geography) -> None:
    for url in (
        "/api/v1/regions",
        "/api/v1/grids",
        "/api/v1/geo/locate?lon=121&lat=32",
        "/api/v1/geo/boundaries",
    ):
        response = client.get(url)
        assert response.status_code == 401, url
        assert response.json()["error"]["code"] == "unauthenticated"


def test_city_wide_user_lists_the_ten_counties(
    client: Client, stored_geo: Geography, city_user: Any
) -> None:
    client.force_login(city_user)
    response = client.get("/api/v1/regions?level=county")
    assert response.status_code == 200
    counties = response.json()
    assert len(counties) == 10
    zone = next(c for c in counties if c["code"] == "320671")
    assert zone["name"] == "南通经济技术开发区"
    assert zone["kind"] == "functional_zone" and zone["synthetic"] is True
    assert zone["parent_code"] == "320600"
    lon, lat = zone["centroid"]
    assert 120.9 < lon < 121.1 and 31.8 < lat < 32.1
    assert 80 < zone["area_km2"] < 250

    towns = client.get("/api/v1/regions?level=town&parent=320613").json()
    assert towns and all(t["parent_code"] == "320613" for t in towns)
    assert all(t["name"].endswith("街道") for t in towns)


def test_an_unknown_level_is_a_422_naming_the_field(
    client: Client, stored_geo: Geography, city_user: Any
) -> None:
    client.force_login(city_user)
    response = client.get("/api/v1/regions?level=province")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"][0]["field"] == "level"


def test_region_detail_counts_children_and_grids(
    client: Client, stored_geo: Geography, city_user: Any
) -> None:
    client.force_login(city_user)
    county = client.get("/api/v1/regions/320612").json()
    towns = [r for r in stored_geo.by_level("town") if r.parent_code == "320612"]
    grids = [g for g in stored_geo.grids if g.code.startswith("320612")]
    assert county["children_count"] == len(towns)
    assert county["comprehensive_grid_count"] == sum(g.kind == "comprehensive" for g in grids)
    assert county["special_grid_count"] == sum(g.kind == "special" for g in grids)
    assert county["path"] == "320600/320612/"
    assert county["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert client.get("/api/v1/regions/999999").status_code == 404


def _queries(client: Client, url: str) -> tuple[int, Any]:
    client.get(url)  # the first request of a user also computes their scope; count the next
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return len(queries), response.json()


def test_grid_list_is_paginated_and_filtered(
    client: Client, stored_geo: Geography, city_user: Any
) -> None:
    client.force_login(city_user)
    few, _ = _queries(client, "/api/v1/grids?limit=2")
    many, page = _queries(client, "/api/v1/grids?limit=100&offset=10")
    assert many == few, "no query per grid"
    assert page["count"] == 212
    assert len(page["items"]) == 100
    codes = sorted(g.code for g in stored_geo.grids)
    assert [g["code"] for g in page["items"]] == codes[10:110]
    first = page["items"][0]
    assert first["town_code"] == first["code"][:9] and first["county_code"] == first["code"][:6]
    assert first["town_name"] and first["community_name"]

    special = client.get("/api/v1/grids?kind=special&limit=500").json()
    assert special["count"] == 20 and all(g["site_type"] for g in special["items"])
    town = client.get("/api/v1/grids?town=320613001").json()
    assert town["count"] == sum(g.code.startswith("320613001") for g in stored_geo.grids)

    too_many = client.get("/api/v1/grids?limit=501")
    assert too_many.status_code == 422
    assert too_many.json()["error"]["details"][0]["field"] == "limit"


def test_region_list_makes_no_query_per_region(
    client: Client, stored_geo: Geography, city_user: Any
) -> None:
    client.force_login(city_user)
    few, counties = _queries(client, "/api/v1/regions?level=county")
    many, communities = _queries(client, "/api/v1/regions?level=community")
    assert len(communities) > 10 * len(counties) / 2 and many == few


def test_grid_detail_has_the_outline(client: Client, stored_geo: Geography, city_user: Any) -> None:
    client.force_login(city_user)
    grid = stored_geo.grids[0]
    body = client.get(f"/api/v1/grids/{grid.code}").json()
    assert body["code"] == grid.code and body["name"] == grid.name
    assert body["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert body["bbox"][0] <= body["centroid"][0] <= body["bbox"][2]


def test_a_town_leader_sees_only_their_town(
    client: Client, stored_geo: Geography, town_leader: Any
) -> None:
    client.force_login(town_leader)
    regions = client.get("/api/v1/regions").json()
    assert regions and all(r["code"].startswith("320613001") for r in regions)
    assert client.get("/api/v1/regions?level=county").json() == []

    grids = client.get("/api/v1/grids?limit=500").json()
    own = [g.code for g in stored_geo.grids if g.code.startswith("320613001")]
    assert grids["count"] == len(own)
    assert [g["code"] for g in grids["items"]] == sorted(own)

    elsewhere = next(g.code for g in stored_geo.grids if not g.code.startswith("320613001"))
    hidden = client.get(f"/api/v1/grids/{elsewhere}")
    missing = client.get("/api/v1/grids/320613999999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert client.get("/api/v1/regions/320613").status_code == 404
    assert client.get(f"/api/v1/grids/{own[0]}").status_code == 200

    towns = client.get("/api/v1/geo/boundaries?level=town").json()
    assert [f["properties"]["code"] for f in towns["features"]] == ["320613001"]


def test_locate_answers_inside_and_outside(
    client: Client, stored_geo: Geography, city_user: Any
) -> None:
    client.force_login(city_user)
    grid = next(g for g in stored_geo.grids if g.kind == "comprehensive")
    point = grid.geometry.representative_point()
    inside = client.get(f"/api/v1/geo/locate?lon={point.x}&lat={point.y}")
    assert inside.status_code == 200
    body = inside.json()
    assert body["inside"] is True and body["status"] == "inside"
    assert body["grid"]["code"] == grid.code
    assert body["town"]["code"] == grid.code[:9]
    assert body["county"]["code"] == grid.code[:6]

    outside = client.get("/api/v1/geo/locate?lon=121.47&lat=31.23")  # Shanghai
    assert outside.status_code == 200
    body = outside.json()
    assert body["inside"] is False and body["status"] == "outside_jurisdiction"
    assert body["grid"] is None and body["county"] is None
    assert body["message"] == "outside jurisdiction"

    for query, field in (("lon=121&lat=95", "lat"), ("lon=nan&lat=32", "lon"), ("lon=121", "lat")):
        bad = client.get(f"/api/v1/geo/locate?{query}")
        assert bad.status_code == 422, query
        assert bad.json()["error"]["code"] == "validation_error"
        assert field in json.dumps(bad.json()["error"]["details"])


def test_boundaries_are_a_small_feature_collection(
    client: Client, stored_geo: Geography, city_user: Any
) -> None:
    client.force_login(city_user)
    response = client.get("/api/v1/geo/boundaries?level=town")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    assert len(response.content) < 300_000
    collection = json.loads(response.content)
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 96
    outlines = [shapely.geometry.shape(f["geometry"]) for f in collection["features"]]
    assert all(o.is_valid and o.area > 0 for o in outlines)
    assert shapely.coverage_is_valid(outlines), "neighbouring towns share their simplified edges"
    props = collection["features"][0]["properties"]
    assert set(props) == {"code", "name", "level", "parent_code"}
    assert props["level"] == "town" and props["parent_code"] == props["code"][:6]

    counties = client.get("/api/v1/geo/boundaries").json()
    assert len(counties["features"]) == 10
    assert client.get("/api/v1/geo/boundaries?level=grid").status_code == 422
