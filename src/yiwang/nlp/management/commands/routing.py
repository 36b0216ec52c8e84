"""``yiwang routing …``: import labelled history, train, evaluate and publish routing models.

yiwang routing import FILE [--source NAME] [--all-or-nothing | --skip-bad] [--where COL=VALUE]
yiwang routing train [--source NAME …] [--min-per-class N] [--drop-rare] [--level class]
yiwang routing evaluate VERSION [--test FILE [--where COL=VALUE]]
yiwang routing publish VERSION
yiwang routing list
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.table import Table

from yiwang.core.context import request_context
from yiwang.core.errors import DomainError
from yiwang.core.progress import progress_bar
from yiwang.nlp import services
from yiwang.nlp.models import RoutingModel


def _where(values: list[str] | None) -> dict[str, str]:
    where = {}
    for value in values or []:
        column, sep, wanted = value.partition("=")
        if not sep or not column.strip():
            raise CommandError(f"--where takes COLUMN=VALUE, not {value!r}.")
        where[column.strip()] = wanted.strip()
    return where


def print_metrics(console: Console, title: str, metrics: dict[str, Any]) -> None:
    """Accuracy, macro-F1, per-class P/R/F1 and the confusion matrix."""
    headline = (
        f"[bold]{title}[/bold]: n={metrics['n']}  accuracy [bold]{metrics['accuracy']:.3f}[/bold]"
        f"  macro-F1 [bold]{metrics['macro_f1']:.3f}[/bold]"
    )
    if "ece" in metrics:
        headline += f"  calibration error (ECE) {metrics['ece']:.3f}"
    console.print(headline)
    per_class = Table(title="per class", show_lines=False)
    for column in ("label", "precision", "recall", "F1", "support"):
        per_class.add_column(column, justify="left" if column == "label" else "right")
    for row in metrics["per_class"]:
        per_class.add_row(
            row["label"],
            f"{row['precision']:.3f}",
            f"{row['recall']:.3f}",
            f"{row['f1']:.3f}",
            str(row["support"]),
        )
    console.print(per_class)
    labels = metrics["labels"]
    matrix = Table(title="confusion matrix (rows: true label, columns: predicted)")
    matrix.add_column("")
    for index, _label in enumerate(labels):
        matrix.add_column(str(index + 1), justify="right")
    for index, (label, row) in enumerate(zip(labels, metrics["confusion"], strict=True)):
        cells = [
            f"[bold]{n}[/bold]" if i == index else (str(n) if n else "·") for i, n in enumerate(row)
        ]
        matrix.add_row(f"{index + 1} {label}", *cells)
    console.print(matrix)
    if metrics.get("unseen_labels"):
        console.print(
            "Labels in the test file the model never learned: "
            + ", ".join(metrics["unseen_labels"])
        )


class Command(BaseCommand):
    help = "AI routing: import labelled history, train, evaluate and publish model versions."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="import an XLSX or JSON Lines history file")
        imp.add_argument("file")
        imp.add_argument("--source", help="name of this history (default: the file's name)")
        mode = imp.add_mutually_exclusive_group()
        mode.add_argument(
            "--all-or-nothing",
            dest="skip_bad",
            action="store_false",
            help="refuse the whole file when a row is bad (the default)",
        )
        mode.add_argument(
            "--skip-bad", dest="skip_bad", action="store_true", help="import the good rows only"
        )
        imp.set_defaults(skip_bad=False)
        imp.add_argument(
            "--where", action="append", metavar="COLUMN=VALUE", help="keep only matching rows"
        )
        train = sub.add_parser("train", help="train a draft model version")
        train.add_argument(
            "--source",
            action="append",
            help=f"history to learn from (repeatable; default: {services.WORKORDERS_SOURCE}, "
            "the city's closed work orders)",
        )
        train.add_argument("--min-per-class", type=int, default=None)
        train.add_argument(
            "--drop-rare", action="store_true", help="leave out labels with too few examples"
        )
        train.add_argument(
            "--level",
            choices=["category", "class"],
            default="category",
            help="work orders: learn subclasses (category) or classes (大类)",
        )
        train.add_argument(
            "--folds", type=int, default=5, help="cross-validation folds (0: no cross-validation)"
        )
        evaluate = sub.add_parser("evaluate", help="measure a version (on a test file)")
        evaluate.add_argument("version")
        evaluate.add_argument("--test", help="a labelled XLSX or JSON Lines file")
        evaluate.add_argument("--where", action="append", metavar="COLUMN=VALUE")
        publish = sub.add_parser("publish", help="make a version the one that suggests")
        publish.add_argument("version")
        sub.add_parser("list", help="list the model versions")

    def handle(self, *args: Any, **options: Any) -> None:
        self.console = Console(file=cast(IO[str], self.stdout), highlight=False, width=120)
        try:
            with request_context(client_address="cli"):
                getattr(self, f"do_{options['action']}")(options)
        except DomainError as exc:
            details = exc.details if isinstance(exc.details, dict) else {}
            for error in details.get("errors", [])[5:]:
                self.console.print(
                    f"  row {error['row']}, column {error['column']}: {error['message']}"
                )
            raise CommandError(exc.message) from exc

    def do_import(self, options: dict[str, Any]) -> None:
        source = options["source"] or Path(options["file"]).stem
        with progress_bar(self.console) as report:
            result = services.import_history(
                actor=None,
                path=options["file"],
                source=source,
                skip_bad=options["skip_bad"],
                where=_where(options["where"]),
                progress=report,
            )
        self.console.print(
            f"Imported {result.imported} rows as source [bold]{result.source}[/bold]"
            + (f" ({result.filtered_out} rows left out by --where)" if result.filtered_out else "")
            + "."
        )
        if result.errors:
            bad_rows = len({e.row for e in result.errors})
            self.console.print(f"Skipped {bad_rows} bad rows:")
            for error in result.errors:
                self.console.print(f"  {error}")

    def do_train(self, options: dict[str, Any]) -> None:
        with progress_bar(self.console) as report:
            model = services.train_model(
                actor=None,
                sources=options["source"],
                min_per_class=options["min_per_class"],
                drop_rare=options["drop_rare"],
                level=options["level"],
                folds=options["folds"],
                progress=report,
            )
        self.console.print(
            f"Trained draft [bold]{model.version}[/bold] from {model.examples} examples, "
            f"{len(model.labels)} labels ({model.algorithm})."
        )
        if model.metrics.get("dropped"):
            dropped = ", ".join(f"{k} {v}" for k, v in model.metrics["dropped"].items())
            self.console.print(f"Left out labels with too few examples: {dropped}")
        if "cv" in model.metrics:
            print_metrics(
                self.console,
                f"{model.metrics['cv']['folds']}-fold cross-validation on the training rows",
                model.metrics["cv"],
            )
        self.console.print(f"Publish it with: yiwang routing publish {model.version}")

    def do_evaluate(self, options: dict[str, Any]) -> None:
        if options["test"]:
            with progress_bar(self.console) as report:
                result = services.evaluate_model(
                    actor=None,
                    version=options["version"],
                    path=options["test"],
                    where=_where(options["where"]),
                    progress=report,
                )
            print_metrics(self.console, f"{options['version']} on {result['file']}", result)
            return
        model = services.get_model(options["version"])
        if "cv" in model.metrics:
            print_metrics(
                self.console, "cross-validation on the training rows", model.metrics["cv"]
            )
        for evaluation in model.metrics.get("evaluations", []):
            print_metrics(self.console, f"on {evaluation['file']} ({evaluation['at']})", evaluation)
        if "cv" not in model.metrics and not model.metrics.get("evaluations"):
            self.console.print("No figures yet: evaluate it on a labelled file with --test FILE.")

    def do_publish(self, options: dict[str, Any]) -> None:
        model = services.publish_model(actor=None, version=options["version"])
        self.console.print(f"Published [bold]{model.version}[/bold]: suggestions now come from it.")

    def do_list(self, options: dict[str, Any]) -> None:
        table = Table(title="routing models")
        for column in ("version", "status", "examples", "labels", "sources", "cv acc", "test acc"):
            table.add_column(column)
        for model in RoutingModel.objects.defer("blob"):
            cv = model.metrics.get("cv") or {}
            tests = model.metrics.get("evaluations") or []
            table.add_row(
                model.version,
                model.status,
                str(model.examples),
                str(len(model.labels)),
                ", ".join(model.sources),
                f"{cv['accuracy']:.3f}" if cv else "-",
                f"{tests[-1]['accuracy']:.3f}" if tests else "-",
            )
        self.console.print(table)
