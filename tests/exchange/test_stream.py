"""Subscribers on both stream backends: the database log, and NATS JetStream."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.exchange.conftest import World, lines, push
from yiwang.core.errors import PermissionDenied
from yiwang.exchange import services, stream
from yiwang.exchange.models import ExchangeClient, Grant, Resource

pytestmark = pytest.mark.django_db


def _consumer_client(world: World) -> ExchangeClient:
    return ExchangeClient.objects.get(department=world.consumer)


def _subscribe(world: World, client: Client) -> Any:
    response = client.post(
        "/api/v1/exchange/subscriptions",
        {"resource": "ZJJ-PERMIT", "kind": "stream", "from_sequence": 0},
        content_type="application/json",
        headers={"Authorization": f"Bearer {world.consumer_token}"},
    )
    assert response.status_code == 201, response.content
    from yiwang.exchange.models import Subscription

    return Subscription.objects.get(pk=response.json()["id"])


def test_database_log_consumer_resumes_and_is_masked(
    world: World, granted: Grant, client: Client
) -> None:
    subscription = _subscribe(world, client)
    push(client, world.provider_token, "ZJJ-PERMIT", lines(5), "b1")
    got: list[dict[str, Any]] = []
    assert stream.consume(subscription, got.extend, max_records=3) == 3
    # Stopped; a new consumer process reads the cursor from the database and resumes.
    push(client, world.provider_token, "ZJJ-PERMIT", lines(2, start=5), "b2")
    fresh = type(subscription).objects.get(pk=subscription.pk)
    assert fresh.cursor == 3
    assert stream.consume(fresh, got.extend) == 4
    assert [r["delivery_key"] for r in got] == [f"ZJJ-PERMIT:{n}" for n in range(1, 8)]
    assert got[0]["data"]["phone"] == "138****5678" and "floors" not in got[0]["data"]


def test_a_revoked_grant_stops_a_running_consumer(
    world: World, granted: Grant, client: Client
) -> None:
    subscription = _subscribe(world, client)
    push(client, world.provider_token, "ZJJ-PERMIT", lines(2500), "big")
    seen: list[dict[str, Any]] = []

    def handler(records: list[dict[str, Any]]) -> None:
        seen.extend(records)
        if len(seen) == 1000:
            services.revoke_grant(granted, actor=world.steward, reason="停止")

    with pytest.raises(PermissionDenied):
        stream.consume(subscription, handler)
    assert len(seen) == 1000


def test_nats_subscriber_receives_and_resumes(
    world: World, granted: Grant, client: Client, nats_stream: str
) -> None:
    subscription = _subscribe(world, client)
    push(client, world.provider_token, "ZJJ-PERMIT", lines(1200), "n1")
    resource = Resource.objects.get(code="ZJJ-PERMIT")
    # The test's transaction never commits, so publish as the on-commit hook would.
    assert stream.publish_pending(resource.pk) == 1200
    assert Resource.objects.get(pk=resource.pk).published_sequence == 1200
    got: list[dict[str, Any]] = []
    first = stream.consume(subscription, got.extend, max_records=500)
    assert 500 <= first < 1200  # whole NATS messages of up to 500 records
    # Restart: a new subscription object, the same durable consumer on the server.
    push(client, world.provider_token, "ZJJ-PERMIT", lines(10, start=1200), "n2")
    stream.publish_pending(resource.pk)
    restarted = type(subscription).objects.get(pk=subscription.pk)
    stream.consume(restarted, got.extend, wait=0.5)
    keys = [r["delivery_key"] for r in got]
    assert len(keys) == len(set(keys)) == 1210
    assert keys[-1] == "ZJJ-PERMIT:1210"
    assert got[0]["data"]["holder"] == "张*丰"


def test_nats_down_then_catch_up_publishes_what_was_missed(
    world: World, granted: Grant, client: Client, nats_stream: str, settings: Any
) -> None:
    from yiwang.exchange.nats_bridge import StreamUnavailable

    subscription = _subscribe(world, client)
    real = settings.NATS_URL
    settings.NATS_URL = "nats://127.0.0.1:1"  # nothing listens there
    assert push(client, world.provider_token, "ZJJ-PERMIT", lines(30), "d1").status_code == 201
    resource = Resource.objects.get(code="ZJJ-PERMIT")
    with pytest.raises(StreamUnavailable):
        stream.publish_pending(resource.pk)
    assert Resource.objects.get(pk=resource.pk).published_sequence == 0
    # The database log kept every record: a pull works while NATS is away.
    page = client.get(
        "/api/v1/exchange/resources/ZJJ-PERMIT/records",
        headers={"Authorization": f"Bearer {world.consumer_token}"},
    )
    assert len(page.json()["records"]) == 30
    settings.NATS_URL = real
    assert stream.catch_up() == 30
    assert stream.catch_up() == 0  # nothing published twice
    got: list[dict[str, Any]] = []
    stream.consume(subscription, got.extend, wait=0.5)
    assert [r["seq"] for r in got] == list(range(1, 31))


def test_metrics_report_the_stream_lag(
    world: World, granted: Grant, client: Client, nats_stream: str
) -> None:
    push(client, world.provider_token, "ZJJ-PERMIT", lines(4), "l1")
    client.force_login(world.steward)
    metrics = client.get("/api/v1/exchange/metrics").json()
    assert metrics["backend"] == "nats" and metrics["stream_lag"] == 4
