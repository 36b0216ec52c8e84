"""The work-order API: intake with Idempotency-Key, scoped cursor lists, detail with timeline,
actions with their 403/404/409/422 answers, and masking of the citizen's contact."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.workorders.factories import City, load_city, new_order, step
from yiwang.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def _client(city: City, username: str) -> Client:
    client = Client()
    client.force_login(city[username])
    return client


def _body(city: City, **fields: Any) -> dict[str, Any]:
    lon, lat = city.point
    return {
        "description": "路口红绿灯故障，车辆拥堵。",
        "request_type": "help",
        "channel": "hotline",
        "lon": lon,
        "lat": lat,
        "contact_name": "张三丰",
        "contact_phone": "13812345678",
        **fields,
    }


def _post(client: Client, path: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(path, body, content_type="application/json", headers=headers)


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content
    error: dict[str, Any] = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    return error


def test_intake_detail_actions_and_errors() -> None:
    city = load_city()
    agent = _client(city, "hotline_agent")
    created = _post(agent, "/api/v1/workorders", _body(city), **{"Idempotency-Key": "call-0001"})
    assert created.status_code == 201, created.content
    order = created.json()
    assert order["number"].startswith("RX") and order["state"] == "received"
    assert order["county"]["code"] == "320613" and order["contact_phone"] == "13812345678"
    assert [e["kind"] for e in order["timeline"]] == ["received"]
    assert "dispatch" not in order["actions"] and "classify" in order["actions"]

    # A retry returns the same order and creates nothing; another body is a 409.
    count = WorkOrder.objects.count()
    again = _post(agent, "/api/v1/workorders", _body(city), **{"Idempotency-Key": "call-0001"})
    assert again.status_code == 201 and again.json()["number"] == order["number"]
    assert WorkOrder.objects.count() == count
    other = _post(
        agent,
        "/api/v1/workorders",
        _body(city, description="别的事"),
        **{"Idempotency-Key": "call-0001"},
    )
    assert "Idempotency-Key" in _error(other, 409)["message"]
    malformed = _post(agent, "/api/v1/workorders", _body(city), **{"Idempotency-Key": "bad key!"})
    assert _error(malformed, 422)["details"]["field"] == "Idempotency-Key"

    # Bad input: 422 naming the field, nothing written.
    outside = _post(agent, "/api/v1/workorders", _body(city, lon=100.0, lat=30.0))
    error = _error(outside, 422)
    assert error["details"]["field"] == "lon" and "不在本市管辖范围内" in error["message"]
    long_text = _post(agent, "/api/v1/workorders", _body(city, description="字" * 4001))
    assert _error(long_text, 422)["details"]["field"] == "description"
    assert _error(_post(agent, "/api/v1/workorders", _body(city, category="X")), 422)
    assert WorkOrder.objects.count() == count

    # Actions: 403 for the wrong role, 409 for the wrong state, 422 for a missing field.
    number = order["number"]
    city_dispatcher = _client(city, "city_dispatcher")
    handler = _client(city, "dept_handler")
    base = f"/api/v1/workorders/{number}"
    assert _error(_post(agent, f"{base}/dispatch", {"department": "x"}), 403)
    assert _error(_post(city_dispatcher, f"{base}/dispatch", {}), 422)["details"]["field"] == (
        "department"
    )
    dispatched = _post(
        city_dispatcher, f"{base}/dispatch", {"department": city.department.code, "version": 1}
    )
    assert dispatched.status_code == 200, dispatched.content
    assert dispatched.json()["state"] == "dispatched" and dispatched.json()["version"] == 2
    assert dispatched.json()["due_at"] is not None
    stale = _post(city_dispatcher, f"{base}/urge", {"version": 1})
    assert _error(stale, 409)["details"]["current_version"] == 2
    wrong_state = _error(_post(city_dispatcher, f"{base}/dispatch", {"department": "x"}), 409)
    assert wrong_state["details"]["state"] == "dispatched"
    assert _error(_post(handler, f"{base}/return", {}), 422)["details"]["field"] == "reason"
    assert _error(_post(handler, f"{base}/fly", {}), 404)
    acknowledged = _post(handler, f"{base}/acknowledge", {})
    assert acknowledged.json()["state"] == "acknowledged"
    # The handler's role sees the phone in clear; a leader sees it masked.
    assert acknowledged.json()["contact_phone"] == "13812345678"
    leader_view = _client(city, "leader").get(base).json()
    assert leader_view["contact_phone"] == "138****5678"
    assert leader_view["contact_name"] == "张*丰"
    assert [e["kind"] for e in leader_view["timeline"]] == [
        "received",
        "dispatched",
        "acknowledged",
    ]

    # Out of scope is the same 404 as missing; the citizen sees neither.
    citizen = _client(city, "citizen")
    assert _error(citizen.get(base), 404) == _error(citizen.get("/api/v1/workorders/NOPE"), 404)
    assert _error(_post(citizen, f"{base}/urge", {}), 404)


def test_list_filters_cursor_and_query_count() -> None:
    city = load_city()
    for i in range(7):
        order = new_order(city, description=f"第{i}件：井盖缺失")
        if i % 2:
            step(city, order, "dispatch", "town_dispatcher", department=city.department.code)
            step(city, order, "add_unit", "town_dispatcher", department=city.other_department.code)
    client = _client(city, "town_dispatcher")
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/workorders", params)
        assert response.status_code == 200, response.content
        # Session, user, roles for scope, the page, assisting units: constant per page.
        assert len(queries) <= 8, [q["sql"] for q in queries]
        page = response.json()
        seen += [o["number"] for o in page["items"]]
        pages += 1
        cursor = page["next"]
        if not cursor:
            break
    assert pages == 3 and len(seen) == len(set(seen)) == 7
    received = [o.number for o in WorkOrder.objects.order_by("-received_at", "-id")]
    assert seen == received

    def numbers(**params: Any) -> set[str]:
        response = client.get("/api/v1/workorders", params)
        assert response.status_code == 200, response.content
        return {o["number"] for o in response.json()["items"]}

    assert len(numbers(state="dispatched")) == 3
    assert numbers(department=city.other_department.code) == numbers(state="dispatched")
    assert len(numbers(q="第3件")) == 1
    assert len(numbers(county="320613")) == 7 and numbers(county="320614") == set()
    assert numbers(overdue=True) == set()

    def query_count(limit: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/workorders", {"limit": limit}).status_code == 200
        return len(queries)

    assert query_count(1) == query_count(7)  # no query per order
    assert _error(client.get("/api/v1/workorders", {"cursor": "!!"}), 422)
    assert _error(client.get("/api/v1/workorders", {"limit": 500}), 422)
    # A department handler lists only its own orders.
    handler = _client(city, "dept_handler").get("/api/v1/workorders").json()
    assert {o["number"] for o in handler["items"]} == numbers(state="dispatched")


def test_a_citizen_files_and_follows_their_own_request() -> None:
    city = load_city()
    citizen = _client(city, "citizen")
    body = _body(city, channel="app", contact_name="", contact_phone="")
    created = _post(citizen, "/api/v1/workorders", body)
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    assert number.startswith("AP")
    # Their own account is the contact, shown to them in clear and masked to a leader.
    mine = citizen.get(f"/api/v1/workorders/{number}").json()
    assert (mine["contact_name"], mine["contact_phone"]) == ("马天宇", "13962810014")
    assert mine["actions"] == []
    assert _client(city, "leader").get(f"/api/v1/workorders/{number}").json()["contact_phone"] == (
        "139****0014"
    )
    listed = citizen.get("/api/v1/workorders").json()["items"]
    assert [o["number"] for o in listed] == [number]
    # A citizen may not file through the hotline channel, nor act on the order.
    assert _error(_post(citizen, "/api/v1/workorders", _body(city)), 403)
    assert _error(_post(citizen, f"/api/v1/workorders/{number}/urge", {}), 403)
