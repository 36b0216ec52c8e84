"""The main navigation: each role sees only the pages it may use.

Every page app adds its entries to ``ENTRIES``; the context processor keeps those whose roles
intersect the signed-in user's roles (an empty ``roles`` set means every signed-in user).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Entry:
    url_name: str
    label: str | Promise
    roles: frozenset[str] = field(default_factory=frozenset)


# The cockpit's entries; yiwang.cockpit.access holds the same role sets and the views enforce them.
_COCKPIT = frozenset({"leader", "city_dispatcher"})
_RANKINGS = frozenset(
    {"city_dispatcher", "county_dispatcher", "town_dispatcher", "leader", "auditor"}
)

ENTRIES: list[Entry] = [
    Entry("web:home", _("Overview")),
    Entry("cockpit:home", _("Leadership cockpit"), _COCKPIT),
    Entry("cockpit:themes", _("Thematic maps"), _COCKPIT | _RANKINGS),
    Entry("cockpit:rankings", _("KPI rankings"), _RANKINGS),
]


def visible_entries(user: Any) -> list[Entry]:
    if not getattr(user, "is_authenticated", False):
        return []
    from yiwang.core.scoping import roles_of

    roles = roles_of(user)
    return [e for e in ENTRIES if not e.roles or e.roles & roles]


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Template context: ``nav_entries`` as (url, label, is_current) triples."""
    path = request.path
    items = []
    for entry in visible_entries(getattr(request, "user", None)):
        url = reverse(entry.url_name)
        current = path == url if url == "/" else path.startswith(url)
        items.append((url, entry.label, current))
    return {"nav_entries": items}
