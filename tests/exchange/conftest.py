"""Exchange fixtures: a city with three departments, people acting for them, a data steward,
department systems with tokens, and a resource with a personal item."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from yiwang.org.choices import Role

ITEMS: list[dict[str, Any]] = [
    {"name": "permit_no", "type": "string", "required": True, "description": "permit number"},
    {"name": "holder", "type": "string", "personal": "name"},
    {"name": "phone", "type": "string", "personal": "phone"},
    {"name": "issued_on", "type": "date"},
    {"name": "area_m2", "type": "number"},
    {"name": "floors", "type": "integer"},
]


@dataclass
class World:
    city: Any
    provider: Any
    consumer: Any
    other: Any
    steward: Any
    provider_user: Any
    consumer_user: Any
    resource: Any
    provider_token: str
    consumer_token: str
    other_token: str


def _department(code: str, name: str, region: Any) -> Any:
    from yiwang.org.models import Department

    return Department.objects.create(
        code=code,
        name=name,
        short_name=name[:8],
        kind="bureau",
        tier="city",
        region=region,
        duties="—",
    )


@pytest.fixture
def world(db: Any, make_user: Any) -> World:
    from yiwang.exchange import services
    from yiwang.geo.models import Region
    from yiwang.org.services import assign_role

    square = {"type": "Polygon", "coordinates": [[[120, 32], [121, 32], [121, 33], [120, 32]]]}
    city = Region.objects.create(
        code="320600",
        name="南通市",
        level="city",
        kind="city",
        path="320600/",
        geometry=square,
        min_lon=120,
        min_lat=32,
        max_lon=121,
        max_lat=33,
        centroid_lon=120.5,
        centroid_lat=32.5,
        area_km2=1.0,
    )
    provider = _department("NT-ZJJ", "市住房和城乡建设局", city)
    consumer = _department("NT-GAJ", "市公安局", city)
    other = _department("NT-SWJ", "市水务局", city)
    steward = make_user("steward")
    assign_role(steward, Role.DATA_STEWARD, actor=None)
    provider_user = make_user("builder")
    assign_role(provider_user, Role.DEPT_HANDLER, actor=None, department=provider)
    consumer_user = make_user("police")
    assign_role(consumer_user, Role.DEPT_HANDLER, actor=None, department=consumer)
    resource = services.register_resource(
        actor=provider_user,
        provider=provider,
        code="ZJJ-PERMIT",
        name="建筑施工许可信息",
        items=ITEMS,
        key_item="permit_no",
        theme="urban",
        sharing_type="unconditional",
    )
    _c, provider_token = services.issue_client(provider, actor=steward, name="住建业务系统")
    _c, consumer_token = services.issue_client(consumer, actor=steward, name="公安数据平台")
    _c, other_token = services.issue_client(other, actor=steward, name="水务系统")
    return World(
        city,
        provider,
        consumer,
        other,
        steward,
        provider_user,
        consumer_user,
        resource,
        provider_token,
        consumer_token,
        other_token,
    )


def lines(n: int, start: int = 0) -> bytes:
    import json

    return "\n".join(
        json.dumps(
            {
                "permit_no": f"P{i:06d}",
                "holder": "张三丰",
                "phone": "13812345678",
                "issued_on": "2026-03-01",
                "area_m2": 1200.5,
                "floors": 6,
            },
            ensure_ascii=False,
        )
        for i in range(start, start + n)
    ).encode()


def push(
    client: Client,
    token: str,
    code: str,
    body: bytes,
    batch_id: str,
    kind: str = "application/x-ndjson",
) -> Any:
    return client.post(
        f"/api/v1/exchange/resources/{code}/batches",
        data=body,
        content_type=kind,
        headers={"Authorization": f"Bearer {token}", "Batch-Id": batch_id},
    )


def pull(client: Client, token: str, code: str, after: int = 0, limit: int = 1000) -> Any:
    return client.get(
        f"/api/v1/exchange/resources/{code}/records",
        {"after": after, "limit": limit},
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.fixture
def granted(world: World) -> Any:
    """The consumer holds an approved grant (holder and phone masked)."""
    from yiwang.exchange import services

    share = services.request_share(
        world.resource,
        actor=world.consumer_user,
        consumer=world.consumer,
        purpose="核查违法建设",
        items=["permit_no", "holder", "phone", "issued_on"],
    )
    return services.approve_request(share, actor=world.steward)


NATS_URL = os.environ.get("NATS_URL", "nats://127.0.0.1:4222")


def nats_reachable() -> bool:
    parts = urlsplit(NATS_URL)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 4222), 1):
            return True
    except OSError:
        return False


@pytest.fixture
def nats_stream(settings: Any) -> Iterator[str]:
    """NATS on, with a stream of this test's own; skipped without NATS (failed in CI)."""
    if not nats_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail(f"NATS is not reachable at {NATS_URL} (CI must run the stream tests)")
        pytest.skip(f"NATS is not reachable at {NATS_URL}")
    from yiwang.exchange.nats_bridge import bridge

    name = f"YWTEST{uuid.uuid4().hex[:10].upper()}"
    settings.NATS_URL = NATS_URL
    settings.EXCHANGE_NATS_STREAM = name
    yield name
    bridge(NATS_URL).delete_stream(name)
