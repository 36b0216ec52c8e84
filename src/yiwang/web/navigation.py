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


_DISPATCHERS = frozenset({"city_dispatcher", "county_dispatcher", "town_dispatcher"})
_DEPARTMENT = frozenset({"dept_handler", "dept_liaison"})
_HOTLINE = frozenset({"hotline_agent"})
# The cockpit's entries; yiwang.cockpit.access holds the same role sets and the views enforce them.
_COCKPIT = frozenset({"leader", "city_dispatcher"})
_RANKINGS = frozenset(
    {"city_dispatcher", "county_dispatcher", "town_dispatcher", "leader", "auditor"}
)

# yiwang.opinion.choices.OPINION_READERS holds the same set and the opinion views enforce it.
_OPINION = frozenset(
    {"city_dispatcher", "county_dispatcher", "town_dispatcher", "leader", "auditor"}
)

ENTRIES: list[Entry] = [
    Entry("web:home", _("Overview")),
    Entry("console:queue", _("Dispatch queue"), _DISPATCHERS),
    Entry("console:boards", _("Supervision boards"), _DISPATCHERS),
    Entry("console:department", _("Department workbench"), _DEPARTMENT),
    Entry("workbench:incoming", _("12345 workbench"), _HOTLINE | _DISPATCHERS),
    # yiwang.hotline.services.READERS holds the same set and the knowledge-base views enforce it.
    Entry(
        "hotline:kb_search",
        _("Knowledge base"),
        _HOTLINE
        | _DISPATCHERS
        | _DEPARTMENT
        | frozenset({"data_steward", "leader", "auditor", "grid_worker"}),
    ),
    Entry("cockpit:home", _("Leadership cockpit"), _COCKPIT),
    Entry("cockpit:themes", _("Thematic maps"), _COCKPIT | _RANKINGS),
    Entry("cockpit:rankings", _("KPI rankings"), _RANKINGS),
    Entry("grid:app", _("Grid worker app"), frozenset({"grid_worker"})),
    Entry("grid:center", _("Grid center"), _DISPATCHERS | frozenset({"leader"})),
    Entry("opinion:home", _("Public-opinion analytics"), _OPINION),
    Entry("nlp:models", _("Routing models"), frozenset({"data_steward", "city_dispatcher"})),
    Entry(
        "exchange:catalogue",
        _("Data sharing and exchange"),
        frozenset({"data_steward", "auditor", "leader", "city_dispatcher"}) | _DEPARTMENT,
    ),
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
    urls = [(reverse(e.url_name), e.label) for e in visible_entries(getattr(request, "user", None))]
    # The longest matching prefix is the current entry (/console/boards/ is not /console/).
    matches = [url for url, _label in urls if (path == url if url == "/" else path.startswith(url))]
    current = max(matches, key=len, default=None)
    return {"nav_entries": [(url, label, url == current) for url, label in urls]}
