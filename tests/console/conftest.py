"""Console fixtures: the small demo city and a test client signed in as any of its people."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.workorders.factories import City, load_city


@pytest.fixture
def city(db: Any) -> City:
    return load_city()


@pytest.fixture
def as_user(city: City) -> Callable[[str], Client]:
    """``as_user("town_dispatcher")`` — a client signed in as that demo account."""

    def _client(username: str) -> Client:
        client = Client()
        client.force_login(city[username])
        return client

    return _client
