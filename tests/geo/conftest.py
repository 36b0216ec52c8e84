"""Geography fixtures: generated cities (built once per session) and a small one stored."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from yiwang.geo.generate import Geography, generate_nantong
from yiwang.geo.locator import reset_locator

# Every town of the real layout, but two grids a town on average: quick to store per test.
SMALL = {"towns_total": 96, "comprehensive_total": 192, "special_total": 20}

_cache: dict[str, Geography] = {}


def small_geography() -> Geography:
    if "small" not in _cache:
        _cache["small"] = generate_nantong(320600, **SMALL)
    return _cache["small"]


def full_geography() -> Geography:
    if "full" not in _cache:
        _cache["full"] = generate_nantong(320600)
    return _cache["full"]


@pytest.fixture(scope="session")
def small_geo() -> Geography:
    return small_geography()


@pytest.fixture(scope="session")
def full_geo() -> Geography:
    return full_geography()


@pytest.fixture
def stored_geo(db: Any, small_geo: Geography) -> Iterator[Geography]:
    """The small geography stored in the test database, with a fresh process locator."""
    from yiwang.geo.services import load_geography

    load_geography(small_geo, actor=None, source="test")
    reset_locator()
    yield small_geo
    reset_locator()


@pytest.fixture
def city_user(make_user: Any) -> Any:
    """A user who sees the whole city (a superuser, until city roles are set up here)."""
    user = make_user("city-viewer")
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    return user


@pytest.fixture
def town_leader(make_user: Any, stored_geo: Geography) -> Any:
    """A leader of the first town of 崇川区: sees that town's subtree only."""
    from yiwang.geo.models import Region
    from yiwang.org.services import assign_role

    user = make_user("town-leader")
    town = Region.objects.get(code="320613001")
    assign_role(user, "leader", actor=None, region=town)
    return user
