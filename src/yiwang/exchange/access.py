"""Who may do what in the exchange, and the department systems' tokens."""

from __future__ import annotations

import hashlib
from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from yiwang.core.scoping import roles_of, scope_of

TOKEN_PREFIX = "yx"
STEWARDS = frozenset({"data_steward"})
READERS = frozenset({"data_steward", "auditor", "leader", "city_dispatcher"})


def is_steward(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or bool(roles_of(user) & STEWARDS)


def departments_of(user: Any) -> frozenset[int]:
    """The departments a handler or liaison acts for."""
    return scope_of(user).department_ids


def acts_for(user: Any, department_id: int) -> bool:
    return is_steward(user) or department_id in departments_of(user)


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class ExchangeClientAuth(HttpBearer):
    """``Authorization: Bearer yx_…``: a department system pushing or pulling records."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from yiwang.exchange.models import ExchangeClient

        if not token.startswith(f"{TOKEN_PREFIX}_"):
            return None
        client = (
            ExchangeClient.objects.select_related("department")
            .filter(digest=token_digest(token), is_active=True)
            .first()
        )
        if client is not None:
            request.exchange_client = client  # type: ignore[attr-defined]
        return client
