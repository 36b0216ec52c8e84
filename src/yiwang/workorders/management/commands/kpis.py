"""``yiwang kpis refresh [--months 13]``: rebuild the monthly KPI aggregate the rankings read."""

from __future__ import annotations

from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandParser
from rich.console import Console

from yiwang.core.context import request_context
from yiwang.core.progress import progress_bar
from yiwang.workorders.kpi_rollup import add_months, month_start, refresh_months


class Command(BaseCommand):
    help = "Rebuild the monthly KPI aggregate (the Huey worker does this on its own)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        refresh = sub.add_parser("refresh", help="rebuild the last N months (default 13)")
        refresh.add_argument("--months", type=int, default=13)

    def handle(self, *args: Any, **options: Any) -> None:
        from django.utils import timezone

        console = Console(file=cast(IO[str], self.stdout), highlight=False)
        this = month_start(timezone.localdate())
        months = [add_months(this, -i) for i in range(max(1, options["months"]))]
        with request_context(client_address="cli"), progress_bar(console) as report:
            rows = refresh_months(months, progress=report)
        console.print(f"Rebuilt {len(months)} months of KPI counts ({rows} rows).")
