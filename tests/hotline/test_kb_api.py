"""The knowledge-base API: search with ranked, highlighted entries; entry CRUD for data
stewards; the one error shape for bad input."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from yiwang.hotline.models import KnowledgeEntry

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_search_returns_ranked_entries_with_the_real_faq_first(kb: Any) -> None:
    response = _client(kb["hotline_agent"]).get("/api/v1/kb/search", {"q": "社保卡掉了去哪补办"})
    assert response.status_code == 200
    body = response.json()
    results = body["results"]
    assert results and results[0]["reference"] == "faq-068"
    assert {"id", "question", "answer", "score"} <= set(results[0])
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    assert "<mark>" in results[0]["question_html"]


@pytest.mark.parametrize("q", ["", "的了吗", "公积金" * 200])
def test_bad_queries_get_the_error_shape_naming_q(kb_city: Any, q: str) -> None:
    response = _client(kb_city["hotline_agent"]).get("/api/v1/kb/search", {"q": q})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["details"]["field"] == "q"


def test_roles_without_the_knowledge_base_are_refused(kb_city: Any) -> None:
    response = _client(kb_city["citizen"]).get("/api/v1/kb/search", {"q": "公积金"})
    assert response.status_code == 403
    assert Client().get("/api/v1/kb/search", {"q": "公积金"}).status_code == 401


def test_steward_creates_edits_and_deletes_an_entry(kb_city: Any) -> None:
    client = _client(kb_city["data_steward"])
    response = client.post(
        "/api/v1/kb/entries",
        {
            "question": "濠河夜游船票在哪里买？",
            "answer": "可在濠河风景区售票处购买。",
            "category": "H0601",
            "status": "published",
            "policy_documents": ["南通市濠河风景名胜区管理办法"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    entry = response.json()
    assert entry["version"] == 1 and entry["suggestible"] is True
    found = client.get("/api/v1/kb/search", {"q": "濠河夜游船票"}).json()["results"]
    assert found[0]["id"] == entry["id"]

    patched = client.patch(
        f"/api/v1/kb/entries/{entry['id']}",
        {"answer": "可在网上购买。", "version": 1, "note": "售票方式调整"},
        content_type="application/json",
    )
    assert patched.status_code == 200
    detail = patched.json()
    assert detail["version"] == 2
    assert [v["version"] for v in detail["versions"]] == [2, 1]
    assert detail["versions"][1]["content"]["answer"] == "可在濠河风景区售票处购买。"

    stale = client.patch(
        f"/api/v1/kb/entries/{entry['id']}",
        {"answer": "x", "version": 1},
        content_type="application/json",
    )
    assert stale.status_code == 409

    bad = client.patch(
        f"/api/v1/kb/entries/{entry['id']}", {"question": ""}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"]["field"] == "question"

    assert client.delete(f"/api/v1/kb/entries/{entry['id']}").status_code == 204
    assert client.get(f"/api/v1/kb/entries/{entry['id']}").status_code == 404
    assert client.get("/api/v1/kb/search", {"q": "濠河夜游船票"}).json()["results"] == []


def test_agents_read_but_do_not_write(kb_city: Any) -> None:
    client = _client(kb_city["hotline_agent"])
    response = client.post(
        "/api/v1/kb/entries", {"question": "q", "answer": "a"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not KnowledgeEntry.objects.exists()
    assert client.get("/api/v1/kb/entries").json()["count"] == 0
