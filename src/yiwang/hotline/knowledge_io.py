"""Knowledge-base files: reading XLSX and JSON Lines imports into rows (with the problems of
the file and of each row), and writing exports in the same two formats.

An export can be imported again unchanged: its columns are the field names of
``services.COLUMNS``. An import's header (the first XLSX row, the JSON keys) may use those names
or their Chinese titles (``TITLES``); ``id`` is read as ``reference``.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _

from yiwang.hotline.models import KnowledgeEntry
from yiwang.hotline.services import COLUMNS, RowError, content_of

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
TITLES = {
    "reference": "编号",
    "question": "问题",
    "answer": "答案",
    "category": "分类",
    "department": "部门",
    "area": "适用区域",
    "policy_documents": "政策文件",
    "effective_from": "生效日期",
    "expires_on": "失效日期",
    "review_cycle_days": "复核周期（天）",
    "owner": "负责人",
    "status": "状态",
    "source": "来源",
}
ALIASES = {**{title: name for name, title in TITLES.items()}, "id": "reference"}
REQUIRED = ("question", "answer")

Rows = list[tuple[int, dict[str, Any]]]


def _column_name(header: Any) -> str:
    text = str(header or "").strip()
    return ALIASES.get(text, ALIASES.get(text.lower(), text.lower()))


def _check_header(names: list[str]) -> list[RowError]:
    errors = []
    for i, name in enumerate(names, start=1):
        if name and name not in COLUMNS:
            errors.append(RowError(1, name, _("Unknown column (column %(n)d).") % {"n": i}))
    for name in REQUIRED:
        if name not in names:
            errors.append(RowError(1, name, _("The required column is missing.")))
    seen: set[str] = set()
    for name in names:
        if name and name in seen:
            errors.append(RowError(1, name, _("The column appears twice.")))
        seen.add(name)
    return errors


def read_xlsx(data: bytes) -> tuple[Rows, list[RowError]]:
    """Rows of the first sheet (row numbers as Excel shows them) and the file's problems."""
    from openpyxl import load_workbook

    if len(data) > MAX_FILE_BYTES:
        return [], [RowError(0, "", _("The file is larger than 20 MB."))]
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        return [], [RowError(0, "", _("This is not an XLSX workbook."))]
    try:
        sheet = book.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        header = next(lines, None)
        if header is None:
            return [], [RowError(1, "", _("The sheet is empty."))]
        names = [_column_name(h) for h in header]
        errors = _check_header(names)
        if errors:
            return [], errors
        rows: Rows = []
        for number, values in enumerate(lines, start=2):
            if all(v in (None, "") for v in values):
                continue
            if len(rows) >= MAX_ROWS:
                return [], [RowError(number, "", _("More than %(n)d rows.") % {"n": MAX_ROWS})]
            rows.append((number, {n: v for n, v in zip(names, values, strict=False) if n}))
        return rows, []
    finally:
        book.close()


def read_jsonl(data: bytes) -> tuple[Rows, list[RowError]]:
    """One JSON object per line (row numbers are line numbers); a bad line is a row error."""
    if len(data) > MAX_FILE_BYTES:
        return [], [RowError(0, "", _("The file is larger than 20 MB."))]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [RowError(0, "", _("The file is not UTF-8 text."))]
    rows: Rows = []
    errors: list[RowError] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            errors.append(RowError(number, "", _("Not valid JSON: %(e)s") % {"e": exc}))
            continue
        if not isinstance(obj, dict):
            errors.append(RowError(number, "", _("A line must be one JSON object.")))
            continue
        rows.append((number, {_column_name(k): v for k, v in obj.items()}))
    return rows, errors


def read_upload(name: str, data: bytes) -> tuple[Rows, list[RowError], list[RowError]]:
    """Parse by file name: (rows, file-level problems, row problems)."""
    lower = name.lower()
    if lower.endswith(".xlsx"):
        rows, problems = read_xlsx(data)
        return rows, problems, []
    if lower.endswith((".jsonl", ".json", ".ndjson")):
        rows, problems = read_jsonl(data)
        return rows, [], problems
    return [], [RowError(0, "", _("Choose an .xlsx or .jsonl file."))], []


def _row(entry: KnowledgeEntry) -> dict[str, Any]:
    return {"reference": entry.external_id, **content_of(entry)}


def _entries(entries: Iterable[KnowledgeEntry] | None) -> Iterable[KnowledgeEntry]:
    if entries is not None:
        return entries
    return (
        KnowledgeEntry.objects.select_related("category", "department", "area", "owner")
        .defer("area__geometry")
        .order_by("external_id")
        .iterator(2000)
    )


def export_jsonl(entries: Iterable[KnowledgeEntry] | None = None) -> Iterator[bytes]:
    for entry in _entries(entries):
        yield (json.dumps(_row(entry), ensure_ascii=False) + "\n").encode("utf-8")


def export_xlsx(entries: Iterable[KnowledgeEntry] | None = None) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("knowledge")
    sheet.append(list(COLUMNS))
    for entry in _entries(entries):
        row = _row(entry)
        row["policy_documents"] = "\n".join(row["policy_documents"])
        sheet.append([row[c] for c in COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
