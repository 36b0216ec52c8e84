"""``yiwang worker``: the job consumer (Huey through djhuey's ``run_huey``): runs queued jobs
and the periodic ones (the SLA sweep every five minutes)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def default_workers() -> int:
    consumer = settings.HUEY.get("consumer", {}) if isinstance(settings.HUEY, dict) else {}
    return int(consumer.get("workers") or 2)


class Command(BaseCommand):
    help = "Run Yiwang's job worker (Huey consumer): queued and periodic jobs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--workers", type=int, default=0, help="worker threads (default: HUEY_WORKERS)"
        )
        parser.add_argument(
            "--no-periodic",
            action="store_true",
            help="do not schedule periodic jobs (when another worker already does)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if isinstance(settings.HUEY, dict) and settings.HUEY.get("immediate"):
            raise CommandError("HUEY_IMMEDIATE is on: jobs run in the calling process, not here.")
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database is not up to date: run `yiwang migrate` first.")
        workers = options["workers"] or default_workers()
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        self.stdout.write(f"Yiwang worker with {workers} threads")
        call_command(
            "run_huey",
            workers=workers,
            worker_type="thread",
            periodic=not options["no_periodic"],
        )
