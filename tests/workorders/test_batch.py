"""Bulk intake (POST /api/v1/workorders/batch): many requests stored all or none, each validated,
located, routed, numbered and audited as a single intake would be, and replayable by key."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.workorders.factories import TEST_CATEGORY, City, load_city
from yiwang.core.audit import verify_chain
from yiwang.core.models import AuditRecord
from yiwang.core.scoping import scope_of
from yiwang.org.models import RoleAssignment
from yiwang.workorders import services
from yiwang.workorders.choices import EventKind, State
from yiwang.workorders.models import WorkOrder, WorkOrderEvent

pytestmark = pytest.mark.django_db

LAMP = "小区门口路灯不亮，晚上出行不便。"


@pytest.fixture
def city() -> City:
    return load_city()


def _agent(city: City) -> Client:
    client = Client()
    client.force_login(city["hotline_agent"])
    return client


def _item(city: City, **fields: Any) -> dict[str, Any]:
    lon, lat = city.point
    return {
        "channel": "hotline",
        "request_type": "help",
        "description": LAMP,
        "lon": lon,
        "lat": lat,
        "category": TEST_CATEGORY,
        "contact_name": "王女士",
        "contact_phone": "13912345678",
        **fields,
    }


def _post(client: Client, orders: list[dict[str, Any]], key: str | None = None) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        "/api/v1/workorders/batch",
        data=json.dumps({"orders": orders}),
        content_type="application/json",
        **headers,
    )


def test_a_batch_files_every_order_like_single_intake(city: City) -> None:
    items = [_item(city), _item(city, description="噪音扰民，夜里施工"), _item(city)]
    response = _post(_agent(city), items)
    assert response.status_code == 201, response.content
    filed = response.json()["orders"]
    numbers = [o["number"] for o in filed]
    # Consecutive numbers of the day's hotline sequence, in the order sent.
    assert [int(n[-6:]) for n in numbers] == list(range(int(numbers[0][-6:]), len(items) + 1))
    assert all(o["category"] == TEST_CATEGORY and o["county"] == "320613" for o in filed)
    assert all(o["lead_department"] is None and o["grid"] for o in filed)
    stored = {o.number: o for o in WorkOrder.objects.filter(number__in=numbers)}
    assert all(
        o.state == State.RECEIVED and o.created_by == city["hotline_agent"] for o in stored.values()
    )
    # Each has its received and routed events, and an audit record in an unbroken chain.
    kinds = list(
        WorkOrderEvent.objects.filter(order__number=numbers[1])
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == [EventKind.RECEIVED, EventKind.ROUTED]
    audited = AuditRecord.objects.filter(action="workorder.received")
    assert sorted(audited.values_list("after__number", flat=True)) == sorted(numbers)
    assert verify_chain().ok
    # The same lamp twice in one batch: each names the other as a possible duplicate.
    assert [d["number"] for d in filed[0]["possible_duplicates"]] == [numbers[2]]
    assert [d["number"] for d in filed[2]["possible_duplicates"]] == [numbers[0]]
    assert filed[1]["possible_duplicates"] == []


def test_one_bad_order_refuses_the_batch_and_writes_nothing(city: City) -> None:
    before = (WorkOrder.objects.count(), AuditRecord.objects.count())
    response = _post(_agent(city), [_item(city), _item(city, category="NOPE01"), _item(city)])
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["details"] == {"index": 1, "field": "category"}
    assert "NOPE01" in error["message"]
    outside = _post(_agent(city), [_item(city, lon=100.0, lat=20.0)])
    assert outside.status_code == 422 and outside.json()["error"]["details"]["index"] == 0
    assert outside.json()["error"]["details"]["field"] == "lon"
    assert (WorkOrder.objects.count(), AuditRecord.objects.count()) == before


def test_batch_size_is_bounded(city: City) -> None:
    empty = _post(_agent(city), [])
    assert empty.status_code == 422 and empty.json()["error"]["details"]["field"] == "orders"
    too_many = _post(_agent(city), [_item(city)] * 501)
    assert too_many.status_code == 422 and too_many.json()["error"]["details"]["field"] == "orders"
    assert not WorkOrder.objects.exists()


def test_a_retried_batch_returns_the_same_orders(city: City) -> None:
    client = _agent(city)
    items = [_item(city), _item(city, description="井盖缺失，存在安全隐患")]
    first = _post(client, items, key="batch-2026-11-27-a")
    again = _post(client, items, key="batch-2026-11-27-a")
    assert first.status_code == again.status_code == 201
    assert [o["number"] for o in again.json()["orders"]] == [
        o["number"] for o in first.json()["orders"]
    ]
    assert WorkOrder.objects.count() == 2
    changed = _post(client, [items[1], items[0]], key="batch-2026-11-27-a")
    assert changed.status_code == 409
    assert changed.json()["error"]["details"]["field"] == "Idempotency-Key"
    too_long = _post(client, items, key="k" * 61)
    assert too_long.status_code == 422
    assert WorkOrder.objects.count() == 2


def test_only_intake_roles_may_file_a_batch(city: City) -> None:
    handler = Client()
    handler.force_login(city["dept_handler"])
    refused = _post(handler, [_item(city)])
    assert refused.status_code == 403
    assert refused.json()["error"]["details"] == {"index": 0, "field": "channel"}
    assert not WorkOrder.objects.exists()


def test_a_revoked_role_is_not_kept_in_the_cached_scope(city: City) -> None:
    agent = city["hotline_agent"]
    assert "hotline_agent" in scope_of(agent).roles
    RoleAssignment.objects.filter(user=agent).delete()
    agent.refresh_from_db()
    fresh = type(agent).objects.get(pk=agent.pk)
    assert scope_of(fresh).roles == frozenset()
    refused = _post(_agent(city), [_item(city)])
    assert refused.status_code == 403


def test_automatic_dispatch_in_a_batch_matches_the_single_path(city: City, settings: Any) -> None:
    settings.WORKORDERS_AUTO_DISPATCH = True
    single = services.create_work_order(actor=city["hotline_agent"], **_item(city))
    response = _post(_agent(city), [_item(city), _item(city, category=None)])
    assert response.status_code == 201, response.content
    routed, unrouted = response.json()["orders"]
    assert routed["state"] == State.DISPATCHED and unrouted["state"] == State.RECEIVED
    assert routed["lead_department"] == city.department.code
    bulk = WorkOrder.objects.get(number=routed["number"])
    same = ("lead_department_id", "time_limit", "time_limit_unit", "version", "state")
    assert [getattr(bulk, f) for f in same] == [getattr(single, f) for f in same]
    assert bulk.due_at is not None and single.due_at is not None
    assert abs((bulk.due_at - single.due_at).total_seconds()) < 60
    kinds = list(bulk.events.order_by("id").values_list("kind", "from_state", "to_state"))
    assert kinds == [
        (EventKind.RECEIVED, "", State.RECEIVED),
        (EventKind.ROUTED, "", ""),
        (EventKind.DISPATCHED, State.RECEIVED, State.DISPATCHED),
    ]
    actions = AuditRecord.objects.filter(
        object_type="workorders.workorder", object_id=str(bulk.pk)
    ).order_by("id")
    assert [(a.action, (a.after or {}).get("state")) for a in actions] == [
        ("workorder.received", State.RECEIVED),
        ("workorder.dispatch", State.DISPATCHED),
    ]
    assert verify_chain().ok
