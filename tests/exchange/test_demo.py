"""The demo loader on the generated city: a catalogue over the 65 city departments, grants,
records and volume, deterministic and loaded once."""

from __future__ import annotations

from typing import Any

import pytest

from tests.workorders.conftest import small_nantong
from yiwang.exchange.demo import load_demo_data
from yiwang.exchange.models import DailyVolume, Grant, Resource, ShareRequest
from yiwang.geo.locator import reset_locator
from yiwang.geo.services import load_geography
from yiwang.org.demo import load_organisation

pytestmark = pytest.mark.django_db


def _silent(stage: str, done: int, total: int) -> None:
    pass


@pytest.fixture
def city(db: Any) -> None:
    load_geography(small_nantong(), actor=None, source="test")
    reset_locator()
    load_organisation(actor=None)
    reset_locator()


def test_small_demo_catalogue(city: None) -> None:
    summary = load_demo_data(scale="small", seed=7, progress=_silent)
    assert summary.startswith("exchange: 390 resources over 65 departments")
    assert Resource.objects.values("provider").distinct().count() == 65
    assert Grant.objects.exists() and ShareRequest.objects.filter(status="review").exists()
    pushed = Resource.objects.filter(record_count__gt=0)
    assert pushed.count() == 3 and all(r.last_sequence == 200 for r in pushed)
    assert DailyVolume.objects.count() > 30
    # Loading again does not duplicate anything.
    assert "skipped" in load_demo_data(scale="small", seed=7, progress=_silent)
