"""``yiwang demo load``, ``yiwang demo workorders`` and ``yiwang demo accounts``."""

from __future__ import annotations

from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.table import Table

from yiwang.core.context import request_context
from yiwang.core.errors import DomainError
from yiwang.core.progress import progress_bar
from yiwang.core.scoping import describe_scope
from yiwang.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from yiwang.demo.services import DEFAULT_SEED, SCALES, demo_loaded, load_demo
from yiwang.org.choices import Role

# Work orders the default demo comes with: enough for every queue, board and chart to show
# something, quick to make through the real services (see docs/operations.md for more).
SAMPLE_ORDERS = 240


class Command(BaseCommand):
    help = "Load the Nantong-scale demo data, or list the demo accounts."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="generate and store the demo city")
        load.add_argument("--scale", choices=list(SCALES), default="full")
        load.add_argument("--seed", type=int, default=DEFAULT_SEED)
        load.add_argument("--password", default=DEMO_PASSWORD)
        load.add_argument("--if-empty", action="store_true", help="do nothing if data exists")
        load.add_argument(
            "--orders",
            type=int,
            default=None,
            help="demo work orders to generate after the city (default: "
            f"{SAMPLE_ORDERS} at full scale, none at small scale; 0: none)",
        )
        sub.add_parser("accounts", help="print the demo logins and their scope")
        orders = sub.add_parser("workorders", help="generate a year of demo work orders")
        orders.add_argument(
            "--count", type=int, default=None, help="default 2000, or 2,000,000 with --full"
        )
        orders.add_argument(
            "--full",
            action="store_true",
            help="Nantong's yearly volume, written in bulk with back-dated lifecycles",
        )
        orders.add_argument("--seed", type=int, default=2026)
        orders.add_argument("--days", type=int, default=365)

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=cast(IO[str], self.stdout), highlight=False)
        if options["action"] == "load":
            if demo_loaded():
                if options["if_empty"]:
                    console.print("Demo data already loaded; keeping it.")
                    return
                raise CommandError("The database already holds a city; use a fresh database.")
            with request_context(client_address="cli"), progress_bar(console) as report:
                try:
                    result = load_demo(
                        scale=options["scale"],
                        seed=options["seed"],
                        password=options["password"],
                        progress=report,
                    )
                except DomainError as exc:
                    raise CommandError(exc.message) from exc
            console.print(
                f"Loaded {result.regions} regions, {result.grids} grids, "
                f"{result.accounts} demo accounts."
            )
            orders = options["orders"]
            if orders is None:
                orders = SAMPLE_ORDERS if options["scale"] == "full" else 0
            if orders > 0:
                generate_orders(console, {"count": orders, "seed": options["seed"], "days": 365})
            load_app_demos(console, options)
            return
        if options["action"] == "workorders":
            generate_orders(console, options)
            return
        print_accounts(console)


def load_app_demos(console: Console, options: dict[str, Any]) -> None:
    """The knowledge base, routing model, grid registers, exchange catalogue, …"""
    from yiwang.demo.extras import load_extras

    with request_context(client_address="cli"), progress_bar(console) as report:
        try:
            lines = load_extras(scale=options["scale"], seed=options["seed"], progress=report)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
    for line in lines:
        console.print(line)


def generate_orders(console: Console, options: dict[str, Any]) -> None:
    from yiwang.demo.bulk import NANTONG_YEARLY, generate_bulk
    from yiwang.demo.workorders import generate_work_orders

    if not demo_loaded():
        raise CommandError("Load the demo city first: yiwang demo load")
    full = options.get("full", False)
    count = options["count"] if options["count"] is not None else 2000
    if full and options["count"] is None:
        count = NANTONG_YEARLY
    generate = generate_bulk if full else generate_work_orders
    with request_context(client_address="cli"), progress_bar(console) as report:
        try:
            stats = generate(
                count=count, seed=options["seed"], days=options["days"], progress=report
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
    states = ", ".join(f"{state} {n}" for state, n in stats.by_state.most_common())
    console.print(
        f"Created {stats.created} work orders in {stats.seconds:.1f} s "
        f"({stats.rate:.0f} orders/s): {states}."
    )


def print_accounts(console: Console, password: str = DEMO_PASSWORD) -> None:
    from yiwang.accounts.models import User

    users = {
        u.username: u for u in User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])
    }
    table = Table("login", "role", "scope", title=f"Demo accounts — password: {password}")
    for account in DEMO_ACCOUNTS:
        user = users.get(account.username)
        scope = describe_scope(user) if user else "(not created)"
        table.add_row(account.username, str(Role(account.role).label), scope)
    console.print(table)
