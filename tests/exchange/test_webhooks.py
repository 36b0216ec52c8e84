"""Push delivery to a webhook: delivered with keys, retried with back-off, stopped by revoke."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.exchange.conftest import World, lines, push
from tests.exchange.loopback import serve
from yiwang.exchange import services
from yiwang.exchange.models import ExchangeClient, Grant, Subscription
from yiwang.exchange.webhooks import deliver_due_webhooks

pytestmark = pytest.mark.django_db


def _webhook(world: World, url: str) -> Subscription:
    client = ExchangeClient.objects.get(department=world.consumer)
    return services.subscribe(
        world.resource, client=client, kind="webhook", target_url=url, from_sequence=0
    )


def test_webhook_receives_the_records_and_retries_after_failures(
    world: World, granted: Grant, client: Client
) -> None:
    answers = [500, 200]
    with serve(lambda handler, body: (answers.pop(0), b"ok", "text/plain")) as (url, calls):
        subscription = _webhook(world, f"{url}/hook")
        push(client, world.provider_token, "ZJJ-PERMIT", lines(3), "w1")
        assert deliver_due_webhooks() == 0
        failed = Subscription.objects.get(pk=subscription.pk)
        assert failed.failures == 1 and "500" in failed.last_error
        assert failed.next_attempt_at is not None and failed.next_attempt_at > timezone.now()
        assert deliver_due_webhooks() == 0  # backing off: not due yet
        assert len(calls) == 1
        Subscription.objects.filter(pk=subscription.pk).update(
            next_attempt_at=timezone.now() - timedelta(seconds=1)
        )
        assert deliver_due_webhooks() == 3
    delivered = json.loads(calls[-1]["body"])
    assert [r["delivery_key"] for r in delivered["records"]] == [
        "ZJJ-PERMIT:1",
        "ZJJ-PERMIT:2",
        "ZJJ-PERMIT:3",
    ]
    assert delivered["records"][0]["data"]["phone"] == "138****5678"
    assert calls[-1]["headers"]["Yiwang-Delivery"] == "ZJJ-PERMIT:1-3"
    done = Subscription.objects.get(pk=subscription.pk)
    assert done.cursor == 3 and done.failures == 0 and done.delivered == 3


def test_backoff_doubles_and_an_unreachable_hook_is_recorded(
    world: World, granted: Grant, client: Client
) -> None:
    subscription = _webhook(world, "http://127.0.0.1:1/hook")
    push(client, world.provider_token, "ZJJ-PERMIT", lines(1), "w1")
    delays = []
    for _ in range(3):
        Subscription.objects.filter(pk=subscription.pk).update(next_attempt_at=None)
        before = timezone.now()
        deliver_due_webhooks()
        sub = Subscription.objects.get(pk=subscription.pk)
        assert sub.next_attempt_at is not None
        delays.append(round((sub.next_attempt_at - before).total_seconds()))
    assert delays == [10, 20, 40]
    assert "Connection refused" in sub.last_error or "URLError" in sub.last_error
    assert sub.cursor == 0


def test_revoked_grant_stops_the_webhook(world: World, granted: Grant, client: Client) -> None:
    with serve(lambda handler, body: (200, b"ok", "text/plain")) as (url, calls):
        subscription = _webhook(world, url)
        push(client, world.provider_token, "ZJJ-PERMIT", lines(2), "w1")
        services.revoke_grant(granted, actor=world.steward)
        assert deliver_due_webhooks() == 0
        assert calls == []
    stopped = Subscription.objects.get(pk=subscription.pk)
    assert stopped.is_active is False and "授权已失效" in stopped.last_error


def test_webhook_needs_an_address_and_a_grant(world: World, client: Client) -> None:
    response = client.post(
        "/api/v1/exchange/subscriptions",
        {"resource": "ZJJ-PERMIT", "kind": "webhook", "target_url": "ftp://x"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {world.consumer_token}"},
    )
    assert response.status_code == 422
    response = client.post(
        "/api/v1/exchange/subscriptions",
        {"resource": "ZJJ-PERMIT", "kind": "webhook", "target_url": "http://127.0.0.1:9/x"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {world.consumer_token}"},
    )
    assert response.status_code == 403
