"""Importing labelled history (JSON Lines, XLSX) and training model versions from it: bad rows
are named by row and column, nothing is half-imported, too few examples are refused with the
counts, and the command prints the figures."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from tests.nlp.conftest import history_rows
from yiwang.core.errors import ValidationFailed
from yiwang.nlp.models import ModelStatus, RoutingModel, TrainingExample
from yiwang.nlp.services import import_history, train_model

pytestmark = pytest.mark.django_db


def test_a_bad_row_refuses_the_file_and_names_row_and_column(
    write_jsonl: Callable[..., Path],
) -> None:
    rows = history_rows(3)
    rows[2]["text"] = "   "  # line 3
    del rows[4]["category"]  # line 5
    path = write_jsonl(rows)
    with pytest.raises(ValidationFailed) as refused:
        import_history(actor=None, path=path, source="city")
    message = refused.value.message
    assert "第3行，text列：内容为空" in message
    assert "第5行，category列：分类为空" in message
    assert refused.value.details["errors"][:2] == [
        {"row": 3, "column": "text", "message": "内容为空"},
        {"row": 5, "column": "category", "message": "分类为空"},
    ]
    assert TrainingExample.objects.count() == 0  # nothing half-imported

    report = import_history(actor=None, path=path, source="city", skip_bad=True)
    assert report.imported == 7 and [e.row for e in report.errors] == [3, 5]
    assert TrainingExample.objects.filter(source="city").count() == 7


def test_a_file_with_wrong_columns_is_refused_naming_them(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["内容", "备注"])
    sheet.append(["小区停水了", "x"])
    path = tmp_path / "wrong.xlsx"
    book.save(path)
    with pytest.raises(ValidationFailed) as refused:
        import_history(actor=None, path=path, source="city")
    assert "缺少 category 列" in refused.value.message
    assert refused.value.details["missing_columns"] == ["category"]
    assert refused.value.details["columns"] == ["内容", "备注"]


def test_xlsx_rows_are_numbered_as_the_sheet_shows_them(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["留言主题", "留言详情", "一级标签"])
    sheet.append(["停水", "小区停水了，请处理。", "城乡建设"])
    sheet.append(["欠薪", "老板拖欠工资。", "x" * 65])
    path = tmp_path / "history.xlsx"
    book.save(path)
    with pytest.raises(ValidationFailed) as refused:
        import_history(actor=None, path=path, source="city")
    assert refused.value.details["errors"] == [
        {"row": 3, "column": "一级标签", "message": "分类超过64个字"}
    ]


def test_a_filter_keeps_only_matching_rows(write_jsonl: Callable[..., Path]) -> None:
    rows = [{**r, "split": "train" if i % 2 else "test"} for i, r in enumerate(history_rows(4))]
    report = import_history(
        actor=None, path=write_jsonl(rows), source="city", where={"split": "train"}
    )
    assert report.imported == 6 and report.filtered_out == 6


def test_training_refuses_too_few_examples_per_class_with_the_counts(
    write_jsonl: Callable[..., Path],
) -> None:
    rows = [r for r in history_rows(6) if not (r["category"] == "H0801" and r["id"] > "H0801-1")]
    import_history(actor=None, path=write_jsonl(rows), source="city")
    with pytest.raises(ValidationFailed) as refused:
        train_model(actor=None, sources=["city"], min_per_class=5)
    assert "H0801 2" in refused.value.message
    assert refused.value.details["counts"] == {"H0801": 2}
    assert not RoutingModel.objects.exists()

    model = train_model(actor=None, sources=["city"], min_per_class=5, drop_rare=True, folds=0)
    assert sorted(model.labels) == ["E0101", "H0501"]
    assert model.metrics["dropped"] == {"H0801": 2}
    assert model.status == ModelStatus.DRAFT


def test_training_an_unknown_source_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        train_model(actor=None, sources=["nowhere"])
    assert refused.value.field == "source"


def test_the_command_imports_trains_evaluates_and_publishes(
    write_jsonl: Callable[..., Path],
) -> None:
    rows = [{**r, "split": "train"} for r in history_rows(10)]
    rows += [{**r, "split": "test"} for r in history_rows(4, seed=2)]
    path = write_jsonl(rows)
    out = StringIO()
    call_command(
        "routing", "import", str(path), "--source", "city", "--where", "split=train", stdout=out
    )
    assert "Imported 30 rows as source city (12 rows left out by --where)." in out.getvalue()
    out = StringIO()
    call_command("routing", "train", "--source", "city", "--folds", "3", stdout=out)
    text = out.getvalue()
    assert "3-fold cross-validation" in text and "macro-F1" in text and "confusion matrix" in text
    version = RoutingModel.objects.get().version
    out = StringIO()
    call_command(
        "routing", "evaluate", version, "--test", str(path), "--where", "split=test", stdout=out
    )
    assert "n=12" in out.getvalue() and "accuracy" in out.getvalue()
    model = RoutingModel.objects.get()
    evaluation = model.metrics["evaluations"][-1]
    assert evaluation["n"] == 12 and len(evaluation["confusion"]) == 3
    assert {row["label"] for row in evaluation["per_class"]} == {"H0801", "H0501", "E0101"}
    call_command("routing", "publish", version, stdout=StringIO())
    assert RoutingModel.objects.get().status == ModelStatus.PUBLISHED

    bad = write_jsonl([{"text": "", "category": "H0801"}], "bad.jsonl")
    with pytest.raises(CommandError, match="第1行，text列"):
        call_command("routing", "import", str(bad), stdout=StringIO())


def test_an_unreadable_line_is_a_row_error(
    write_jsonl: Callable[..., Path], tmp_path: Path
) -> None:
    path = tmp_path / "broken.jsonl"
    good = json.dumps(history_rows(1)[0], ensure_ascii=False)
    path.write_text(f"{good}\n{{not json\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as refused:
        import_history(actor=None, path=path, source="city")
    assert refused.value.details["errors"][0]["row"] == 2
