"""Who may use the cockpit pages, and the one check every cockpit view makes.

Rankings are the command centers' and leaders' tool (DOMAIN.md §5: centers rank units monthly);
the big screen is for leaders and the city center. Auditors review performance too, so they
may read the rankings. Department roles see their own KPIs in the console, not a ranking of
everyone; citizens see none of this.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from yiwang.core.scoping import roles_of
from yiwang.org.choices import Role

RANKING_ROLES = frozenset(
    {
        Role.CITY_DISPATCHER,
        Role.COUNTY_DISPATCHER,
        Role.TOWN_DISPATCHER,
        Role.LEADER,
        Role.AUDITOR,
    }
)
COCKPIT_ROLES = frozenset({Role.LEADER, Role.CITY_DISPATCHER})
# Who may acknowledge an urgent item on the big screen: the people it is pushed to.
ACKNOWLEDGE_ROLES = COCKPIT_ROLES

View = Callable[..., HttpResponse]


def has_any_role(user: Any, roles: frozenset[str]) -> bool:
    return bool(roles_of(user) & roles)


def roles_required(roles: frozenset[str]) -> Callable[[View], View]:
    """Anonymous → the sign-in page; signed in without one of ``roles`` → a 403 page."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_any_role(request.user, roles):
                return forbidden(request)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def forbidden(request: HttpRequest, message: str = "") -> HttpResponse:
    return render(request, "cockpit/forbidden.html", {"message": message}, status=403)
