"""Attachments: photos, documents and recordings on an order, checked by name, content and size,
stored with the order's timeline and audit in one transaction, and served only within scope."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.workorders.factories import TEST_CATEGORY, City, load_city, order_in
from yiwang.core.models import AuditRecord
from yiwang.workorders import services
from yiwang.workorders.choices import EventKind, State
from yiwang.workorders.models import Attachment, WorkOrder

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"


@pytest.fixture
def city(settings: Any, tmp_path: Path) -> City:
    settings.MEDIA_ROOT = tmp_path
    return load_city()


def _client(city: City, username: str) -> Client:
    client = Client()
    client.force_login(city[username])
    return client


def _file(name: str, content: bytes) -> dict[str, str]:
    return {"name": name, "content_base64": base64.b64encode(content).decode()}


def _file_intake(city: City, *files: dict[str, str]) -> Any:
    lon, lat = city.point
    body = {
        "channel": "hotline",
        "request_type": "report",
        "description": "人行道井盖破损，已拍照。",
        "lon": lon,
        "lat": lat,
        "category": TEST_CATEGORY,
        "contact_phone": "13912345678",
        "attachments": list(files),
    }
    return _client(city, "hotline_agent").post(
        "/api/v1/workorders", data=json.dumps(body), content_type="application/json"
    )


def _stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_files_sent_with_a_request_are_stored_and_served_in_scope(
    city: City, settings: Any
) -> None:
    created = _file_intake(city, _file("井盖.png", PNG), _file("说明.pdf", PDF))
    assert created.status_code == 201, created.content
    order = created.json()
    files = order["attachments"]
    assert [(f["name"], f["content_type"], f["size"]) for f in files] == [
        ("井盖.png", "image/png", len(PNG)),
        ("说明.pdf", "application/pdf", len(PDF)),
    ]
    photo = _client(city, "city_dispatcher").get(files[0]["url"])
    assert photo.status_code == 200 and photo["Content-Type"] == "image/png"
    assert b"".join(photo.streaming_content) == PNG
    assert photo["X-Content-Type-Options"] == "nosniff"
    document = _client(city, "city_dispatcher").get(files[1]["url"])
    assert "attachment" in document["Content-Disposition"]
    # Out of the order's scope the file does not exist, like the order.
    assert _client(city, "citizen").get(files[0]["url"]).status_code == 404
    # Stored under random names, not the citizen's.
    assert all("井盖" not in p.name for p in _stored_files(Path(settings.MEDIA_ROOT)))


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("tool.exe", b"MZ\x90\x00", "exe"),
        ("photo.jpg", b"MZ\x90\x00 a program renamed", "jpg"),
        ("photo.png", b"", "empty"),
    ],
)
def test_a_forbidden_file_refuses_the_request_and_writes_nothing(
    city: City, settings: Any, name: str, content: bytes, problem: str
) -> None:
    refused = _file_intake(city, _file("ok.png", PNG), _file(name, content))
    assert refused.status_code == 422, refused.content
    assert refused.json()["error"]["details"]["field"] == "attachments[1]"
    assert not WorkOrder.objects.exists() and not Attachment.objects.exists()
    assert _stored_files(Path(settings.MEDIA_ROOT)) == []


def test_size_limit_and_bad_base64_are_refused(city: City, settings: Any) -> None:
    settings.ATTACHMENT_MAX_BYTES = 50
    too_big = _file_intake(city, _file("big.png", PNG))
    assert too_big.status_code == 422
    assert "72 B" in too_big.json()["error"]["message"]  # the size and the limit, readable
    assert "50 B" in too_big.json()["error"]["message"]
    assert too_big.json()["error"]["details"]["field"] == "attachments[0]"
    garbled = _file_intake(city, {"name": "a.png", "content_base64": "不是base64"})
    assert garbled.status_code == 422
    assert garbled.json()["error"]["details"]["field"] == "attachments[0]"
    assert not WorkOrder.objects.exists()


def test_a_unit_adds_a_photo_to_its_order_with_timeline_and_audit(city: City) -> None:
    order = order_in(city, State.IN_PROGRESS)
    handler = _client(city, "dept_handler")
    upload = SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 32)
    added = handler.post(
        f"/api/v1/workorders/{order.number}/attachments", {"file": upload, "note": "整改后"}
    )
    assert added.status_code == 201, added.content
    assert added.json()["content_type"] == "image/jpeg"
    detail = handler.get(f"/api/v1/workorders/{order.number}").json()
    event = detail["timeline"][-1]
    assert event["kind"] == EventKind.ATTACHED and event["note"] == "整改后"
    assert event["data"]["name"] == "现场.jpg"
    audit = AuditRecord.objects.filter(action="workorder.attached").get()
    assert audit.after is not None and audit.after["sha256"] == Attachment.objects.get().sha256
    # A citizen who neither filed nor is the contact cannot even find the order.
    other = _client(city, "citizen").post(
        f"/api/v1/workorders/{order.number}/attachments",
        {"file": SimpleUploadedFile("a.png", PNG)},
    )
    assert other.status_code == 404


def test_a_failed_transaction_leaves_no_file_behind(
    city: City, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    order = order_in(city, State.IN_PROGRESS)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit store down")

    monkeypatch.setattr(services, "record_audit", broken)
    with pytest.raises(RuntimeError):
        services.add_attachment(order, actor=city["dept_handler"], name="a.png", content=PNG)
    assert not Attachment.objects.exists()
    assert _stored_files(Path(settings.MEDIA_ROOT)) == []
