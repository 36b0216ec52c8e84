"""Who may use AI routing: ask for suggestions, read the model versions, publish one."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from yiwang.core.errors import PermissionDenied
from yiwang.core.scoping import roles_of

# Hotline agents and dispatchers file and route orders; data stewards look after the models.
SUGGEST_ROLES = frozenset(
    {"hotline_agent", "city_dispatcher", "county_dispatcher", "town_dispatcher", "data_steward"}
)
VIEW_ROLES = frozenset({"data_steward", "city_dispatcher"})
PUBLISH_ROLES = frozenset({"data_steward", "city_dispatcher"})


def may(user: Any, roles: frozenset[str]) -> bool:
    return bool(getattr(user, "is_superuser", False) or roles_of(user) & roles)


def require(user: Any, roles: frozenset[str], what: str) -> None:
    if not may(user, roles):
        raise PermissionDenied(
            _("Your roles may not %(what)s.") % {"what": what},
            details={"roles": sorted(roles)},
        )
