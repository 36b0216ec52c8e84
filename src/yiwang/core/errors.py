"""Error codes and the one error shape every API failure uses:
``{"error": {"code": ..., "message": ..., "details": ...}}``."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"
    VALIDATION_ERROR = "validation_error"
    UNAUTHENTICATED = "unauthenticated"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    ACCOUNT_LOCKED = "account_locked"
    RATE_LIMITED = "rate_limited"
    OUTSIDE_JURISDICTION = "outside_jurisdiction"
    SERVER_ERROR = "server_error"


class DomainError(Exception):
    """A refusal a service gives for a reason the user can act on; the API maps it to a 4xx."""

    status = 400
    code = ErrorCode.BAD_REQUEST

    def __init__(self, message: str, *, details: Any = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details if details is not None else ({"field": field} if field else None)


class ValidationFailed(DomainError):
    status = 422
    code = ErrorCode.VALIDATION_ERROR


class PermissionDenied(DomainError):
    status = 403
    code = ErrorCode.PERMISSION_DENIED


class NotFound(DomainError):
    status = 404
    code = ErrorCode.NOT_FOUND


class Conflict(DomainError):
    status = 409
    code = ErrorCode.CONFLICT


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": str(code), "message": message, "details": details}}
