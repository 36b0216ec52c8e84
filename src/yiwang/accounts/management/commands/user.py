"""``yiwang user create|unlock|list``: accounts and their roles from the command line."""

from __future__ import annotations

import getpass
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rich.console import Console
from rich.table import Table

from yiwang.accounts.models import User
from yiwang.accounts.services import create_user, unlock_user
from yiwang.core.context import request_context
from yiwang.core.errors import DomainError
from yiwang.geo.models import Grid, Region
from yiwang.org.choices import Role
from yiwang.org.models import CommandCenter, Department
from yiwang.org.services import assign_role


class Command(BaseCommand):
    help = "Create accounts with a role, unlock them, or list them."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create an account and give it a role")
        create.add_argument("username")
        create.add_argument("--role", required=True, choices=Role.values)
        create.add_argument("--password", help="prompted for when omitted")
        create.add_argument("--full-name", default="")
        create.add_argument("--phone", default="")
        create.add_argument("--email", default="")
        create.add_argument("--region", help="region code (leaders)")
        create.add_argument("--center", help="region code of the command center (dispatchers)")
        create.add_argument("--department", help="department code (handlers, liaisons)")
        create.add_argument("--grids", default="", help="comma-separated grid codes (grid workers)")
        unlock = sub.add_parser("unlock", help="clear a login lockout")
        unlock.add_argument("username")
        sub.add_parser("list", help="list accounts and roles")

    def handle(self, *args: Any, **options: Any) -> None:
        with request_context(client_address="cli"):
            try:
                getattr(self, f"_{options['action']}")(options)
            except DomainError as exc:
                raise CommandError(f"{exc.field or 'input'}: {exc.message}") from exc

    def _create(self, options: dict[str, Any]) -> None:
        password = options["password"] or getpass.getpass("Password: ")
        place = _place(options)
        with transaction.atomic():
            user = create_user(
                actor=None,
                username=options["username"],
                password=password,
                full_name=options["full_name"],
                phone=options["phone"],
                email=options["email"],
            )
            assign_role(user, options["role"], actor=None, **place)
        self.stdout.write(f"Created {user.username} as {Role(options['role']).label}.")

    def _unlock(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        unlock_user(user, actor=None)
        self.stdout.write(f"Unlocked {user.username}.")

    def _list(self, options: dict[str, Any]) -> None:
        table = Table("username", "roles", "where", "locked")
        users = User.objects.prefetch_related(
            "role_assignments__region", "role_assignments__department"
        )
        for user in users:
            assignments = list(user.role_assignments.all())
            table.add_row(
                user.username,
                ", ".join(a.role for a in assignments),
                ", ".join(str(a.department or a.region or "") for a in assignments),
                "yes" if user.is_locked else "",
            )
        Console(file=cast(IO[str], self.stdout)).print(table)


def _place(options: dict[str, Any]) -> dict[str, Any]:
    def one(model: Any, label: str, **lookup: Any) -> Any:
        found = model.objects.filter(**lookup).first()
        if found is None:
            raise CommandError(f"--{label}: nothing has the code {next(iter(lookup.values()))!r}.")
        return found

    place: dict[str, Any] = {}
    if options["region"]:
        place["region"] = one(Region, "region", code=options["region"])
    if options["center"]:
        place["center"] = one(CommandCenter, "center", region__code=options["center"])
    if options["department"]:
        place["department"] = one(Department, "department", code=options["department"])
    codes = [c.strip() for c in options["grids"].split(",") if c.strip()]
    if codes:
        grids = list(Grid.objects.filter(code__in=codes))
        missing = set(codes) - {g.code for g in grids}
        if missing:
            raise CommandError(f"--grids: unknown grid codes {', '.join(sorted(missing))}.")
        place["grids"] = grids
    return place
