"""The web pages: sign in, sign out, and the home page with the organisation at a glance."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.accounts import services as accounts
from yiwang.core.errors import DomainError
from yiwang.core.middleware import client_address
from yiwang.core.ratelimit import allow
from yiwang.web import overview
from yiwang.web.forms import LoginForm

# Same-origin endpoints the home map reads (session-authenticated GeoJSON).
BOUNDARIES_URL = "/api/v1/geo/boundaries"


def _safe_next(request: HttpRequest) -> str:
    """The ``next`` target if it stays on this site, else an empty string."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _login_allowed(request: HttpRequest, username: str) -> bool:
    """Count the attempt against the client address and the username; both must pass.

    Both counters are always charged, so spreading guesses over usernames from one address,
    or over addresses for one username, runs into one of them.
    """
    rate = settings.RATE_LIMIT_LOGIN
    by_address = allow(f"login:addr:{client_address(request)}", rate)
    by_user = True
    if username:
        # Hashed: usernames may hold characters some cache backends refuse in keys.
        digest = hashlib.sha256(username.strip().casefold().encode("utf-8")).hexdigest()[:32]
        by_user = allow(f"login:user:{digest}", rate)
    return by_address and by_user


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """Sign in with username and password; failures, lockouts and rate limits show on the form."""
    if request.user.is_authenticated:
        return redirect("web:home")
    next_url = _safe_next(request)
    status = 200
    if request.method == "POST":
        form = LoginForm(request.POST)
        if not _login_allowed(request, request.POST.get("username", "")):
            form.is_valid()  # keep the username on the page
            form.errors.clear()
            form.add_error(
                None, _("Too many sign-in attempts; please wait a minute and try again.")
            )
            status = 429
        elif form.is_valid():
            try:
                accounts.sign_in(
                    request,
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return HttpResponseRedirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    else:
        form = LoginForm()
    context = {
        "form": form,
        "next": next_url,
        "demo_hint": getattr(settings, "DEMO_LOGIN_HINT", ""),
    }
    response = render(request, "web/login.html", context, status=status)
    if status == 429:
        response["Retry-After"] = "60"
    return response


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """Sign out (POST only, so a link or an image cannot sign anyone out)."""
    accounts.sign_out(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
@require_http_methods(["GET", "HEAD"])
def home(request: HttpRequest) -> HttpResponse:
    """The organisation at a glance: counts, a map of counties and towns, grids per county."""
    user = request.user
    assignments = overview.role_assignments(user)
    rows = overview.county_rows(user)
    context = {
        "counts": overview.organisation_counts(user),
        "county_rows": rows,
        "county_totals": overview.CountyRow(
            code="",
            name="",
            towns=sum(r.towns for r in rows),
            comprehensive_grids=sum(r.comprehensive_grids for r in rows),
            special_grids=sum(r.special_grids for r in rows),
        ),
        "grid_chart": overview.grid_chart_data(rows),
        "map_labels": overview.map_labels(rows),
        "county_boundaries_url": f"{BOUNDARIES_URL}?level=county",
        "town_boundaries_url": f"{BOUNDARIES_URL}?level=town",
        "assignments": assignments,
        "scope": overview.scope_summary(user, assignments),
    }
    return render(request, "web/home.html", context)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's, for one)."""
    from django.templatetags.static import static

    return HttpResponseRedirect(static("web/favicon.svg"))
