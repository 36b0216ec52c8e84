"""AI routing's write paths: import a city's labelled history, train a model version from it,
evaluate a version on a test file, publish a version.

Each write is one transaction with its audit record. Bad input raises ``ValidationFailed``
naming the file's row and column (or the option) and writes nothing — unless the caller chose
``skip_bad``, which imports the good rows and reports the bad ones.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.audit import record_audit
from yiwang.core.errors import NotFound, ValidationFailed
from yiwang.core.progress import ProgressCallback
from yiwang.nlp import classifier
from yiwang.nlp.models import (
    LABEL_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    ModelStatus,
    RoutingModel,
    TrainingExample,
)

WORKORDERS_SOURCE = "workorders"  # the city's own closed work orders, read live at training
TITLE_MAX_LENGTH = 200
ERRORS_SHOWN = 50  # a refused import lists this many bad rows (and counts them all)

# Accepted column names (lower case), by role; the first present wins.
COLUMNS: dict[str, tuple[str, ...]] = {
    "text": ("text", "description", "content", "留言详情", "诉求内容", "内容", "描述"),
    "title": ("title", "留言主题", "标题", "主题"),
    "category": ("category", "label", "一级分类", "一级标签", "分类", "类别"),
    "unit": ("unit", "department", "承办单位", "责任单位", "处理单位"),
    "id": ("id", "留言编号", "编号", "number"),
}
REQUIRED = ("text", "category")


def _noop(stage: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class RowError:
    row: int  # the file's row (XLSX, header = 1) or line (JSON Lines, from 1)
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        return _("row %(row)d, column %(column)s: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass(frozen=True)
class HistoryRow:
    row: int
    external_id: str
    title: str
    text: str
    category: str
    unit: str


@dataclass
class ParsedFile:
    name: str
    sha256: str
    rows: list[HistoryRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    filtered_out: int = 0


@dataclass(frozen=True)
class ImportReport:
    source: str
    imported: int
    errors: list[RowError]
    filtered_out: int


# --- reading files ------------------------------------------------------------------------


def _records(path: Path) -> Iterable[tuple[int, dict[str, Any] | None, str]]:
    """(row number, record or None, problem) for every data row of the file."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a file that is not XLSX
            raise ValidationFailed(
                _("%(name)s is not a readable XLSX file (%(error)s).")
                % {"name": path.name, "error": exc},
                field="file",
            ) from exc
        try:
            rows = book.worksheets[0].iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                return
            names = [str(h).strip() if h is not None else "" for h in header]
            for number, values in enumerate(rows, start=2):
                if values is None or all(v is None or str(v).strip() == "" for v in values):
                    continue
                yield number, dict(zip(names, values, strict=False)), ""
        finally:
            book.close()
    elif suffix in (".jsonl", ".json", ".ndjson"):
        with path.open(encoding="utf-8-sig") as lines:
            for number, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, None, _("not a JSON object (%(error)s)") % {"error": exc.msg}
                    continue
                if not isinstance(record, dict):
                    yield number, None, _("not a JSON object")
                    continue
                yield number, record, ""
    else:
        raise ValidationFailed(
            _("%(name)s: import an .xlsx or a .jsonl (JSON Lines) file.") % {"name": path.name},
            field="file",
        )


def _column_of(columns: Iterable[str]) -> dict[str, str]:
    present = {c.strip().lower(): c for c in columns if c}
    found = {}
    for role, names in COLUMNS.items():
        for name in names:
            if name in present:
                found[role] = present[name]
                break
    return found


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_history(path: str | Path, *, where: dict[str, str] | None = None) -> ParsedFile:
    """Read a history file (XLSX: the first sheet, a header row; JSON Lines: one object a
    line) into rows and row errors. Raises ValidationFailed when the file cannot be read or
    lacks a required column — a wrong file, not a few bad rows."""
    path = Path(path)
    if not path.is_file():
        raise ValidationFailed(_("No file %(name)s.") % {"name": str(path)}, field="file")
    parsed = ParsedFile(name=path.name, sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    columns: dict[str, str] | None = None
    seen_columns: list[str] = []
    for number, record, problem in _records(path):
        if record is None:
            parsed.errors.append(RowError(number, "-", problem))
            continue
        if columns is None or set(record) - set(seen_columns):
            seen_columns = list(dict.fromkeys([*seen_columns, *map(str, record)]))
            columns = _column_of(seen_columns)
            missing = [role for role in REQUIRED if role not in columns]
            if missing:
                raise ValidationFailed(
                    _(
                        "%(name)s has no %(missing)s column (accepted names: %(accepted)s); "
                        "its columns are: %(found)s."
                    )
                    % {
                        "name": path.name,
                        "missing": ", ".join(missing),
                        "accepted": "; ".join(
                            f"{role}: {', '.join(COLUMNS[role])}" for role in missing
                        ),
                        "found": ", ".join(seen_columns) or "-",
                    },
                    details={"field": "file", "missing_columns": missing, "columns": seen_columns},
                )
            for key in where or {}:
                if key not in seen_columns:
                    raise ValidationFailed(
                        _("%(name)s has no column %(column)s to filter on.")
                        % {"name": path.name, "column": key},
                        field="where",
                    )
        if where and any(_cell(record.get(k)) != v for k, v in where.items()):
            parsed.filtered_out += 1
            continue
        row_errors = []
        values = {role: _cell(record.get(column)) for role, column in columns.items()}
        text, category = values.get("text", ""), values.get("category", "")
        title, unit = values.get("title", ""), values.get("unit", "")
        if not text:
            row_errors.append(RowError(number, columns["text"], _("the text is empty")))
        elif len(text) > TEXT_MAX_LENGTH:
            row_errors.append(
                RowError(
                    number,
                    columns["text"],
                    _("the text is longer than %(n)d characters") % {"n": TEXT_MAX_LENGTH},
                )
            )
        if not category:
            row_errors.append(RowError(number, columns["category"], _("the category is empty")))
        elif len(category) > LABEL_MAX_LENGTH:
            row_errors.append(
                RowError(
                    number,
                    columns["category"],
                    _("the category is longer than %(n)d characters") % {"n": LABEL_MAX_LENGTH},
                )
            )
        if len(unit) > LABEL_MAX_LENGTH:
            row_errors.append(
                RowError(
                    number,
                    columns["unit"],
                    _("the unit is longer than %(n)d characters") % {"n": LABEL_MAX_LENGTH},
                )
            )
        if len(title) > TITLE_MAX_LENGTH:
            row_errors.append(
                RowError(
                    number,
                    columns["title"],
                    _("the title is longer than %(n)d characters") % {"n": TITLE_MAX_LENGTH},
                )
            )
        if row_errors:
            parsed.errors.extend(row_errors)
            continue
        parsed.rows.append(
            HistoryRow(number, values.get("id", "")[:64], title, text, category, unit)
        )
    if columns is None:
        raise ValidationFailed(_("%(name)s holds no rows.") % {"name": path.name}, field="file")
    return parsed


def _refusal(name: str, errors: list[RowError]) -> ValidationFailed:
    shown = "; ".join(str(e) for e in errors[:5])
    more = len(errors) - 5
    message = _("%(name)s has %(n)d bad row(s), nothing was imported: %(shown)s") % {
        "name": name,
        "n": len({e.row for e in errors}),
        "shown": shown,
    }
    if more > 0:
        message += " " + _("(and %(more)d more)") % {"more": more}
    return ValidationFailed(
        message,
        details={"field": "file", "errors": [e.as_dict() for e in errors[:ERRORS_SHOWN]]},
    )


def _check_source(source: str) -> str:
    source = (source or "").strip()
    if not source or len(source) > 64:
        raise ValidationFailed(_("Name the source in 1 to 64 characters."), field="source")
    if source == WORKORDERS_SOURCE:
        raise ValidationFailed(
            _("The source name %(name)s is reserved for the city's closed work orders.")
            % {"name": WORKORDERS_SOURCE},
            field="source",
        )
    return source


def import_history(
    *,
    actor: Any | None,
    path: str | Path,
    source: str,
    skip_bad: bool = False,
    where: dict[str, str] | None = None,
    progress: ProgressCallback | None = None,
) -> ImportReport:
    """Import a history file's rows as training examples of ``source``.

    All or nothing by default: one bad row refuses the file, naming every bad row and column.
    With ``skip_bad`` the good rows are imported and the bad ones reported. ``where`` keeps
    only rows whose column equals a value (e.g. ``{"split": "train"}``).
    """
    report = progress or _noop
    source = _check_source(source)
    report("Reading", 0, 1)
    parsed = parse_history(path, where=where)
    report("Reading", 1, 1)
    if parsed.errors and not skip_bad:
        raise _refusal(parsed.name, parsed.errors)
    if not parsed.rows:
        raise ValidationFailed(
            _("%(name)s has no good row to import.") % {"name": parsed.name},
            details={"field": "file", "errors": [e.as_dict() for e in parsed.errors[:50]]},
        )
    with transaction.atomic():
        store_examples(actor=actor, source=source, rows=parsed.rows, progress=report)
        record_audit(
            "nlp.history_imported",
            actor=actor,
            object_type="nlp.trainingexample",
            object_id=source,
            object_repr=parsed.name,
            after={
                "source": source,
                "file": parsed.name,
                "sha256": parsed.sha256,
                "imported": len(parsed.rows),
                "bad_rows": len({e.row for e in parsed.errors}),
                "filtered_out": parsed.filtered_out,
                "where": where or {},
            },
        )
    return ImportReport(source, len(parsed.rows), parsed.errors, parsed.filtered_out)


def store_examples(
    *,
    actor: Any | None,
    source: str,
    rows: list[HistoryRow],
    progress: ProgressCallback | None = None,
) -> int:
    """Store checked rows as training examples of ``source`` (in the caller's transaction,
    which records the audit entry)."""
    report = progress or _noop
    now = timezone.now()
    imported_by = actor if actor is not None and getattr(actor, "pk", None) else None
    batch = 500
    for start in range(0, len(rows), batch):
        TrainingExample.objects.bulk_create(
            TrainingExample(
                source=source,
                external_id=row.external_id,
                title=row.title,
                text=row.text,
                category_label=row.category,
                unit_label=row.unit,
                imported_at=now,
                imported_by=imported_by,
            )
            for row in rows[start : start + batch]
        )
        report("Importing", min(start + batch, len(rows)), len(rows))
    return len(rows)


# --- training -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Example:
    title: str
    text: str
    label: str
    unit: str


def _workorder_examples(level: str) -> list[Example]:
    from yiwang.workorders.choices import State
    from yiwang.workorders.models import Category, WorkOrder

    parents = dict(Category.objects.values_list("pk", "parent_id"))
    codes = dict(Category.objects.values_list("pk", "code"))
    units = dict(
        WorkOrder.lead_department.field.related_model.objects.values_list("pk", "code")  # type: ignore[attr-defined]
    )
    examples = []
    rows = (
        WorkOrder.objects.filter(state=State.CLOSED, category__isnull=False)
        .order_by("pk")
        .values_list("title", "description", "category_id", "lead_department_id")
    )
    for title, description, category_id, department_id in rows.iterator(chunk_size=2000):
        if level == "class" and parents.get(category_id):
            category_id = parents[category_id]
        examples.append(
            Example(title, description, codes[category_id], units.get(department_id, ""))
        )
    return examples


def training_examples(sources: list[str], *, level: str = "category") -> list[Example]:
    examples: list[Example] = []
    for source in sources:
        if source == WORKORDERS_SOURCE:
            examples.extend(_workorder_examples(level))
            continue
        rows = TrainingExample.objects.filter(source=source).order_by("pk")
        examples.extend(
            Example(title, text, label, unit)
            for title, text, label, unit in rows.values_list(
                "title", "text", "category_label", "unit_label"
            )
        )
    return examples


def _next_version() -> str:
    latest = RoutingModel.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    stamp = timezone.localdate().strftime("%Y%m%d")
    version = f"r{stamp}-{latest + 1}"
    while RoutingModel.objects.filter(version=version).exists():
        latest += 1
        version = f"r{stamp}-{latest + 1}"
    return version


def train_model(
    *,
    actor: Any | None,
    sources: list[str] | None = None,
    min_per_class: int | None = None,
    drop_rare: bool = False,
    level: str = "category",
    folds: int = 5,
    progress: ProgressCallback | None = None,
) -> RoutingModel:
    """Train a draft model version from the examples of ``sources`` (default: the city's
    closed work orders). Refuses, with the counts, when a label has fewer than
    ``min_per_class`` examples (or drops those labels with ``drop_rare``). ``folds`` > 1 also
    measures the model by cross-validation on the training rows."""
    report = progress or _noop
    sources = list(dict.fromkeys(sources or [WORKORDERS_SOURCE]))
    if level not in ("category", "class"):
        raise ValidationFailed(_("level must be category or class."), field="level")
    minimum = settings.NLP_ROUTING_MIN_PER_CLASS if min_per_class is None else min_per_class
    if minimum < 2:
        raise ValidationFailed(
            _("Every label needs at least 2 examples; min-per-class must be 2 or more."),
            field="min_per_class",
        )
    known = set(TrainingExample.objects.values_list("source", flat=True).distinct())
    unknown = [s for s in sources if s != WORKORDERS_SOURCE and s not in known]
    if unknown:
        raise ValidationFailed(
            _("No imported history of source %(sources)s (imported: %(known)s).")
            % {"sources": ", ".join(unknown), "known": ", ".join(sorted(known)) or "-"},
            field="source",
        )
    report("Reading examples", 0, 1)
    examples = training_examples(sources, level=level)
    report("Reading examples", 1, 1)
    counts = Counter(e.label for e in examples)
    rare = {label: n for label, n in sorted(counts.items()) if n < minimum}
    dropped: dict[str, int] = {}
    if rare and drop_rare:
        dropped = rare
        examples = [e for e in examples if e.label not in rare]
        counts = Counter(e.label for e in examples)
    elif rare:
        listed = ", ".join(f"{label} {n}" for label, n in list(rare.items())[:30])
        raise ValidationFailed(
            _(
                "Too few examples to train: every label needs at least %(min)d, and %(n)d "
                "label(s) have fewer (%(listed)s). Import more history, merge labels, or drop "
                "them with --drop-rare."
            )
            % {"min": minimum, "n": len(rare), "listed": listed},
            details={"field": "min_per_class", "min_per_class": minimum, "counts": rare},
        )
    if len(counts) < 2:
        raise ValidationFailed(
            _("A model needs at least two labels with %(min)d examples each; found %(n)d.")
            % {"min": minimum, "n": len(counts)},
            details={"field": "source", "counts": dict(counts)},
        )
    docs = [classifier.document(e.title, e.text) for e in examples]
    labels = [e.label for e in examples]
    metrics: dict[str, Any] = {}
    if folds > 1:
        report("Cross-validating", 0, 1)
        metrics["cv"] = classifier.cross_validated(docs, labels, folds=folds)
        report("Cross-validating", 1, 1)
    report("Training", 0, 1)
    pipeline = classifier.fit(docs, labels)
    report("Training", 1, 1)
    units: dict[str, Counter[str]] = defaultdict(Counter)
    for e in examples:
        if e.unit:
            units[e.label][e.unit] += 1
    metrics["counts"] = dict(sorted(counts.items()))
    metrics["dropped"] = dropped
    metrics["evaluations"] = []
    with transaction.atomic():
        model = RoutingModel.objects.create(
            version=_next_version(),
            algorithm=classifier.algorithm(len(counts)),
            sources=sources,
            labels=[str(c) for c in pipeline.classes_],
            label_units={label: c.most_common(1)[0][0] for label, c in units.items()},
            examples=len(examples),
            metrics=metrics,
            blob=classifier.dumps(pipeline),
            trained_by=actor if actor is not None and getattr(actor, "pk", None) else None,
            created_at=timezone.now(),
        )
        record_audit(
            "nlp.model_trained",
            actor=actor,
            obj=model,
            after={
                "version": model.version,
                "sources": sources,
                "examples": model.examples,
                "labels": len(model.labels),
                "level": level,
                "cv_accuracy": metrics.get("cv", {}).get("accuracy"),
                "cv_macro_f1": metrics.get("cv", {}).get("macro_f1"),
            },
        )
    return model


def get_model(version: str) -> RoutingModel:
    model = RoutingModel.objects.filter(version=version).first()
    if model is None:
        raise NotFound(_("No routing model %(v)s.") % {"v": version}, field="version")
    return model


def evaluate_model(
    *,
    actor: Any | None,
    version: str,
    path: str | Path,
    where: dict[str, str] | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Measure a version on a labelled test file (read like an import, stored nowhere but
    the version's metrics): accuracy, macro-F1, confusion matrix, per class, calibration."""
    report = progress or _noop
    model = get_model(version)
    parsed = parse_history(path, where=where)
    if parsed.errors:
        raise _refusal(parsed.name, parsed.errors)
    if not parsed.rows:
        raise ValidationFailed(
            _("%(name)s has no row to evaluate on.") % {"name": parsed.name}, field="file"
        )
    return evaluate_rows(
        actor=actor,
        model=model,
        rows=parsed.rows,
        name=parsed.name,
        extra={"sha256": parsed.sha256, "where": where or {}},
        progress=report,
    )


def evaluate_rows(
    *,
    actor: Any | None,
    model: RoutingModel,
    rows: list[HistoryRow],
    name: str,
    extra: dict[str, Any] | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, Any]:
    """Score ``model`` on checked rows and append the figures to its metrics (with the audit
    record, in one transaction)."""
    report = progress or _noop
    report("Evaluating", 0, len(rows))
    pipeline = classifier.loads(model.blob)
    docs = [classifier.document(r.title, r.text) for r in rows]
    predicted, confidence = classifier.predict_top1(pipeline, docs)
    report("Evaluating", len(rows), len(rows))
    result = classifier.metrics([r.category for r in rows], predicted, model.labels, confidence)
    result.update({"file": name, **(extra or {}), "at": timezone.now().isoformat()})
    with transaction.atomic():
        locked = RoutingModel.objects.select_for_update().get(pk=model.pk)
        metrics = dict(locked.metrics)
        metrics["evaluations"] = [*metrics.get("evaluations", []), result]
        locked.metrics = metrics
        locked.save(update_fields=["metrics"])
        record_audit(
            "nlp.model_evaluated",
            actor=actor,
            obj=locked,
            after={
                "version": locked.version,
                "file": name,
                "sha256": result.get("sha256", ""),
                "accuracy": result["accuracy"],
                "macro_f1": result["macro_f1"],
            },
        )
    return result


def publish_model(*, actor: Any | None, version: str) -> RoutingModel:
    """Make ``version`` the one published model (the previous one is retired); suggestions use
    it at once in this process and within seconds in the others."""
    from yiwang.nlp.routing import invalidate_model

    with transaction.atomic():
        model = RoutingModel.objects.select_for_update().filter(version=version).first()
        if model is None:
            raise NotFound(_("No routing model %(v)s.") % {"v": version}, field="version")
        if model.status == ModelStatus.PUBLISHED:
            return model
        previous = list(
            RoutingModel.objects.select_for_update().filter(status=ModelStatus.PUBLISHED)
        )
        for old in previous:
            old.status = ModelStatus.RETIRED
            old.save(update_fields=["status"])
        before = {"status": model.status, "replaces": [m.version for m in previous]}
        model.status = ModelStatus.PUBLISHED
        model.published_at = timezone.now()
        model.save(update_fields=["status", "published_at"])
        record_audit(
            "nlp.model_published",
            actor=actor,
            obj=model,
            before=before,
            after={"status": model.status, "version": model.version},
        )
        invalidate_model()
    return model
