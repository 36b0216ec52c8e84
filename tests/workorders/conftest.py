"""Work-order fixtures: the generated Nantong (every county and town, few grids) stored with its
organisation through the real loaders, then the taxonomy and dispatch catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from yiwang.geo.generate import Geography, generate_nantong
from yiwang.geo.locator import reset_locator
from yiwang.geo.services import load_geography
from yiwang.org.demo import OrgStats, load_organisation
from yiwang.workorders.taxonomy import TaxonomyStats, load_taxonomy

# Generating takes a second or two: once per test process.
_geography: dict[str, Geography] = {}


def small_nantong() -> Geography:
    if "small" not in _geography:
        _geography["small"] = generate_nantong(
            320600, towns_total=96, comprehensive_total=192, special_total=20
        )
    return _geography["small"]


@pytest.fixture
def organisation(db: Any) -> Iterator[OrgStats]:
    load_geography(small_nantong(), actor=None, source="test")
    reset_locator()
    yield load_organisation(actor=None)
    reset_locator()


@pytest.fixture
def taxonomy(organisation: OrgStats) -> TaxonomyStats:
    return load_taxonomy(actor=None)


@pytest.fixture
def signed_in(make_user: Any, client: Client) -> Client:
    """The test client signed in as a user with no role: categories are reference data."""
    client.force_login(make_user("reader"))
    return client
