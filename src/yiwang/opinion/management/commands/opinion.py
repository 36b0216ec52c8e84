"""``yiwang opinion surges [--date YYYY-MM-DD]``: run the surge detection now (the worker
does it every fifteen minutes); ``yiwang opinion report DOMAIN START END --user NAME``:
generate an analysis report in this process."""

from __future__ import annotations

from datetime import date
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console

from yiwang.core.context import request_context
from yiwang.core.errors import DomainError


class Command(BaseCommand):
    help = "Public-opinion analytics: detect surges, generate a report."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        surges = sub.add_parser("surges", help="raise alerts for today's surges")
        surges.add_argument("--date", type=date.fromisoformat, default=None)
        report = sub.add_parser("report", help="generate an analysis report now")
        report.add_argument("domain", help="a domain code of opinion/data/domains.json, or all")
        report.add_argument("start", type=date.fromisoformat)
        report.add_argument("end", type=date.fromisoformat)
        report.add_argument("--user", required=True, help="whose scope and name it carries")

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=cast(IO[str], self.stdout), highlight=False)
        with request_context(client_address="cli"):
            try:
                if options["action"] == "surges":
                    self._surges(console, options["date"])
                else:
                    self._report(console, options)
            except DomainError as exc:
                raise CommandError(exc.message) from exc

    def _surges(self, console: Console, day: date | None) -> None:
        from yiwang.opinion.services import detect_surges

        alerts = detect_surges(today=day)
        for alert in alerts:
            console.print(
                f"{alert.get_window_display()} {alert.subject}: {alert.count} "
                f"(baseline {alert.baseline_mean:.1f}, threshold {alert.threshold:.1f})"
            )
        console.print(f"{len(alerts)} new surge alert(s).")

    def _report(self, console: Console, options: dict[str, Any]) -> None:
        from yiwang.accounts.models import User
        from yiwang.opinion.services import generate_report, request_report

        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"no user {options['user']}")
        report = request_report(
            actor=user,
            domain=options["domain"],
            start=options["start"],
            end=options["end"],
            background=False,
        )
        report = generate_report(report.pk)
        console.print(
            f"Report {report.pk}: {report.summary.get('orders', 0)} requests, "
            f"{len(report.html)} characters of HTML, {len(bytes(report.xlsx))} bytes of XLSX."
        )
