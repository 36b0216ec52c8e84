"""``yiwang token create USERNAME`` prints a new API token as the last line of its output."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiwang.accounts.models import ApiToken, User
from yiwang.accounts.services import create_token, revoke_token_by_prefix
from yiwang.core.context import request_context
from yiwang.core.errors import DomainError


class Command(BaseCommand):
    help = "Create, list or revoke API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a token; the secret is printed once, last")
        create.add_argument("username")
        create.add_argument("--name", default="cli")
        create.add_argument("--days", type=int, default=None, help="lifetime; 0 = no expiry")
        listing = sub.add_parser("list", help="a user's tokens (prefixes only)")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        with request_context(client_address="cli"):
            try:
                self._dispatch(options)
            except DomainError as exc:
                raise CommandError(exc.message) from exc

    def _dispatch(self, options: dict[str, Any]) -> None:
        action = options["action"]
        if action == "revoke":
            token = revoke_token_by_prefix(options["prefix"], actor=None)
            self.stdout.write(f"Revoked token {token.prefix} of {token.user.username}.")
            return
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        if action == "list":
            for token in ApiToken.objects.filter(user=user):
                state = "revoked" if token.revoked_at else f"expires {token.expires_at or 'never'}"
                self.stdout.write(f"{token.prefix}  {token.name:<12} {state}")
            return
        token, secret = create_token(user, actor=None, name=options["name"], days=options["days"])
        expiry = token.expires_at.date().isoformat() if token.expires_at else "never"
        self.stderr.write(
            f"Token {token.prefix} for {user.username} (expires {expiry}). "
            "It is shown once; send it as 'Authorization: Bearer <token>'."
        )
        self.stdout.write(secret)
