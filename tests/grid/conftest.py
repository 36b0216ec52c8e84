"""Grid fixtures: the small demo city, its grid worker's grids as assignments, and helpers."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tests.workorders.factories import City, load_city

# The smallest valid PNG (1×1), and JPEG-looking bytes of a given size.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def jpeg(size: int) -> bytes:
    return b"\xff\xd8\xff\xe0" + b"\x00" * (size - 4)


def upload(name: str, content: bytes) -> io.BytesIO:
    f = io.BytesIO(content)
    f.name = name
    return f


@pytest.fixture
def city(db: Any) -> City:
    from yiwang.grid.models import GridAssignment

    c = load_city()
    worker = c["grid_worker"]
    for grid in worker.role_assignments.get(role="grid_worker").grids.all():
        GridAssignment.objects.create(worker=worker, grid=grid, starts_on="2020-01-01")
    return c


@pytest.fixture
def as_user(city: City) -> Callable[[str], Client]:
    def _client(username: str) -> Client:
        client = Client()
        client.force_login(city[username])
        return client

    return _client
