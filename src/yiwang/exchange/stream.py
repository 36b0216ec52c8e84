"""Delivery by stream: the database log by default, NATS JetStream as well when ``NATS_URL`` is
set. The records table is the log; a subscription's cursor is its consumer position. With NATS,
ingest publishes on commit (in a background thread) and a catch-up publishes whatever a
stopped NATS missed, from ``published_sequence`` on. Delivery keys (``code:seq``) let a
consumer drop the repeats an at-least-once stream may bring."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from yiwang.core.audit import record_audit
from yiwang.exchange import store
from yiwang.exchange.choices import Action, Direction
from yiwang.exchange.models import Resource, Subscription
from yiwang.exchange.nats_bridge import StreamUnavailable, bridge
from yiwang.exchange.schema import projection_plan

log = logging.getLogger("yiwang.exchange.stream")

CHUNK = 500  # records per NATS message (well under NATS's 1 MB default payload)
READ = 10_000
Handler = Callable[[list[dict[str, Any]]], None]


def backend() -> str:
    return "nats" if settings.NATS_URL else "database"


def subject(code: str) -> str:
    return f"{settings.EXCHANGE_NATS_STREAM}.{code}"


# --- publishing -----------------------------------------------------------------------------

_executor: ThreadPoolExecutor | None = None
_pending: list[Future[Any]] = []


def after_ingest(resource_id: int) -> None:
    """On commit of a batch: publish in the background (the push does not wait for NATS)."""
    global _executor
    if not settings.NATS_URL:
        return
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="exchange-publish")
    _pending.append(_executor.submit(_publish_in_thread, resource_id))
    _pending[:] = [f for f in _pending if not f.done()]


def _publish_in_thread(resource_id: int) -> int:
    close_old_connections()
    try:
        return publish_pending(resource_id)
    except StreamUnavailable as exc:
        log.warning("exchange stream unavailable, catch-up will publish: %s", exc)
        return 0
    finally:
        connection.close()


def flush(timeout: float = 30.0) -> None:
    """Wait for background publishes (tests, benchmarks, shutdown)."""
    for future in list(_pending):
        future.result(timeout)


def publish_pending(resource_id: int) -> int:
    """Publish the resource's records NATS has not had yet; returns how many."""
    if not settings.NATS_URL:
        return 0
    nats = bridge(settings.NATS_URL)
    nats.ensure_stream(settings.EXCHANGE_NATS_STREAM)
    resource = Resource.objects.filter(pk=resource_id).values(
        "code", "last_sequence", "published_sequence"
    )[0]
    code, start, last = resource["code"], resource["published_sequence"], resource["last_sequence"]
    target = subject(code)
    published = 0
    dumps = json.dumps
    while start < last:
        rows = store.read_rows(resource_id, start, READ)
        if not rows:
            break
        messages = []
        for i in range(0, len(rows), CHUNK):
            chunk = rows[i : i + CHUNK]
            body = ",".join(
                f'{{"seq":{seq},"key":{dumps(key, ensure_ascii=False)},"data":{text}}}'
                for seq, key, text in chunk
            )
            payload = f'{{"resource":{dumps(code)},"records":[{body}]}}'.encode()
            messages.append((f"{code}:{chunk[0][0]}-{chunk[-1][0]}", payload))

        async def send(js: Any, messages: list[tuple[str, bytes]] = messages) -> None:
            for msg_id, payload in messages:
                await js.publish(target, payload, headers={"Nats-Msg-Id": msg_id})

        nats.run(send)
        start = rows[-1][0]
        published += len(rows)
        Resource.objects.filter(pk=resource_id, published_sequence__lt=start).update(
            published_sequence=start
        )
    return published


def catch_up() -> int:
    """Publish everything the stream missed (NATS was down, a publish failed)."""
    if not settings.NATS_URL:
        return 0
    total = 0
    behind = Resource.objects.filter(last_sequence__gt=F("published_sequence"))
    for resource_id in behind.values_list("pk", flat=True):
        total += publish_pending(resource_id)
    return total


# --- consuming ------------------------------------------------------------------------------


def _live_grant(subscription: Subscription) -> Any:
    from yiwang.core.errors import PermissionDenied

    grant = (
        type(subscription.grant).objects.select_related("resource").get(pk=subscription.grant_id)
    )
    if not grant.is_active:
        raise PermissionDenied(_("The grant behind this subscription is no longer active."))
    return grant


def consume(
    subscription: Subscription,
    handler: Handler,
    *,
    max_records: int = 100_000,
    wait: float = 1.0,
) -> int:
    """Hand the subscription's next records to ``handler`` (projected and masked as its grant
    says), then advance its cursor; returns how many. The grant is re-read before every
    page, so a revoke stops a running consumer at the next page."""
    if backend() == "nats":
        return _consume_nats(subscription, handler, max_records=max_records, wait=wait)
    delivered = 0
    while delivered < max_records:
        grant = _live_grant(subscription)
        plan = projection_plan(grant.resource.items, grant.items, grant.masked_items)
        rows = store.read_rows(grant.resource_id, subscription.cursor, min(1000, max_records))
        if not rows:
            break
        records = list(store.project(rows, grant.resource.code, plan))
        handler(records)
        _advance(subscription, grant, records)
        delivered += len(records)
    return delivered


def _advance(subscription: Subscription, grant: Any, records: list[dict[str, Any]]) -> None:
    from yiwang.exchange.services import count_volume

    if not records:
        return
    with transaction.atomic():
        subscription.cursor = records[-1]["seq"]
        subscription.delivered += len(records)
        Subscription.objects.filter(pk=subscription.pk).update(
            cursor=subscription.cursor, delivered=subscription.delivered
        )
        count_volume(grant.resource_id, grant.consumer_id, Direction.OUT, records=len(records))
        record_audit(
            Action.DELIVERED,
            actor=None,
            obj=grant.resource,
            after={
                "subscription": subscription.pk,
                "consumer": grant.consumer_id,
                "backend": backend(),
                "records": len(records),
                "last": subscription.cursor,
                "items": grant.items,
            },
        )


def _consume_nats(
    subscription: Subscription, handler: Handler, *, max_records: int, wait: float
) -> int:
    import nats.errors

    grant = _live_grant(subscription)
    nats_bridge = bridge(settings.NATS_URL)
    nats_bridge.ensure_stream(settings.EXCHANGE_NATS_STREAM)
    target = subject(grant.resource.code)
    durable = subscription.durable_name
    stream_name = settings.EXCHANGE_NATS_STREAM
    holder: dict[str, Any] = {}

    async def open_subscription(js: Any) -> None:
        holder["psub"] = await js.pull_subscribe(target, durable=durable, stream=stream_name)

    async def fetch(js: Any) -> list[Any]:
        # One message (up to CHUNK records) at a time: nats-py's single fetch is the simple
        # path, and nothing is left unacknowledged when the caller stops.
        try:
            return list(
                await asyncio.wait_for(holder["psub"].fetch(batch=1, timeout=wait), wait + 5)
            )
        except (nats.errors.TimeoutError, TimeoutError):
            return []

    async def close(js: Any) -> None:
        await holder["psub"].unsubscribe()

    nats_bridge.run(open_subscription)
    delivered = 0
    try:
        while delivered < max_records:
            grant = _live_grant(subscription)
            messages = nats_bridge.run(fetch, timeout=wait + 30)
            if not messages:
                break
            plan = projection_plan(grant.resource.items, grant.items, grant.masked_items)
            for msg in messages:
                payload = json.loads(msg.data)
                # Repeats (a redelivery, a republish after NATS came back) fall below the cursor.
                rows = [
                    (r["seq"], r["key"], json.dumps(r["data"]))
                    for r in payload["records"]
                    if r["seq"] > subscription.cursor
                ]
                records = list(store.project(rows, grant.resource.code, plan))
                if records:
                    handler(records)
                    _advance(subscription, grant, records)
                    delivered += len(records)

                async def ack(js: Any, msg: Any = msg) -> None:
                    await msg.ack()

                nats_bridge.run(ack)
    finally:
        nats_bridge.run(close)
    return delivered


def lag(resource: Resource, cursor: int) -> int:
    return max(resource.last_sequence - cursor, 0)
