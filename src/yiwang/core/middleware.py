"""Request context, security headers and the rate limit for clients without an account."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from yiwang.core import context
from yiwang.core.errors import ErrorCode, error_body
from yiwang.core.ratelimit import allow

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def client_address(request: HttpRequest) -> str:
    """The client's address; X-Forwarded-For is believed only behind configured proxies."""
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        chain = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(chain) >= hops:
            return chain[-hops]
    return str(request.META.get("REMOTE_ADDR", ""))


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else context.new_request_id()
        with context.request_context(request_id, client_address(request)):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class SecurityHeadersMiddleware:
    """Content security policy and the headers Django's SecurityMiddleware does not set."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        return response


class AnonymousRateLimitMiddleware:
    """Every endpoint reachable without an account is rate limited per client address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        anonymous = not request.user.is_authenticated and "HTTP_AUTHORIZATION" not in request.META
        if request.method == "POST" and request.path.startswith("/open311/"):
            anonymous = False  # limited per client key, or per address on a bad key, by the view
        if anonymous and not allow(
            f"anon:{client_address(request)}", settings.RATE_LIMIT_ANONYMOUS
        ):
            return too_many_requests(request)
        return self.get_response(request)


def too_many_requests(request: HttpRequest) -> HttpResponse:
    message = _("Too many requests; please wait a minute and try again.")
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            error_body(ErrorCode.RATE_LIMITED, message), status=429
        )
    else:
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = "60"
    return response
