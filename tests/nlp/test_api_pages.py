"""The routing API and the models page as agents, dispatchers and data stewards use them, and
the model version recorded on an order filed with a suggestion."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.nlp.conftest import history_rows
from tests.workorders.factories import load_city
from yiwang.nlp.models import ModelStatus, RoutingModel
from yiwang.nlp.services import import_history, publish_model, train_model
from yiwang.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _train(write_jsonl: Callable[..., Path], source: str, folds: int = 0, seed: int = 1) -> Any:
    path = write_jsonl(history_rows(8, seed=seed), f"{source}.jsonl")
    import_history(actor=None, path=path, source=source)
    return train_model(actor=None, sources=[source], folds=folds)


def test_agents_get_suggestions_and_file_the_order_with_the_version(
    write_jsonl: Callable[..., Path],
) -> None:
    city = load_city()
    model = _train(write_jsonl, "city")
    publish_model(actor=None, version=model.version)
    agent = _client(city["hotline_agent"])
    lon, lat = city.point
    answer = agent.post(
        "/api/v1/routing/suggest",
        {"text": "我们小区从早上开始停水，一直没水", "lon": lon, "lat": lat},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["source"] == "model" and body["model_version"] == model.version
    top = body["suggestions"][0]
    assert top["category"] == {"code": "H0801", "name": "停水"}
    assert top["unit"]["name"] and 0 < top["confidence"] <= 1

    filed = agent.post(
        "/api/v1/workorders",
        {
            "description": "我们小区从早上开始停水，一直没水",
            "request_type": "help",
            "channel": "hotline",
            "lon": lon,
            "lat": lat,
            "contact_phone": "13812345678",
            "category": top["category"]["code"],
            "routing_model_version": body["model_version"],
        },
        content_type="application/json",
    )
    assert filed.status_code == 201, filed.content
    order = WorkOrder.objects.get(number=filed.json()["number"])
    assert order.routing_model_version == model.version

    for text, message in (("", "请填写诉求内容。"), ("字" * 4001, "超过4000个字")):
        refused = agent.post(
            "/api/v1/routing/suggest", {"text": text}, content_type="application/json"
        )
        assert refused.status_code == 422
        error = refused.json()["error"]
        assert error["details"]["field"] == "text" and message in error["message"]

    grid = _client(city["grid_worker"]).post(
        "/api/v1/routing/suggest", {"text": "停水"}, content_type="application/json"
    )
    assert grid.status_code == 403 and grid.json()["error"]["code"] == "permission_denied"


def test_data_stewards_read_the_versions_and_publish_one(
    write_jsonl: Callable[..., Path],
) -> None:
    city = load_city()
    first = _train(write_jsonl, "first", folds=3)
    second = _train(write_jsonl, "second", seed=2)
    publish_model(actor=None, version=first.version)
    steward = _client(city["data_steward"])

    listed = steward.get("/api/v1/routing/models").json()
    assert [m["version"] for m in listed] == [second.version, first.version]
    assert listed[1]["status"] == "published" and listed[1]["cv_accuracy"] is not None
    detail = steward.get(f"/api/v1/routing/models/{first.version}").json()
    assert len(detail["metrics"]["cv"]["confusion"]) == 3
    assert steward.get("/api/v1/routing/models/nope").status_code == 404

    page = steward.get("/nlp/models/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert page.status_code == 200
    assert "智能分拨模型" in html and first.version in html and "发布" in html
    detail_page = steward.get(f"/nlp/models/{first.version}/").content.decode()
    assert "混淆矩阵" in detail_page and "nlp-matrix" in detail_page and "H0801" in detail_page

    tried = steward.get("/nlp/models/", {"text": "家里停水了"}).content.decode()
    assert "停水" in tried and first.version in tried
    empty = steward.get("/nlp/models/", {"text": "  "}).content.decode()
    assert "请填写诉求内容" in empty

    published = steward.post(f"/nlp/models/{second.version}/publish/")
    assert published.status_code == 302
    assert RoutingModel.objects.get(version=second.version).status == ModelStatus.PUBLISHED
    answer = _client(city["hotline_agent"]).post(
        "/api/v1/routing/suggest", {"text": "家里停水了"}, content_type="application/json"
    )
    assert answer.json()["model_version"] == second.version

    api_publish = steward.post(f"/api/v1/routing/models/{first.version}/publish")
    assert api_publish.status_code == 200 and api_publish.json()["status"] == "published"

    agent = _client(city["hotline_agent"])
    assert agent.get("/nlp/models/").status_code == 403
    assert agent.post(f"/nlp/models/{second.version}/publish/").status_code == 403
    assert agent.get("/api/v1/routing/models").status_code == 403
    assert RoutingModel.objects.get(version=first.version).status == ModelStatus.PUBLISHED
