"""The catalogue: registering resources, their schema versions, browsing and filtering."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.exchange.conftest import ITEMS, World
from yiwang.core.models import AuditRecord
from yiwang.exchange.models import Resource

pytestmark = pytest.mark.django_db


def _payload(**extra: Any) -> dict[str, Any]:
    return {
        "code": "ZJJ-PROJECT",
        "name": "建设项目信息",
        "provider": "NT-ZJJ",
        "theme": "urban",
        "sharing_type": "conditional",
        "legal_basis": "《政务信息资源共享管理暂行办法》第九条",
        "sharing_conditions": "仅用于行政执法",
        "items": ITEMS,
        **extra,
    }


def test_provider_registers_a_resource_through_the_api(world: World, client: Client) -> None:
    client.force_login(world.provider_user)
    response = client.post(
        "/api/v1/exchange/resources", _payload(), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["provider"] == "NT-ZJJ" and body["schema_version"] == 1
    assert [i["name"] for i in body["items"]][:2] == ["permit_no", "holder"]
    assert AuditRecord.objects.filter(action="exchange.resource_registered").count() == 2


def test_conditional_resource_needs_its_legal_basis(world: World, client: Client) -> None:
    client.force_login(world.provider_user)
    response = client.post(
        "/api/v1/exchange/resources", _payload(legal_basis=""), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"]["field"] == "legal_basis"


def test_another_departments_staff_cannot_register_for_the_provider(
    world: World, client: Client
) -> None:
    client.force_login(world.consumer_user)
    response = client.post(
        "/api/v1/exchange/resources", _payload(), content_type="application/json"
    )
    assert response.status_code == 403
    assert not Resource.objects.filter(code="ZJJ-PROJECT").exists()


def test_bad_item_names_are_refused_naming_the_item(world: World, client: Client) -> None:
    client.force_login(world.steward)
    items = [{"name": "Bad Name", "type": "string"}]
    response = client.post(
        "/api/v1/exchange/resources", _payload(items=items), content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"]["field"] == "items.0.name"


def test_catalogue_filters_and_counts(world: World, client: Client) -> None:
    client.force_login(world.steward)
    client.post("/api/v1/exchange/resources", _payload(), content_type="application/json")
    everything = client.get("/api/v1/exchange/resources").json()
    assert everything["count"] == 2
    conditional = client.get("/api/v1/exchange/resources", {"sharing_type": "conditional"}).json()
    assert conditional["count"] == 1 and conditional["items"][0]["code"] == "ZJJ-PROJECT"
    assert client.get("/api/v1/exchange/resources", {"q": "许可"}).json()["count"] == 1
    assert client.get("/api/v1/exchange/resources", {"department": "NT-GAJ"}).json()["count"] == 0


def test_schema_change_makes_a_new_version_checked_on_the_next_batch(
    world: World, client: Client
) -> None:
    client.force_login(world.provider_user)
    items = [*ITEMS, {"name": "builder", "type": "string", "required": True}]
    response = client.post(
        f"/api/v1/exchange/resources/{world.resource.code}/schema",
        {"items": items, "note": "施工单位"},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["version"] == 2
    versions = client.get(f"/api/v1/exchange/resources/{world.resource.code}/versions").json()
    assert [v["version"] for v in versions] == [2, 1]
    from tests.exchange.conftest import lines, push

    rejected = push(client, world.provider_token, world.resource.code, lines(2), "after-v2")
    assert rejected.status_code == 422
    assert rejected.json()["error"]["details"]["rows"][0] == {
        "row": 1,
        "item": "builder",
        "reason": "required",
    }
    assert AuditRecord.objects.filter(action="exchange.schema_changed").exists()


def test_the_exchange_endpoints_are_in_the_openapi_document(world: World, client: Client) -> None:
    client.force_login(world.steward)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/exchange/resources",
        "/api/v1/exchange/resources/{code}/batches",
        "/api/v1/exchange/resources/{code}/records",
        "/api/v1/exchange/requests",
        "/api/v1/exchange/grants",
        "/api/v1/exchange/subscriptions",
        "/api/v1/exchange/metrics",
    ):
        assert path in paths, path
    batch = paths["/api/v1/exchange/resources/{code}/batches"]["post"]
    assert "application/x-ndjson" in batch["requestBody"]["content"]
    assert any(p["name"] == "Batch-Id" for p in batch["parameters"])
