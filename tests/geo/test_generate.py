"""The generated Nantong: real counties, synthetic towns/communities/grids that tile them."""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import pytest
import shapely

from yiwang.geo.generate import (
    FUNCTIONAL_ZONES,
    Geography,
    allocate,
    area_km2,
    generate_nantong,
    geojson_geometry,
)

# A sliver this thin (≈1 cm wide along a 1 km edge) would be a tiling bug, not float noise.
AREA_TOLERANCE_DEG2 = 1e-9


def test_same_seed_gives_the_same_city(small_geo: Geography) -> None:
    again = generate_nantong(320600, towns_total=96, comprehensive_total=192, special_total=20)
    assert [g.code for g in again.grids] == [g.code for g in small_geo.grids]
    assert [r.name for r in again.regions] == [r.name for r in small_geo.regions]
    assert all(
        a.geometry.equals_exact(b.geometry, 0)
        for a, b in zip(again.grids, small_geo.grids, strict=True)
    )


def test_another_seed_gives_another_city(small_geo: Geography) -> None:
    other = generate_nantong(7, towns_total=96, comprehensive_total=192, special_total=20)
    towns = {r.code: r for r in small_geo.by_level("town")}
    other_towns = {r.code: r for r in other.by_level("town")}
    assert [r.name for r in other_towns.values()] != [r.name for r in towns.values()]
    assert not other_towns["320612001"].geometry.equals(towns["320612001"].geometry)
    # The counties are real boundaries, whatever the seed.
    assert [c.code for c in other.by_level("county")] == [
        c.code for c in small_geo.by_level("county")
    ]


def test_full_scale_counts_codes_and_names(full_geo: Geography) -> None:
    counts = full_geo.counts()
    assert counts["city"] == 1
    assert counts["county"] == 10
    assert counts["town"] == 96
    assert counts["comprehensive"] == 8450
    assert counts["special"] == 845

    counties = {r.code: r for r in full_geo.by_level("county")}
    assert set(counties) == {
        "320612",
        "320613",
        "320614",
        "320623",
        "320671",
        "320672",
        "320673",
        "320681",
        "320682",
        "320685",
    }
    assert {counties[z.code].kind for z in FUNCTIONAL_ZONES} == {"functional_zone"}
    assert all(counties[z.code].synthetic for z in FUNCTIONAL_ZONES)
    assert not counties["320612"].synthetic

    towns = full_geo.by_level("town")
    assert len({t.name for t in towns}) == 96, "town names are unique in the city"
    assert all(re.fullmatch(r"\d{9}", t.code) and t.code[:6] == t.parent_code for t in towns)
    per_county = Counter(t.parent_code for t in towns)
    assert all(per_county[z.code] in (2, 3, 4) for z in FUNCTIONAL_ZONES)
    assert all(per_county[code] >= 1 for code in counties)
    for town in towns:
        urban = counties[str(town.parent_code)].kind in ("district", "functional_zone")
        assert town.name.endswith("街道" if urban else "镇")

    communities = {c.code: c for c in full_geo.by_level("community")}
    assert all(c.code[:9] == c.parent_code for c in communities.values())

    codes = [g.code for g in full_geo.grids]
    assert len(set(codes)) == len(codes)
    for grid in full_geo.grids:
        assert re.fullmatch(r"\d{15}", grid.code)
        assert grid.code[:12] == grid.community_code and grid.community_code in communities
        sequence = int(grid.code[12:])
        if grid.kind == "comprehensive":
            assert 1 <= sequence <= 499 and grid.site_type == ""
            assert 300 <= grid.households <= 500
        else:
            assert sequence >= 501 and grid.site_type and grid.name.endswith("专属网格")


def test_functional_zones_are_reasonably_sized(full_geo: Geography) -> None:
    regions = {r.code: r for r in full_geo.regions}
    for zone in FUNCTIONAL_ZONES:
        area = float(area_km2([regions[zone.code].geometry])[0])
        assert 80 <= area <= 250, (zone.name, area)


def test_counties_tile_the_real_city(full_geo: Geography) -> None:
    import json

    from yiwang.geo.generate import DATA_FILE

    source = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    real_city = shapely.from_geojson(json.dumps(source["features"][0]["geometry"]))
    counties = np.array([c.geometry for c in full_geo.by_level("county")], dtype=object)
    assert shapely.coverage_is_valid(counties)
    union = shapely.union_all(counties)
    assert shapely.symmetric_difference(union, real_city).area < 1e-6 * real_city.area


def test_grids_tile_their_towns(full_geo: Geography) -> None:
    towns = {t.code: t.geometry for t in full_geo.by_level("town")}
    by_town: dict[str, list[shapely.Geometry]] = {}
    for grid in full_geo.grids:
        if grid.kind == "comprehensive":
            by_town.setdefault(grid.code[:9], []).append(grid.geometry)
    assert set(by_town) == set(towns), "every town has at least one grid"
    for code in sorted(towns)[::7]:
        town, grids = towns[code], by_town[code]
        assert sum(g.area for g in grids) == pytest.approx(town.area, rel=1e-9)
        union = shapely.union_all(grids)
        assert shapely.symmetric_difference(union, town).area < AREA_TOLERANCE_DEG2


def test_comprehensive_grids_do_not_overlap(full_geo: Geography) -> None:
    geoms = np.array(
        [g.geometry for g in full_geo.grids if g.kind == "comprehensive"], dtype=object
    )
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = left < right
    overlaps = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]]))
    assert pairs.sum() > len(geoms)  # neighbours touch along their edges …
    assert overlaps.max() < AREA_TOLERANCE_DEG2  # … and never overlap


def test_special_grids_lie_inside_their_comprehensive_grid(full_geo: Geography) -> None:
    comprehensive = [g for g in full_geo.grids if g.kind == "comprehensive"]
    geoms = np.array([g.geometry for g in comprehensive], dtype=object)
    tree = shapely.STRtree(geoms)
    site_types: Counter[str] = Counter()
    for special in (g for g in full_geo.grids if g.kind == "special"):
        site_types[special.site_type] += 1
        hosts = tree.query(special.geometry, predicate="intersects")
        best = max(hosts, key=lambda i: shapely.intersection(geoms[i], special.geometry).area)
        host = comprehensive[best]
        assert host.community_code == special.community_code
        assert host.geometry.buffer(1e-6).contains(special.geometry)
        assert 0 < special.geometry.area < host.geometry.area
    assert site_types.most_common(1)[0][0] == "school"
    assert len(site_types) >= 8


def test_allocate_honours_minimum_and_total() -> None:
    parts = allocate(np.array([100.0, 1.0, 1.0, 50.0]), 20, minimum=1)
    assert parts.sum() == 20 and parts.min() >= 1 and parts[0] > parts[3] > parts[1]
    with pytest.raises(ValueError):
        allocate(np.array([1.0, 1.0]), 1, minimum=1)


def test_impossible_totals_are_refused() -> None:
    with pytest.raises(ValueError, match="towns_total"):
        generate_nantong(towns_total=5, comprehensive_total=100, special_total=0)
    with pytest.raises(ValueError, match="comprehensive_total"):
        generate_nantong(towns_total=96, comprehensive_total=50, special_total=0)


def test_geojson_output_is_rounded_and_counter_clockwise() -> None:
    square = shapely.Polygon([(0, 0), (0, 1.1234567), (1, 1), (1, 0)])  # clockwise
    data = geojson_geometry(square)
    ring = data["coordinates"][0]
    assert data["type"] == "Polygon"
    assert [0.0, 1.123457] in ring
    assert shapely.Polygon(ring).exterior.is_ccw
