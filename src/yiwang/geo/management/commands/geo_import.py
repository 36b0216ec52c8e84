"""``yiwang geo_import PATH --level region|grid [--replace]``: import a city's own geography.

Every feature is checked first; on any problem the command prints one line per bad feature
(index, code, reason), writes nothing and exits non-zero.
"""

from __future__ import annotations

from typing import IO, Any, cast

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console

from yiwang.core.errors import Conflict, ValidationFailed
from yiwang.core.progress import progress_bar
from yiwang.geo.services import import_geojson

MAX_PRINTED = 200


class Command(BaseCommand):
    help = "Import regions or grids from a GeoJSON FeatureCollection (all checked before writing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="a GeoJSON FeatureCollection file")
        parser.add_argument("--level", choices=("region", "grid"), required=True)
        parser.add_argument(
            "--replace",
            action="store_true",
            help="replace the stored regions and grids (region) or all grids (grid)",
        )
        parser.add_argument("--actor", default="", help="username recorded in the audit log")

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=cast(IO[str], self.stdout), highlight=False)
        errors = Console(file=cast(IO[str], self.stderr), highlight=False)
        actor = None
        if options["actor"]:
            try:
                actor = get_user_model().objects.get(username=options["actor"])
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"No user named {options['actor']!r}.") from exc
        try:
            with progress_bar(console) as report:
                stats = import_geojson(
                    options["path"],
                    actor=actor,
                    level=options["level"],
                    replace=options["replace"],
                    progress=report,
                )
        except ValidationFailed as exc:
            problems = exc.details if isinstance(exc.details, list) else []
            for item in problems[:MAX_PRINTED]:
                code = f" (code {item['code']})" if item["code"] else ""
                errors.print(
                    f"feature {item['feature']}{code}: {item['problem']}",
                    soft_wrap=True,
                    markup=False,
                )
            if len(problems) > MAX_PRINTED:
                errors.print(f"… and {len(problems) - MAX_PRINTED} more problems.")
            hint = ""
            if not options["replace"] and any(
                p["problem"] == "code already exists" for p in problems
            ):
                hint = " Use --replace to replace what is stored."
            raise CommandError(exc.message + hint) from exc
        except Conflict as exc:
            raise CommandError(exc.message) from exc
        console.print(
            f"Imported {stats.regions} regions and {stats.grids} grids "
            f"(geography version {stats.version}) in {stats.seconds:.1f} s."
        )
