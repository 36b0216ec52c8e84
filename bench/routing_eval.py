"""AI routing on real citizen messages: our model against a plain TF-IDF + LinearSVC baseline
trained on the same rows in the same run, and the suggestion latency.

    .venv/bin/python bench/routing_eval.py [--data ../shared/data/eval/tipdm2020c_messages.jsonl]

The data: 494 messages citizens posted to a government platform, with the first-level category
the government assigned (TipDM Cup 2020 problem C; see ../shared/data/eval/SOURCE.md), split
into ``train`` (354) and ``test`` (140, 20 per label). The bench sets up a throw-away
installation (a temporary VAR_DIR with SQLite, migrated, the small demo city for the
catalogue), then goes the way a city would:

1. imports the ``train`` rows through ``nlp.services.import_history`` (``yiwang routing
   import FILE --where split=train``);
2. trains a version with ``train_model`` (5-fold cross-validation on the train rows only);
3. evaluates it on the ``test`` rows with ``evaluate_model`` (``yiwang routing evaluate``);
4. fits the baseline — TF-IDF of jieba words, LinearSVC, defaults — on the same imported rows
   and scores it on the same test rows;
5. publishes the version and times ``suggest_routing`` (k=3, units from the catalogue) on every
   test text, three rounds, after one warm-up call.

Test rows are only ever scored here, never looked at to tune anything.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "eval" / "tipdm2020c_messages.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rounds", type=int, default=3, help="latency rounds over the test texts")
    args = parser.parse_args()
    if not args.data.is_file():
        print(
            f"The evaluation file {args.data} is absent: nothing to measure. Pass --data with "
            "the path of tipdm2020c_messages.jsonl (see ../shared/data/eval/SOURCE.md).",
            file=sys.stderr,
        )
        raise SystemExit(2)

    os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="yiwang-routing-bench-")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.config.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from sklearn.metrics import accuracy_score, f1_score

    from yiwang.demo.services import load_demo
    from yiwang.nlp import classifier
    from yiwang.nlp.routing import suggest_routing
    from yiwang.nlp.services import (
        evaluate_model,
        import_history,
        parse_history,
        publish_model,
        train_model,
        training_examples,
    )

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_demo(scale="small")
    print(f"Throw-away installation ready in {time.perf_counter() - started:.1f} s")

    source = "tipdm-train"
    report = import_history(actor=None, path=args.data, source=source, where={"split": "train"})
    print(f"Imported {report.imported} train rows ({report.filtered_out} others left out)")

    started = time.perf_counter()
    model = train_model(actor=None, sources=[source], folds=5)
    train_seconds = time.perf_counter() - started
    cv = model.metrics["cv"]
    print(
        f"Trained {model.version} in {train_seconds:.1f} s (with 5-fold CV): "
        f"CV on train accuracy {cv['accuracy']:.3f}, macro-F1 {cv['macro_f1']:.3f}"
    )
    ours = evaluate_model(
        actor=None, version=model.version, path=args.data, where={"split": "test"}
    )

    examples = training_examples([source])
    baseline = classifier.build_baseline()
    started = time.perf_counter()
    baseline.fit(
        [classifier.document(e.title, e.text) for e in examples], [e.label for e in examples]
    )
    baseline_seconds = time.perf_counter() - started
    test_rows = parse_history(args.data, where={"split": "test"}).rows
    truth = [r.category for r in test_rows]
    predicted = baseline.predict([classifier.document(r.title, r.text) for r in test_rows])
    base_acc = accuracy_score(truth, predicted)
    base_f1 = f1_score(truth, predicted, average="macro")

    print()
    print(f"Test split: {ours['n']} messages, {len(set(truth))} labels")
    print(f"{'model':<58} {'accuracy':>9} {'macro-F1':>9}")
    print(
        f"{'ours: ' + classifier.ALGORITHM:<58} {ours['accuracy']:>9.3f} {ours['macro_f1']:>9.3f}"
    )
    print(f"{'baseline: ' + classifier.BASELINE:<58} {base_acc:>9.3f} {base_f1:>9.3f}")
    print(
        f"ratio ours/baseline: accuracy {ours['accuracy'] / base_acc:.2f}, "
        f"macro-F1 {ours['macro_f1'] / base_f1:.2f}; "
        f"calibration error (ECE) of ours on test {ours['ece']:.3f}; "
        f"training {train_seconds:.1f} s (ours, incl. CV) vs {baseline_seconds:.1f} s"
    )
    print("Per class (ours on test):")
    for row in ours["per_class"]:
        print(
            f"  {row['label']:<10} P {row['precision']:.2f}  R {row['recall']:.2f}  "
            f"F1 {row['f1']:.2f}  n {row['support']}"
        )

    publish_model(actor=None, version=model.version)
    texts = [classifier.document(r.title, r.text) for r in test_rows]
    suggest_routing(texts[0])  # loads the published model into this process
    samples = []
    for _round in range(args.rounds):
        for text in texts:
            begun = time.perf_counter()
            advice = suggest_routing(text, k=3)
            samples.append(time.perf_counter() - begun)
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    sources = advice.source
    print(
        f"Suggestion latency over {len(ms)} calls (k=3, unit from the catalogue): "
        f"p50 {statistics.median(ms):.2f} ms, p95 {p95:.2f} ms (last answer from: {sources})"
    )


if __name__ == "__main__":
    main()
