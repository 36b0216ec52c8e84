"""The console offers the town the check of a grid worker's own handling (自办), in Chinese."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.workorders.factories import City, load_city, new_order, step
from yiwang.workorders.choices import State


@pytest.fixture
def city(db: Any) -> City:
    return load_city()


def test_town_checks_a_self_handled_order_from_the_order_page(city: City) -> None:
    handled = step(city, new_order(city), "self_handle", "grid_worker", note="已现场处理")
    other = new_order(city)
    client = Client()
    client.force_login(city["town_dispatcher"])
    page = client.get(f"/console/orders/{handled.number}/").content.decode()
    assert handled.state == State.REPLIED  # the category needs the town's check
    assert "核查网格员自办结果" in page
    done = client.post(
        f"/console/orders/{handled.number}/check_self_handled/",
        {
            "check_self_handled-version": handled.version,
            "check_self_handled-accepted": "true",
        },
    )
    assert done.status_code == 302
    handled.refresh_from_db()
    assert handled.state == State.CLOSED
    assert (
        "核查网格员自办结果" not in client.get(f"/console/orders/{other.number}/").content.decode()
    )
