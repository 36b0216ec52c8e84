"""``yiwang audit verify|purge|tail``: check, prune and read the audit log."""

from __future__ import annotations

from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.table import Table

from yiwang.core.audit import purge_expired, verify_chain
from yiwang.core.models import AuditRecord
from yiwang.core.progress import progress_bar


class Command(BaseCommand):
    help = "Verify the audit log's hash chain, purge records past retention, or show the latest."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "verify", help="check every record's hash and link; name the first broken one"
        )
        sub.add_parser("purge", help="remove records older than AUDIT_RETENTION_DAYS (≥ 180)")
        tail = sub.add_parser("tail", help="show the latest records")
        tail.add_argument("-n", type=int, default=20)

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=cast(IO[str], self.stdout), highlight=False)
        action = options["action"]
        if action == "verify":
            total = AuditRecord.objects.count()
            with progress_bar(console) as report:
                done = 0

                def step(n: int) -> None:
                    nonlocal done
                    done += n
                    if done % 500 == 0 or done == total:
                        report("Verifying audit chain", done, total)

                result = verify_chain(progress=step)
            if not result.ok:
                raise CommandError(
                    f"Audit chain broken at record #{result.first_broken_id}: {result.reason} "
                    f"({result.checked} records before it are intact)."
                )
            console.print(f"Audit chain intact: {result.checked} records verified.")
        elif action == "purge":
            count = purge_expired(actor=None)
            console.print(f"Purged {count} audit records older than the retention period.")
        else:
            table = Table("#", "time", "actor", "action", "object", "result", "client")
            records = AuditRecord.objects.order_by("-id")[: options["n"]]
            for r in reversed(list(records)):
                table.add_row(
                    str(r.pk),
                    r.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    r.actor_username or "-",
                    r.action,
                    r.object_repr,
                    r.result,
                    r.client_address,
                )
            console.print(table)
