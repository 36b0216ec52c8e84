"""``yiwang open311 client create NAME`` prints a new client's api_key as its last line."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiwang.core.context import request_context
from yiwang.core.errors import DomainError
from yiwang.intake.models import Open311Client
from yiwang.intake.services import create_open311_client


class Command(BaseCommand):
    help = "Manage Open311 clients (api_key holders)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create-client", help="register a client; prints its api_key last")
        create.add_argument("name")
        sub.add_parser("list-clients", help="list clients")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list-clients":
            for client in Open311Client.objects.all():
                state = "active" if client.is_active else "disabled"
                self.stdout.write(f"{client.prefix}  {client.name}  {state}")
            return
        with request_context(client_address="cli"):
            try:
                client, key = create_open311_client(actor=None, name=options["name"])
            except DomainError as exc:
                raise CommandError(exc.message) from exc
        self.stderr.write(f"Open311 client {client.name} created; its api_key is shown once:")
        self.stdout.write(key)
