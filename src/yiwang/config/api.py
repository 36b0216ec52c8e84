"""The REST API at /api/v1/: one NinjaAPI, token and session auth, one error shape."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from yiwang.core.api_auth import BearerTokenAuth, SessionAuth
from yiwang.core.errors import DomainError, ErrorCode, error_body

api = NinjaAPI(
    title="Yiwang API",
    version="1",
    description="Yiwang (一网) city operations platform",
    auth=[BearerTokenAuth(), SessionAuth()],
    urls_namespace="api",
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, details: Any = None
) -> HttpResponse:
    return api.create_response(request, error_body(code, message, details), status=status)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return _error(request, exc.status, exc.code, exc.message, exc.details)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = [
        {
            "field": ".".join(str(part) for part in err.get("loc", ())[1:]) or None,
            "problem": err.get("msg", ""),
        }
        for err in exc.errors
    ]
    fields = ", ".join(d["field"] for d in details if d["field"]) or "request"
    return _error(request, 422, ErrorCode.VALIDATION_ERROR, f"Invalid input: {fields}", details)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, ErrorCode.UNAUTHENTICATED, "Sign in or send a valid API token.")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, ErrorCode.NOT_FOUND, str(exc) or "Not found.")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {
        401: ErrorCode.UNAUTHENTICATED,
        403: ErrorCode.PERMISSION_DENIED,
        404: ErrorCode.NOT_FOUND,
        409: ErrorCode.CONFLICT,
        429: ErrorCode.RATE_LIMITED,
    }
    return _error(
        request, exc.status_code, code.get(exc.status_code, ErrorCode.BAD_REQUEST), str(exc)
    )


@api.exception_handler(Exception)
def on_server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    import logging

    logging.getLogger("yiwang.api").exception("unhandled error in %s", request.path)
    return _error(request, 500, ErrorCode.SERVER_ERROR, "Internal error; it has been logged.")


def api_not_found(request: HttpRequest) -> HttpResponse:
    """Unknown paths under /api/ answer in the API's error shape, not with an HTML page."""
    from django.http import JsonResponse

    body = error_body(ErrorCode.NOT_FOUND, f"No API endpoint at {request.path}.")
    return JsonResponse(body, status=404)


def _register_routers() -> None:
    from yiwang.accounts.api import router as accounts_router
    from yiwang.core.api import router as core_router
    from yiwang.exchange.api import router as exchange_router
    from yiwang.geo.api import router as geo_router
    from yiwang.grid.api import router as grid_router
    from yiwang.hotline.api import router as hotline_router
    from yiwang.hotline.workbench_api import router as workbench_router
    from yiwang.nlp.api import router as nlp_router
    from yiwang.opinion.api import router as opinion_router
    from yiwang.org.api import router as org_router
    from yiwang.workorders.api import router as workorders_router
    from yiwang.workorders.kpi_api import router as kpi_router
    from yiwang.workorders.taxonomy_api import router as taxonomy_router

    api.add_router("", core_router)
    api.add_router("", accounts_router)
    api.add_router("", geo_router)
    api.add_router("", org_router)
    api.add_router("", taxonomy_router)
    api.add_router("", workorders_router)
    api.add_router("", kpi_router)
    api.add_router("", hotline_router)
    api.add_router("", workbench_router)
    api.add_router("", nlp_router)
    api.add_router("", opinion_router)
    api.add_router("", grid_router)
    api.add_router("", exchange_router)


_register_routers()
