"""Storing geography: the demo load and GeoJSON imports, their guards and audit trail."""

from __future__ import annotations

from typing import Any, cast

import pytest

from yiwang.core.errors import Conflict, ValidationFailed
from yiwang.core.models import AuditRecord
from yiwang.geo.generate import Geography, geojson_geometry
from yiwang.geo.locator import current_version
from yiwang.geo.models import GeographyVersion, Grid, Region
from yiwang.geo.services import import_geojson, load_geography

pytestmark = pytest.mark.django_db

SELF_INTERSECTING = {
    "type": "Polygon",
    "coordinates": [[[120.9, 32.0], [121.0, 32.1], [121.0, 32.0], [120.9, 32.1], [120.9, 32.0]]],
}


def _feature(properties: dict[str, Any], geometry: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _region_features(geo: Geography, levels: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        _feature(
            {
                "code": r.code,
                "name": r.name,
                "level": r.level,
                "kind": r.kind,
                "parent_code": r.parent_code,
            },
            geojson_geometry(r.geometry),
        )
        for r in geo.regions
        if r.level in levels
    ]


def _details(error: ValidationFailed | Conflict) -> list[dict[str, Any]]:
    return cast(list[dict[str, Any]], error.details)


def _collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}


def test_load_stores_the_whole_tree_with_paths_and_measures(stored_geo: Geography) -> None:
    counts = stored_geo.counts()
    assert Region.objects.filter(level="county").count() == 10
    assert Region.objects.filter(level="town").count() == 96
    assert Region.objects.filter(level="community").count() == counts["community"]
    assert Grid.objects.filter(kind="comprehensive").count() == 192
    assert Grid.objects.filter(kind="special").count() == 20

    town = Region.objects.select_related("parent").get(code="320612001")
    assert town.path == "320600/320612/320612001/"
    assert town.parent is not None and town.parent.code == "320612"
    assert town.synthetic and not town.parent.synthetic
    assert town.min_lon < town.centroid_lon < town.max_lon
    assert 10 < town.area_km2 < 400

    grid = Grid.objects.select_related("community", "town", "county").order_by("code").first()
    assert grid is not None
    assert grid.path == grid.community.path
    assert grid.town.code == grid.code[:9] and grid.county.code == grid.code[:6]
    assert grid.geometry["type"] in ("Polygon", "MultiPolygon")
    ring = (
        grid.geometry["coordinates"][0]
        if grid.geometry["type"] == "Polygon"
        else (grid.geometry["coordinates"][0][0])
    )
    assert all(len(str(c).split(".")[-1]) <= 6 for point in ring for c in point)

    # The county areas add up to Nantong's ~10,000 km² (land and its share of the Yangtze).
    total = sum(Region.objects.filter(level="county").values_list("area_km2", flat=True))
    assert 9_000 < total < 11_000


def test_load_bumps_the_version_and_audits_the_counts(stored_geo: Geography) -> None:
    assert current_version() == 1
    version = GeographyVersion.objects.get()
    assert version.source == "test" and version.imported_at is not None
    record = AuditRecord.objects.get(action="geo.geography_loaded")
    assert record.after is not None
    assert record.after["towns"] == 96
    assert record.after["comprehensive_grids"] == 192
    assert record.after["special_grids"] == 20


def test_loading_twice_needs_replace(stored_geo: Geography) -> None:
    with pytest.raises(ValidationFailed, match="already stored"):
        load_geography(stored_geo, actor=None)
    stats = load_geography(stored_geo, actor=None, replace=True)
    assert stats.version == 2 and stats.grids == 212
    assert Grid.objects.count() == 212
    assert AuditRecord.objects.filter(action="geo.geography_loaded").count() == 2


def test_replace_is_refused_while_other_records_use_the_geography(
    stored_geo: Geography, make_user: Any
) -> None:
    from yiwang.org.services import assign_role

    assign_role(make_user("leader"), "leader", actor=None, region=Region.objects.get(code="320612"))
    with pytest.raises(Conflict, match="in use") as excinfo:
        load_geography(stored_geo, actor=None, replace=True)
    assert _details(excinfo.value)[0]["model"] == "org.RoleAssignment"
    assert Grid.objects.count() == 212
    assert current_version() == 1


def test_import_regions_then_grids(small_geo: Geography) -> None:
    stats = import_geojson(
        _collection(_region_features(small_geo, ("city", "county", "town"))),
        actor=None,
        level="region",
    )
    assert (stats.cities, stats.counties, stats.towns) == (1, 10, 96)
    # Communities added to the stored tree in a second file.
    import_geojson(
        _collection(_region_features(small_geo, ("community",))), actor=None, level="region"
    )
    assert Region.objects.get(code="320612001001").path == "320600/320612/320612001/320612001001/"

    grids = [
        _feature(
            {
                "code": g.code,
                "name": g.name,
                "kind": g.kind,
                "site_type": g.site_type,
                "community_code": g.community_code,
                "households": g.households,
            },
            geojson_geometry(g.geometry),
        )
        for g in small_geo.grids
    ]
    stats = import_geojson(_collection(grids), actor=None, level="grid")
    assert (stats.comprehensive_grids, stats.special_grids) == (192, 20)
    assert current_version() == 3
    assert AuditRecord.objects.filter(action="geo.geojson_imported").count() == 3
    assert not Grid.objects.filter(synthetic=True).exists()

    again = import_geojson(_collection(grids), actor=None, level="grid", replace=True)
    assert again.grids == 212 and Grid.objects.count() == 212


def test_import_checks_every_feature_and_writes_nothing(small_geo: Geography) -> None:
    features = _region_features(small_geo, ("city", "county"))
    features[3]["geometry"] = SELF_INTERSECTING
    features[5]["properties"]["code"] = "32A614"
    features[6]["properties"]["parent_code"] = "999999"
    features[7]["geometry"] = {"type": "Point", "coordinates": [121.0, 32.0]}
    features[8]["geometry"] = {
        "type": "Polygon",
        "coordinates": [[[0, 0], [0, 200], [1, 1], [0, 0]]],
    }
    del features[9]["properties"]["name"]
    features[10]["geometry"] = {
        "type": "Polygon",
        "coordinates": [[[121, 32], [121.1, 32.1], [121.1, 32]]],
    }

    with pytest.raises(ValidationFailed) as excinfo:
        import_geojson(_collection(features), actor=None, level="region")

    problems = {p["feature"]: p for p in _details(excinfo.value)}
    assert set(problems) == {3, 5, 6, 7, 8, 9, 10}
    assert "Self-intersection" in problems[3]["problem"]
    assert problems[3]["code"] == features[3]["properties"]["code"]
    assert "digits" in problems[5]["problem"]
    assert problems[6]["problem"] == "unknown parent 999999"
    assert "Polygon or MultiPolygon" in problems[7]["problem"]
    assert "longitude/latitude" in problems[8]["problem"]
    assert problems[9]["problem"] == "missing property 'name'"
    assert problems[10]["problem"].startswith("malformed geometry")
    assert "7 of 11 features are invalid" in excinfo.value.message
    assert not Region.objects.exists()
    assert not AuditRecord.objects.filter(action="geo.geojson_imported").exists()
    assert current_version() == 0


def test_grid_import_checks_codes_parents_and_site_types(stored_geo: Geography) -> None:
    grid = next(g for g in stored_geo.grids if g.kind == "comprehensive")
    geometry = geojson_geometry(grid.geometry)
    good = {"name": "x", "kind": "comprehensive", "community_code": grid.community_code}
    far_away = {
        "type": "Polygon",
        "coordinates": [[[100, 10], [100.1, 10], [100.1, 10.1], [100, 10]]],
    }
    features = [
        _feature({**good, "code": grid.code[:12] + "900"}, geometry),  # fine
        _feature({**good, "code": grid.code}, geometry),  # exists
        _feature({**good, "code": "12345"}, geometry),
        _feature({**good, "code": grid.code[:12] + "901", "kind": "special"}, geometry),
        _feature({**good, "code": "320699001001001", "community_code": "320699001001"}, geometry),
        _feature({**good, "code": grid.code[:12] + "902"}, far_away),
    ]
    with pytest.raises(ValidationFailed) as excinfo:
        import_geojson(_collection(features), actor=None, level="grid")
    problems = {p["feature"]: p["problem"] for p in _details(excinfo.value)}
    assert set(problems) == {1, 2, 3, 4, 5}
    assert problems[1] == "code already exists"
    assert problems[2] == "code must be 15 digits"
    assert "site_type" in problems[3]
    assert "unknown community or town" in problems[4]
    assert "outside its parent" in problems[5]
    assert Grid.objects.count() == 212


def test_import_rejects_what_is_not_a_feature_collection(db: Any, tmp_path: Any) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValidationFailed, match="Cannot read"):
        import_geojson(bad, actor=None, level="region")
    with pytest.raises(ValidationFailed, match="FeatureCollection"):
        import_geojson({"type": "Feature"}, actor=None, level="region")


def test_children_of_a_rejected_region_say_so(small_geo: Geography) -> None:
    features = _region_features(small_geo, ("city", "county", "town"))
    county = next(i for i, f in enumerate(features) if f["properties"]["code"] == "320614")
    features[county]["geometry"] = SELF_INTERSECTING
    with pytest.raises(ValidationFailed) as excinfo:
        import_geojson(_collection(features), actor=None, level="region")
    children = [p for p in _details(excinfo.value) if p["code"].startswith("320614")][1:]
    assert children
    assert {p["problem"] for p in children} == {f"parent 320614 is rejected (feature {county})"}
