"""The department's reply with a file: stored with the reply, or refused with the reply undone."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.workorders.factories import City, order_in
from yiwang.workorders.choices import State
from yiwang.workorders.models import Attachment

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


def _reply(client: Any, order: Any, upload: SimpleUploadedFile) -> Any:
    return client.post(
        reverse("console:order-action", args=[order.number, "reply"]),
        {
            "reply-version": order.version,
            "reply-reply": "已修复，附现场照片。",
            "reply-attachment": upload,
        },
    )


def test_a_reply_carries_its_photo(city: City, as_user: Any) -> None:
    order = order_in(city, State.IN_PROGRESS)
    client = as_user("dept_handler")
    page = client.get(reverse("console:order", args=[order.number])).content.decode()
    assert 'name="reply-attachment"' in page and 'enctype="multipart/form-data"' in page
    response = _reply(client, order, SimpleUploadedFile("现场.png", PNG, "image/png"))
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == State.REPLIED
    assert list(Attachment.objects.filter(order=order).values_list("name", flat=True)) == [
        "现场.png"
    ]
    page = client.get(reverse("console:order", args=[order.number])).content.decode()
    assert "现场.png" in page
    assert f"/api/v1/workorders/{order.number}/attachments/" in page


def test_a_refused_file_undoes_the_reply_and_keeps_the_text(city: City, as_user: Any) -> None:
    order = order_in(city, State.IN_PROGRESS)
    response = _reply(
        as_user("dept_handler"), order, SimpleUploadedFile("tool.exe", b"MZ\x90\x00", "x")
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="id_reply-attachment-error"' in body
    assert "已修复，附现场照片。" in body
    order.refresh_from_db()
    assert order.state == State.IN_PROGRESS
    assert not Attachment.objects.filter(order=order).exists()


def test_an_oversized_file_is_refused_before_it_is_read(
    city: City, as_user: Any, settings: Any
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 32
    order = order_in(city, State.IN_PROGRESS)
    response = _reply(
        as_user("dept_handler"), order, SimpleUploadedFile("大.png", PNG, "image/png")
    )
    assert response.status_code == 422
    assert 'id="id_reply-attachment-error"' in response.content.decode()
    order.refresh_from_db()
    assert order.state == State.IN_PROGRESS
