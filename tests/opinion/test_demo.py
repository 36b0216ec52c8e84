"""The demo loader leaves one generated report in the history, within its time budget."""

from __future__ import annotations

import time

import pytest

from tests.workorders.factories import load_city
from yiwang.demo.workorders import generate_work_orders
from yiwang.opinion.demo import load_demo_data
from yiwang.opinion.models import Report

pytestmark = pytest.mark.django_db


def test_the_demo_generates_a_report_of_the_sample_orders() -> None:
    load_city()
    generate_work_orders(count=240, seed=2026, days=365)
    started = time.perf_counter()
    line = load_demo_data(scale="full", seed=2026, progress=lambda stage, done, total: None)
    seconds = time.perf_counter() - started
    report = Report.objects.get()
    assert report.status == "done" and report.created_by.username == "leader"
    assert report.summary["orders"] > 0 and f"{report.summary['orders']} requests" in line
    assert "<svg" in report.html and bytes(report.xlsx)[:2] == b"PK"
    assert seconds < 20
