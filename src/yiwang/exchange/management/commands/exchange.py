"""``yiwang exchange backflow [--connector ID]``, ``… webhooks``, ``… catch-up``: run the
exchange's scheduled jobs now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiwang.exchange.backflow import run_connector, run_due_connectors
from yiwang.exchange.models import BackflowConnector
from yiwang.exchange.stream import catch_up
from yiwang.exchange.webhooks import deliver_due_webhooks


class Command(BaseCommand):
    help = "Run the exchange's jobs now: backflow connectors, webhook delivery, stream catch-up."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("job", choices=["backflow", "webhooks", "catch-up"])
        parser.add_argument("--connector", type=int, help="run this connector even if not due")

    def handle(self, *args: Any, **options: Any) -> None:
        job = options["job"]
        if job == "backflow":
            if options["connector"]:
                connector = BackflowConnector.objects.filter(pk=options["connector"]).first()
                if connector is None:
                    raise CommandError(f"no connector {options['connector']}")
                runs = [run_connector(connector)]
            else:
                runs = run_due_connectors()
            for run in runs:
                self.stdout.write(
                    f"connector {run.connector_id}: {run.status}, {run.pages} page(s), "
                    f"{run.records} record(s) {run.error}"
                )
        elif job == "webhooks":
            self.stdout.write(f"{deliver_due_webhooks()} record(s) delivered")
        else:
            self.stdout.write(f"{catch_up()} record(s) published")
