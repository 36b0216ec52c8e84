"""The grid's demo data: the demo grid worker can start the day with grids, registers,
patrols, tasks and reports; the town center sees workers, a leave and the queue."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.workorders.factories import load_city
from yiwang.grid.demo import load_demo_data
from yiwang.grid.models import GridAssignment, GridReport, GridTask, Leave, Patrol, RegisterEntry
from yiwang.grid.reading import performance, queue_summary

pytestmark = pytest.mark.django_db


def test_demo_loads_a_day_of_grid_work() -> None:
    city = load_city()
    started = time.monotonic()
    line = load_demo_data(scale="small", seed=320600, progress=lambda *a: None)
    assert time.monotonic() - started < 20
    assert line.startswith("grid: 9 grid workers")
    demo = city["grid_worker"]
    assert GridAssignment.objects.filter(worker=demo).count() == 2
    assert RegisterEntry.objects.filter(kind="key_person", grid__assignments__worker=demo).exists()
    assert Patrol.objects.filter(worker=demo).count() == 2
    assert GridTask.objects.filter(worker=demo, done_at=None).count() == 3
    assert GridReport.objects.filter(worker=demo).count() >= 2
    assert Leave.objects.count() == 1
    summary = queue_summary(city["county_dispatcher"])
    assert summary["total"] >= 10 and summary["escalations_waiting"] > 0
    assert 0 < summary["self_share"] < 1
    from django.utils import timezone

    ranking = performance(city["county_dispatcher"], timezone.localdate())
    assert len(ranking) >= 9 and ranking[0]["rank"] == 1
    assert any(r["coverage"] > 0 for r in ranking)


def test_demo_is_deterministic(settings: Any) -> None:
    load_city()
    load_demo_data(scale="small", seed=7, progress=lambda *a: None)
    names = sorted(RegisterEntry.objects.values_list("name", flat=True))
    assert names and len(set(names)) > 10
