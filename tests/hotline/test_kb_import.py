"""Import and export: XLSX and JSON Lines, row-level errors naming row and column, nothing
half-imported unless the steward chose to skip bad rows, and a round trip that changes nothing."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from yiwang.hotline.knowledge_io import export_jsonl, export_xlsx, read_jsonl, read_xlsx
from yiwang.hotline.models import KnowledgeEntry, KnowledgeVersion
from yiwang.hotline.services import create_entry, import_rows

pytestmark = pytest.mark.django_db


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _import(steward: Any, reader: Any, data: bytes, **kw: Any) -> Any:
    rows, problems = reader(data)
    if reader is read_xlsx:
        return import_rows(rows, actor=steward, file_errors=problems, **kw)
    return import_rows(rows, actor=steward, row_errors=problems, **kw)


def test_xlsx_with_chinese_headers_imports_and_a_bad_row_stops_everything(steward: Any) -> None:
    data = _xlsx(
        [
            ["编号", "问题", "答案", "分类", "状态", "失效日期"],
            ["a-1", "公积金怎么提取", "到中心办理", "H0109", "published", None],
            ["a-2", "", "没有问题的答案", "H0109", "published", None],
            ["a-3", "社保卡补办", "到银行网点", "H9999", "published", "明天"],
        ]
    )
    result = _import(steward, read_xlsx, data)
    assert not result.imported
    assert {(e.row, e.column) for e in result.errors} == {
        (3, "question"),
        (4, "category"),
        (4, "expires_on"),
    }
    assert not KnowledgeEntry.objects.exists()

    result = _import(steward, read_xlsx, data, skip_invalid=True)
    assert result.imported and result.created == 1
    assert list(KnowledgeEntry.objects.values_list("external_id", flat=True)) == ["a-1"]


def test_wrong_columns_are_a_file_error(steward: Any) -> None:
    data = _xlsx([["问题", "colour"], ["公积金", "red"]])
    result = _import(steward, read_xlsx, data, skip_invalid=True)
    assert not result.imported
    assert {(e.row, e.column) for e in result.errors} == {(1, "colour"), (1, "answer")}
    assert not KnowledgeEntry.objects.exists()


def test_not_a_workbook_is_refused(steward: Any) -> None:
    rows, problems = read_xlsx(b"not a zip file")
    assert rows == [] and "XLSX" in problems[0].message


def test_jsonl_bad_lines_are_row_errors(steward: Any) -> None:
    lines = [
        json.dumps(
            {"id": "j-1", "question": "路灯不亮", "answer": "城管维护", "status": "published"}
        ),
        "{not json",
        json.dumps(["a", "list"]),
        json.dumps({"id": "j-2", "question": "井盖缺失", "answer": "市政维护"}),
    ]
    data = "\n".join(lines).encode()
    result = _import(steward, read_jsonl, data)
    assert not result.imported
    assert sorted(e.row for e in result.errors) == [2, 3]
    result = _import(steward, read_jsonl, data, skip_invalid=True)
    assert result.created == 2
    assert KnowledgeEntry.objects.get(external_id="j-2").status == "draft"


def test_reimport_updates_by_reference_as_a_new_version(steward: Any) -> None:
    create_entry({"reference": "r-1", "question": "旧问题", "answer": "旧答案"}, actor=steward)
    data = json.dumps({"reference": "r-1", "question": "新问题", "answer": "旧答案"}).encode()
    result = _import(steward, read_jsonl, data)
    assert (result.created, result.updated) == (0, 1)
    entry = KnowledgeEntry.objects.get(external_id="r-1")
    assert entry.version == 2
    old = KnowledgeVersion.objects.get(entry=entry, version=1)
    assert old.snapshot["question"] == "旧问题"


def test_the_same_reference_twice_in_a_file_is_a_row_error(steward: Any) -> None:
    data = "\n".join(
        json.dumps({"reference": "d-1", "question": q, "answer": "答"}) for q in ("一", "二")
    ).encode()
    result = _import(steward, read_jsonl, data)
    assert [(e.row, e.column) for e in result.errors] == [(2, "reference")]


def test_export_then_import_changes_nothing(steward: Any) -> None:
    create_entry(
        {
            "reference": "e-1",
            "question": "电子居住证怎么申领",
            "answer": "第一行\n第二行",
            "category": "H1002",
            "policy_documents": ["居住证暂行条例", "实施细则"],
            "effective_from": "2025-01-01",
            "review_cycle_days": "180",
            "owner": "data_steward",
            "status": "published",
        },
        actor=steward,
    )
    xlsx = export_xlsx()
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert [c.value for c in sheet[1]][:3] == ["reference", "question", "answer"]
    result = _import(steward, read_xlsx, xlsx)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    jsonl = b"".join(export_jsonl())
    assert json.loads(jsonl)["policy_documents"] == ["居住证暂行条例", "实施细则"]
    result = _import(steward, read_jsonl, jsonl)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
