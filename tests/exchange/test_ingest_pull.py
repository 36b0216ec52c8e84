"""Pushing batches and pulling them back as a consumer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.exchange.conftest import World, lines, pull, push
from yiwang.core.models import AuditRecord
from yiwang.exchange.models import DailyVolume, Grant, Resource

pytestmark = pytest.mark.django_db


def test_push_then_pull_projected_and_masked(world: World, granted: Any, client: Client) -> None:
    response = push(client, world.provider_token, "ZJJ-PERMIT", lines(5), "b-0001")
    assert response.status_code == 201, response.content
    assert response.json() == {
        "batch_id": "b-0001",
        "records": 5,
        "first_sequence": 1,
        "last_sequence": 5,
        "duplicate": False,
        "schema_version": 1,
    }
    response = pull(client, world.consumer_token, "ZJJ-PERMIT", after=0, limit=3)
    assert response["Yiwang-Next-After"] == "3" and response["Yiwang-Has-More"] == "true"
    page = response.json()
    assert [r["seq"] for r in page["records"]] == [1, 2, 3] and page["has_more"] is True
    first = page["records"][0]
    assert first["delivery_key"] == "ZJJ-PERMIT:1" and first["key"] == "P000000"
    # Only the granted items, the personal ones masked; area and floors were not asked for.
    assert first["data"] == {
        "permit_no": "P000000",
        "issued_on": "2026-03-01",
        "holder": "张*丰",
        "phone": "138****5678",
    }
    rest = pull(client, world.consumer_token, "ZJJ-PERMIT", after=page["next_after"]).json()
    assert [r["seq"] for r in rest["records"]] == [4, 5] and rest["has_more"] is False
    pulled = AuditRecord.objects.filter(action="exchange.pulled").order_by("id")
    assert [(a.after or {})["records"] for a in pulled] == [3, 2]
    assert pulled[0].after is not None
    assert pulled[0].after["items"] == ["permit_no", "holder", "phone", "issued_on"]
    volume = {v.direction: v.records for v in DailyVolume.objects.all()}
    assert volume == {"in": 5, "out": 5}


def test_resent_batch_is_not_stored_twice(world: World, client: Client) -> None:
    assert push(client, world.provider_token, "ZJJ-PERMIT", lines(3), "same").status_code == 201
    again = push(client, world.provider_token, "ZJJ-PERMIT", lines(3), "same")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    resource = Resource.objects.get(code="ZJJ-PERMIT")
    assert resource.record_count == 3 and resource.last_sequence == 3


def test_bad_rows_reject_the_whole_batch_with_a_report(world: World, client: Client) -> None:
    body = lines(2) + b'\n{"permit_no": "P9", "floors": "six", "colour": "red"}\n{"holder": "x"}'
    response = push(client, world.provider_token, "ZJJ-PERMIT", body, "bad-1")
    assert response.status_code == 422
    rows = response.json()["error"]["details"]["rows"]
    assert {"row": 3, "item": "floors", "reason": "expected an integer"} in rows
    assert {"row": 3, "item": "colour", "reason": "not an item of the schema"} in rows
    assert {"row": 4, "item": "permit_no", "reason": "required"} in rows
    assert Resource.objects.get(code="ZJJ-PERMIT").record_count == 0
    assert DailyVolume.objects.get(direction="in").failures == 1
    broken = push(
        client, world.provider_token, "ZJJ-PERMIT", b'{"permit_no": "P1"}\n{oops', "bad-2"
    )
    assert broken.json()["error"]["details"]["rows"][0]["row"] == 2
    # The same batch id, fixed, is then accepted.
    assert push(client, world.provider_token, "ZJJ-PERMIT", lines(2), "bad-1").status_code == 201


def test_csv_batches(world: World, granted: Any, client: Client) -> None:
    body = "permit_no,holder,floors,area_m2\nC1,李四,3,99.5\nC2,,4,\n".encode()
    response = push(client, world.provider_token, "ZJJ-PERMIT", body, "csv-1", "text/csv")
    assert response.status_code == 201, response.content
    records = pull(client, world.consumer_token, "ZJJ-PERMIT").json()["records"]
    assert records[0]["data"] == {"permit_no": "C1", "holder": "李*"}
    bad = push(
        client,
        world.provider_token,
        "ZJJ-PERMIT",
        b"permit_no,floors\nC3,many\n",
        "csv-2",
        "text/csv",
    )
    assert bad.json()["error"]["details"]["rows"] == [
        {"row": 1, "item": "floors", "reason": "cannot be read as its type"}
    ]


def test_batch_over_the_limit(world: World, client: Client, settings: Any) -> None:
    settings.EXCHANGE_BATCH_MAX_RECORDS = 10
    response = push(client, world.provider_token, "ZJJ-PERMIT", lines(11), "big")
    assert response.status_code == 413
    assert "10" in response.json()["error"]["message"]


def test_only_the_provider_pushes_and_tokens_are_checked(world: World, client: Client) -> None:
    assert push(client, world.consumer_token, "ZJJ-PERMIT", lines(1), "x").status_code == 403
    assert push(client, "yx_nope_nope", "ZJJ-PERMIT", lines(1), "x").status_code == 401
    missing = client.post(
        "/api/v1/exchange/resources/ZJJ-PERMIT/batches",
        data=lines(1),
        content_type="application/x-ndjson",
        headers={"Authorization": f"Bearer {world.provider_token}"},
    )
    assert missing.status_code == 422


def test_pull_without_a_grant_or_with_an_expired_or_revoked_one(
    world: World, granted: Grant, client: Client
) -> None:
    push(client, world.provider_token, "ZJJ-PERMIT", lines(2), "b")
    refused = pull(client, world.other_token, "ZJJ-PERMIT")
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "贵部门没有该资源的授权。"
    Grant.objects.filter(pk=granted.pk).update(expires_at=timezone.now() - timedelta(days=1))
    expired = pull(client, world.consumer_token, "ZJJ-PERMIT")
    assert expired.status_code == 403 and "到期" in expired.json()["error"]["message"]
    Grant.objects.filter(pk=granted.pk).update(
        expires_at=timezone.now() + timedelta(days=1), revoked_at=timezone.now()
    )
    revoked = pull(client, world.consumer_token, "ZJJ-PERMIT")
    assert revoked.status_code == 403 and "撤销" in revoked.json()["error"]["message"]
    assert AuditRecord.objects.filter(action="exchange.pull_refused").count() == 3


def test_revoking_stops_a_consumer_between_pages(
    world: World, granted: Grant, client: Client
) -> None:
    from yiwang.exchange.services import revoke_grant

    push(client, world.provider_token, "ZJJ-PERMIT", lines(4), "b")
    assert pull(client, world.consumer_token, "ZJJ-PERMIT", limit=2).status_code == 200
    revoke_grant(granted, actor=world.steward, reason="停止共享")
    assert pull(client, world.consumer_token, "ZJJ-PERMIT", after=2).status_code == 403


def test_grant_rate_limit(world: World, granted: Grant, client: Client) -> None:
    Grant.objects.filter(pk=granted.pk).update(rate_limit="2/m")
    codes = [pull(client, world.consumer_token, "ZJJ-PERMIT").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_metrics_show_the_volume(world: World, granted: Grant, client: Client) -> None:
    push(client, world.provider_token, "ZJJ-PERMIT", lines(7), "b")
    pull(client, world.consumer_token, "ZJJ-PERMIT")
    client.force_login(world.steward)
    metrics = client.get("/api/v1/exchange/metrics", {"days": 7}).json()
    assert metrics["totals"]["records_in"] == 7 and metrics["totals"]["records_out"] == 7
    assert metrics["by_resource"][0]["code"] == "ZJJ-PERMIT"
    assert metrics["backend"] == "database"


def test_values_with_copy_special_characters_round_trip(
    world: World, granted: Grant, client: Client
) -> None:
    import json

    tricky = {"permit_no": "A\tB\\C\nD", "holder": 'O\'Brien "x"', "issued_on": "2026-01-02"}
    body = (json.dumps(tricky) + "\n" + json.dumps({"permit_no": "P2", "floors": True})).encode()
    rejected = push(client, world.provider_token, "ZJJ-PERMIT", body, "t0")
    assert rejected.json()["error"]["details"]["rows"] == [
        {"row": 2, "item": "floors", "reason": "expected an integer"}
    ]
    body = (
        json.dumps(tricky) + "\n" + json.dumps({"permit_no": "P2", "issued_on": "2026-02-30"})
    ).encode()
    bad_date = push(client, world.provider_token, "ZJJ-PERMIT", body, "t1")
    assert bad_date.json()["error"]["details"]["rows"][0]["item"] == "issued_on"
    assert (
        push(
            client, world.provider_token, "ZJJ-PERMIT", json.dumps(tricky).encode(), "t2"
        ).status_code
        == 201
    )
    record = pull(client, world.consumer_token, "ZJJ-PERMIT").json()["records"][0]
    assert record["key"] == "A\tB\\C\nD"
    assert record["data"]["permit_no"] == "A\tB\\C\nD"
    assert record["data"]["holder"].startswith("O*")


@pytest.mark.parametrize(
    "values",
    [
        {"holder": "张三丰", "phone": "13812345678"},
        {"holder": "张三", "phone": "12345"},
        {"holder": "Alice", "phone": "1234"},
        {"holder": "  王  ", "phone": " 0513-12345678 "},
        {"holder": "欧阳娜娜", "phone": ""},
        {"holder": "X"},
    ],
)
def test_database_masking_equals_the_python_masking(
    world: World, granted: Grant, client: Client, values: dict[str, str]
) -> None:
    """On PostgreSQL the database masks; it must give what core.masking gives."""
    import json

    from yiwang.core.masking import mask_name, mask_phone

    body = json.dumps({"permit_no": "M1", **values}, ensure_ascii=False).encode()
    assert push(client, world.provider_token, "ZJJ-PERMIT", body, "m").status_code == 201
    data = pull(client, world.consumer_token, "ZJJ-PERMIT").json()["records"][0]["data"]
    assert data.get("holder") == mask_name(values["holder"])
    if "phone" in values:
        assert data["phone"] == mask_phone(values["phone"])
    else:
        assert "phone" not in data
