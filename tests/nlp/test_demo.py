"""The demo loader trains and publishes a routing model from the demo city's history, so
suggestions work right after the quick start."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from tests.workorders.factories import load_city
from yiwang.nlp.demo import load_demo_data
from yiwang.nlp.models import ModelStatus, RoutingModel
from yiwang.nlp.routing import suggest_routing

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("scale", ["small", "full"])
def test_the_demo_publishes_a_model_that_suggests(scale: str) -> None:
    city = load_city()
    started = time.perf_counter()
    line = load_demo_data(scale=scale, seed=2026, progress=lambda stage, done, total: None)
    seconds = time.perf_counter() - started
    model = RoutingModel.objects.get(status=ModelStatus.PUBLISHED)
    assert model.version in line and "published" in line
    assert len(model.labels) > 150 and seconds < 20
    advice = suggest_routing("我家小区从早上开始停水，一直没有通知，请尽快恢复供水。")
    assert advice.source == "model" and advice.model_version == model.version
    assert advice.suggestions[0].category_code == "H0801"
    assert advice.suggestions[0].unit_name

    steward = Client()
    steward.force_login(city["data_steward"])
    page = steward.get(f"/nlp/models/{model.version}/").content.decode()
    # Two hundred labels: the weakest classes first and the most frequent confusions, no matrix.
    assert "demo-holdout" in page and "H0801" in page
    assert "个标签，无法列成矩阵" in page and "nlp-matrix" not in page
    assert "F1 最低的 20 个标签" in page
