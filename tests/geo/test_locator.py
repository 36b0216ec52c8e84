"""Point → grid lookups: inside, outside, borders, bad input, batch vs single, rebuilds."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import shapely

from yiwang.core.errors import ValidationFailed
from yiwang.geo.generate import Geography
from yiwang.geo.locator import Locator, get_locator, locate, locate_many

SHANGHAI = (121.47, 31.23)


@pytest.fixture(scope="module")
def locator(small_geo: Geography) -> Locator:
    return Locator.from_geography(small_geo)


def test_a_point_inside_a_grid_finds_it_and_the_regions_above(
    locator: Locator, small_geo: Geography
) -> None:
    names = {r.code: r.name for r in small_geo.regions}
    for grid in [g for g in small_geo.grids if g.kind == "comprehensive"][::17]:
        point = grid.geometry.representative_point()
        found = locator.locate(point.x, point.y)
        assert found.inside and found.status == "inside"
        assert found.grid is not None and found.grid.code == grid.code
        assert found.community is not None and found.community.code == grid.community_code
        assert found.town is not None and found.town.code == grid.code[:9]
        assert found.county is not None and found.county.code == grid.code[:6]
        assert found.county.name == names[grid.code[:6]]


def test_a_point_in_a_special_grid_reports_both(locator: Locator, small_geo: Geography) -> None:
    special = next(g for g in small_geo.grids if g.kind == "special")
    point = special.geometry.representative_point()
    found = locator.locate(point.x, point.y)
    assert found.special_grid is not None
    assert found.special_grid.code == special.code
    assert found.special_grid.site_type == special.site_type
    assert found.grid is not None and found.grid.code[:12] == special.community_code


@pytest.mark.parametrize("lon,lat", [SHANGHAI, (0.0, 0.0), (-180.0, 90.0)])
def test_points_outside_jurisdiction_are_an_answer_not_an_error(
    locator: Locator, lon: float, lat: float
) -> None:
    found = locator.locate(lon, lat)
    assert not found.inside
    assert found.status == "outside_jurisdiction"
    assert found.grid is None and found.town is None and found.county is None


@pytest.mark.parametrize(
    "lon,lat,field",
    [
        (121.0, 91.0, "lat"),
        (181.0, 32.0, "lon"),
        (math.nan, 32.0, "lon"),
        (121.0, math.inf, "lat"),
        ("east", 32.0, "lon"),
    ],
)
def test_impossible_coordinates_name_the_field(
    locator: Locator, lon: Any, lat: Any, field: str
) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        locator.locate(lon, lat)
    assert excinfo.value.field == field


def test_locate_many_agrees_with_locate(locator: Locator, small_geo: Geography) -> None:
    min_x, min_y, max_x, max_y = small_geo.regions[0].geometry.bounds
    rng = np.random.default_rng(1)
    lons = rng.uniform(min_x, max_x, 2000)
    lats = rng.uniform(min_y, max_y, 2000)
    many = locator.locate_many(lons, lats)
    assert 0.3 < many.inside.mean() < 0.7  # the city fills about half its bounding box
    for i in range(0, 2000, 5):
        assert many[i] == locator.locate(lons[i], lats[i])
    city = small_geo.regions[0].geometry
    assert (many.inside == shapely.contains_xy(city, lons, lats)).mean() > 0.999


def test_a_shared_border_point_goes_to_the_lower_code(
    locator: Locator, small_geo: Geography
) -> None:
    grids = [g for g in small_geo.grids if g.kind == "comprehensive"]
    first = grids[0]
    neighbour = next(
        g
        for g in grids[1:]
        if g.geometry.touches(first.geometry) and g.geometry.intersection(first.geometry).length > 0
    )
    border = first.geometry.intersection(neighbour.geometry)
    point = border.interpolate(0.5, normalized=True)
    found = locator.locate(point.x, point.y)
    assert found.grid is not None and found.grid.code == min(first.code, neighbour.code)
    assert locator.locate_many([point.x], [point.y])[0] == found


def test_locate_many_names_the_first_bad_point(locator: Locator) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        locator.locate_many([121.0, 121.0, 121.0], [32.0, 32.0, 95.0])
    assert excinfo.value.details == {"field": "lat", "index": 2}
    with pytest.raises(ValidationFailed):
        locator.locate_many([121.0], [32.0, 32.1])


@pytest.mark.django_db
def test_the_process_locator_reads_the_database(stored_geo: Geography) -> None:
    grid = next(g for g in stored_geo.grids if g.kind == "comprehensive")
    point = grid.geometry.representative_point()
    found = locate(point.x, point.y)
    assert found.grid is not None and found.grid.code == grid.code and found.grid.id is not None
    assert not locate(*SHANGHAI).inside
    assert locate_many([point.x, SHANGHAI[0]], [point.y, SHANGHAI[1]]).grid_codes() == [
        grid.code,
        None,
    ]


@pytest.mark.django_db
def test_the_process_locator_is_rebuilt_when_the_geography_changes(
    stored_geo: Geography, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yiwang.geo import locator as module
    from yiwang.geo.services import load_geography

    before = get_locator()
    assert get_locator() is before
    load_geography(stored_geo, actor=None, replace=True)
    monkeypatch.setattr(module, "CHECK_SECONDS", 0.0)
    after = get_locator()
    assert after is not before and after.version == before.version + 1
