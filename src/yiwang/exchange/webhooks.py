"""Push delivery to a consumer's webhook: a page of records after the subscription's cursor,
POSTed as JSON; a failure is recorded and retried with exponential back-off."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from yiwang.core.errors import PermissionDenied
from yiwang.exchange import store
from yiwang.exchange.choices import Direction, SubscriptionKind
from yiwang.exchange.models import Subscription
from yiwang.exchange.schema import projection_plan
from yiwang.exchange.stream import _advance, _live_grant

PAGE = 500
BASE_BACKOFF_SECONDS = 10


def deliver_webhook(subscription: Subscription) -> int:
    """Deliver one page; returns how many records the endpoint accepted (0 on failure)."""
    try:
        grant = _live_grant(subscription)
    except PermissionDenied as exc:
        _failed(subscription, str(exc), stop=True)
        return 0
    rows = store.read_rows(grant.resource_id, subscription.cursor, PAGE)
    if not rows:
        return 0
    plan = projection_plan(grant.resource.items, grant.items, grant.masked_items)
    records = list(store.project(rows, grant.resource.code, plan))
    body = json.dumps(
        {"subscription": subscription.pk, "resource": grant.resource.code, "records": records},
        ensure_ascii=False,
    ).encode("utf-8")
    request = urllib.request.Request(
        subscription.target_url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Yiwang-Delivery": f"{grant.resource.code}:{records[0]['seq']}-{records[-1]['seq']}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.EXCHANGE_WEBHOOK_TIMEOUT) as reply:
            if not 200 <= reply.status < 300:
                raise urllib.error.HTTPError(
                    subscription.target_url, reply.status, reply.reason, reply.headers, None
                )
    except (urllib.error.URLError, OSError, ValueError) as exc:
        _failed(subscription, f"{type(exc).__name__}: {exc}", grant=grant)
        return 0
    _advance(subscription, grant, records)
    Subscription.objects.filter(pk=subscription.pk).update(
        failures=0, next_attempt_at=None, last_error=""
    )
    subscription.failures = 0
    subscription.next_attempt_at = None
    return len(records)


def _failed(
    subscription: Subscription, error: str, *, stop: bool = False, grant: Any = None
) -> None:
    from yiwang.exchange.services import count_volume

    failures = subscription.failures + 1
    delay = min(
        BASE_BACKOFF_SECONDS * 2 ** (failures - 1), settings.EXCHANGE_WEBHOOK_MAX_BACKOFF_SECONDS
    )
    subscription.failures = failures
    subscription.last_error = error[:1000]
    subscription.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    subscription.is_active = subscription.is_active and not stop
    with transaction.atomic():
        subscription.save(update_fields=["failures", "last_error", "next_attempt_at", "is_active"])
        if grant is not None:
            count_volume(grant.resource_id, grant.consumer_id, Direction.OUT, failures=1)


def due_webhooks() -> list[Subscription]:
    now = timezone.now()
    return list(
        Subscription.objects.filter(kind=SubscriptionKind.WEBHOOK, is_active=True).filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
        )
    )


def deliver_due_webhooks(max_pages: int = 20) -> int:
    """Every subscription that is due: pages until it is caught up, fails, or ``max_pages``."""
    total = 0
    for subscription in due_webhooks():
        for _page in range(max_pages):
            sent = deliver_webhook(subscription)
            total += sent
            if sent < PAGE:
                break
    return total
