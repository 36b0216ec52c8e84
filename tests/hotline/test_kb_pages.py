"""The knowledge-base pages in Chinese: search with filters and highlights, an entry with its
history, the edit form with errors beside the fields, import with a row-error report."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook

from yiwang.hotline.models import KnowledgeEntry

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_agent_searches_in_chinese_and_sees_the_highlighted_answer(kb: Any) -> None:
    response = _client(kb["hotline_agent"]).get("/hotline/kb/", {"q": "失业金能领多久"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "知识库" in page
    assert "<mark>失业保险金</mark>能领<mark>多久</mark>" in page
    assert "新建条目" not in page  # agents do not edit


def test_a_stop_word_query_gets_a_message_beside_the_field(kb_city: Any) -> None:
    page = _client(kb_city["hotline_agent"]).get("/hotline/kb/", {"q": "请问的吗"}).content
    assert "只有常用词" in page.decode()


def test_roles_without_the_knowledge_base_see_a_refusal(kb_city: Any) -> None:
    assert _client(kb_city["citizen"]).get("/hotline/kb/").status_code == 403
    assert _client(kb_city["hotline_agent"]).get("/hotline/kb/new/").status_code == 403


def test_steward_edits_an_entry_as_a_new_version_and_sees_the_history(kb_city: Any) -> None:
    client = _client(kb_city["data_steward"])
    response = client.post(
        "/hotline/kb/new/",
        {"question": "", "answer": "答案", "status": "published"},
    )
    assert response.status_code == 422
    assert "请输入问题" in response.content.decode()
    response = client.post(
        "/hotline/kb/new/",
        {"question": "路灯不亮找谁？", "answer": "由城管部门维护。", "status": "published"},
    )
    entry = KnowledgeEntry.objects.get()
    assert response.status_code == 302
    response = client.post(
        f"/hotline/kb/{entry.pk}/edit/",
        {
            "question": "路灯不亮找谁？",
            "answer": "由市政设施管理处维护。",
            "status": "published",
            "version": "1",
            "note": "职责调整",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/hotline/kb/{entry.pk}/").content.decode()
    assert "版本历史" in page
    assert "由城管部门维护。" in page  # the previous text is kept
    assert "职责调整" in page


def test_import_page_reports_row_and_column(kb_city: Any) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["reference", "question", "answer", "category"])
    sheet.append(["i-1", "问题一", "答案一", "H0109"])
    sheet.append(["i-2", "问题二", "", "H0109"])
    data = io.BytesIO()
    book.save(data)
    upload = io.BytesIO(data.getvalue())
    upload.name = "kb.xlsx"
    page = (
        _client(kb_city["data_steward"])
        .post("/hotline/kb/import/", {"file": upload})
        .content.decode()
    )
    assert "没有导入任何条目" in page
    assert "<td>3</td><td>answer</td>" in page
    assert not KnowledgeEntry.objects.exists()


def test_export_downloads_both_formats(kb_city: Any) -> None:
    client = _client(kb_city["data_steward"])
    response = client.get("/hotline/kb/export.xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert client.get("/hotline/kb/export.jsonl").status_code == 200
    assert client.get("/hotline/kb/export.csv").status_code == 404


def test_steward_maintains_synonyms_and_words_on_their_page(kb_city: Any) -> None:
    from yiwang.hotline.models import DictionaryWord, SynonymGroup

    client = _client(kb_city["data_steward"])
    page = client.get("/hotline/kb/dictionary/").content.decode()
    assert "同义词组" in page and "公积金 住房公积金" in page
    bad = client.post("/hotline/kb/dictionary/", {"action": "add-synonyms", "syn-terms": "的士"})
    assert bad.status_code == 422
    assert "请至少填写两个词" in bad.content.decode()
    ok = client.post(
        "/hotline/kb/dictionary/", {"action": "add-synonyms", "syn-terms": "的士/出租车"}
    )
    assert ok.status_code == 302
    assert SynonymGroup.objects.filter(terms="的士 出租车").exists()
    client.post("/hotline/kb/dictionary/", {"action": "add-word", "word-word": "濠河夜游卡"})
    word = DictionaryWord.objects.get(word="濠河夜游卡")
    client.post("/hotline/kb/dictionary/", {"action": "toggle-word", "id": str(word.pk)})
    word.refresh_from_db()
    assert word.is_active is False
    assert _client(kb_city["hotline_agent"]).get("/hotline/kb/dictionary/").status_code == 403
