"""The small demo city with a few orders in two counties, for the cockpit's pages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.workorders.factories import City, load_city, new_order, order_in, step
from yiwang.workorders.choices import State


@pytest.fixture(autouse=True)
def _recompute_in_the_request(settings: Any) -> None:
    """Client tests see the recompute in the request (a thread could not see their
    transaction); test_background_recompute covers the thread."""
    settings.COCKPIT_RECOMPUTE_IN_BACKGROUND = False


@pytest.fixture
def city(db: Any) -> City:
    return load_city()


@pytest.fixture
def orders(city: City) -> dict[str, Any]:
    """Orders along the lifecycle in 崇川区 and two hotline orders in another county."""
    closed = order_in(city, State.CLOSED)
    callback = order_in(city, State.CALLBACK)
    step(city, callback, "callback", "hotline_agent", rating="dissatisfied")
    acknowledged = order_in(city, State.ACKNOWLEDGED)
    returned = order_in(city, State.RETURNED)
    lon, lat = city.other_county_point
    far = new_order(
        city, by="hotline_agent", channel="hotline", lon=lon, lat=lat, priority="urgent"
    )
    far_normal = new_order(city, by="hotline_agent", channel="hotline", lon=lon, lat=lat)
    return {
        "closed": closed,
        "callback": callback,
        "acknowledged": acknowledged,
        "returned": returned,
        "far": far,
        "far_normal": far_normal,
    }


def client_for(city: City, username: str) -> Client:
    client = Client()
    client.force_login(city[username])
    return client
