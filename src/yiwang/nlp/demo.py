"""Demo routing model: learn from the demo city's closed sample orders plus generated history
(made-up request texts for every active subclass, written by ``demo.request_texts``, labelled
with the subclass code and its default unit), then publish it, so suggestions work right after
the quick start."""

from __future__ import annotations

import random

from django.db import transaction

from yiwang.core.audit import record_audit
from yiwang.core.progress import ProgressCallback
from yiwang.demo.request_texts import request_text
from yiwang.nlp.services import (
    WORKORDERS_SOURCE,
    HistoryRow,
    evaluate_rows,
    publish_model,
    store_examples,
    train_model,
)

DEMO_SOURCE = "demo-history"
TEXTS_PER_SUBCLASS = {"full": 10, "small": 6}
HOLDOUT_PER_SUBCLASS = 2  # generated apart from the training texts, to show figures
REQUEST_TYPES = ["complaint", "help", "consultation", "report", "suggestion"]


def generated_history(rng: random.Random, per_subclass: int) -> list[HistoryRow]:
    from yiwang.workorders.models import Category

    rows: list[HistoryRow] = []
    subclasses = (
        Category.objects.filter(is_active=True, parent__isnull=False)
        .select_related("parent", "default_department", "parent__default_department")
        .order_by("code")
    )
    for sub in subclasses:
        keywords = [w for w in sub.keywords.split(",") if w.strip()]
        unit = sub.default_department or (sub.parent.default_department if sub.parent else None)
        for i in range(per_subclass):
            text, _address = request_text(
                rng,
                family=sub.parent.code if sub.parent else sub.code,
                name=sub.name,
                keywords=keywords,
                request_type=REQUEST_TYPES[i % len(REQUEST_TYPES)],
            )
            rows.append(
                HistoryRow(len(rows) + 1, "", "", text, sub.code, unit.code if unit else "")
            )
    return rows


def load_demo_data(*, scale: str, seed: int, progress: ProgressCallback) -> str:
    rng = random.Random(seed * 7 + 12345)
    per_subclass = TEXTS_PER_SUBCLASS.get(scale, TEXTS_PER_SUBCLASS["full"])
    with transaction.atomic():
        progress("Routing history", 0, 1)
        rows = generated_history(rng, per_subclass)
        store_examples(actor=None, source=DEMO_SOURCE, rows=rows)
        record_audit(
            "nlp.history_imported",
            actor=None,
            object_type="nlp.trainingexample",
            object_id=DEMO_SOURCE,
            object_repr="demo",
            after={"source": DEMO_SOURCE, "imported": len(rows), "generated": True},
        )
        progress("Routing history", 1, 1)
        model = train_model(
            actor=None,
            sources=[WORKORDERS_SOURCE, DEMO_SOURCE],
            min_per_class=3,
            drop_rare=True,
            folds=0,
            progress=progress,
        )
        holdout = generated_history(random.Random(seed * 7 + 54321), HOLDOUT_PER_SUBCLASS)
        figures = evaluate_rows(
            actor=None, model=model, rows=holdout, name="demo-holdout (generated texts)"
        )
        publish_model(actor=None, version=model.version)
    return (
        f"Routing model {model.version}: {model.examples} examples ({len(rows)} generated), "
        f"{len(model.labels)} categories, held-out accuracy {figures['accuracy']:.2f}, published"
    )
