"""Accounts: creating users, signing in with lockout, and API tokens. The only write path."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, login
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.accounts.models import ApiToken, User
from yiwang.core.audit import record_audit
from yiwang.core.choices import AuditResult
from yiwang.core.errors import Conflict, DomainError, ErrorCode, NotFound, ValidationFailed

TOKEN_PREFIX = "yw"


class InvalidCredentials(DomainError):
    status = 401
    code = ErrorCode.UNAUTHENTICATED


class AccountLocked(DomainError):
    status = 403
    code = ErrorCode.ACCOUNT_LOCKED

    def __init__(self, until: datetime) -> None:
        local = timezone.localtime(until).strftime("%H:%M")
        super().__init__(
            _("Too many failed sign-ins: the account is locked until %(time)s.") % {"time": local},
            details={"locked_until": until.isoformat()},
        )
        self.until = until


def create_user(
    *,
    actor: Any | None,
    username: str,
    password: str,
    full_name: str = "",
    phone: str = "",
    email: str = "",
    validate: bool = True,
) -> User:
    """Create an account with an argon2-hashed password checked against the password rules."""
    username = username.strip()
    if not username:
        raise ValidationFailed(_("A username is required."), field="username")
    if User.objects.filter(username=username).exists():
        raise Conflict(_("The username %(name)s is taken.") % {"name": username}, field="username")
    user = User(username=username, full_name=full_name, phone=phone, email=email)
    if validate:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationFailed(" ".join(exc.messages), field="password") from exc
    user.set_password(password)
    with transaction.atomic():
        user.save()
        record_audit(
            "accounts.user_created",
            actor=actor,
            obj=user,
            after={"username": username, "full_name": bool(full_name), "phone": bool(phone)},
        )
    return user


def sign_in(request: HttpRequest, *, username: str, password: str) -> User:
    """Check the password, count failures toward the lockout, and start a session."""
    known = User.objects.filter(username=username).first()
    if known is not None and known.is_locked:
        assert known.locked_until is not None
        with transaction.atomic():
            record_audit(
                "auth.login",
                actor=known,
                obj=known,
                result=AuditResult.DENIED,
                after={"reason": "locked"},
            )
        raise AccountLocked(known.locked_until)
    user = authenticate(request, username=username, password=password)
    if user is None:
        _register_failure(known, username)
        raise InvalidCredentials(_("The username or password is wrong."))
    with transaction.atomic():
        if user.failed_login_count or user.locked_until:
            user.failed_login_count = 0
            user.locked_until = None
            user.save(update_fields=["failed_login_count", "locked_until"])
        record_audit("auth.login", actor=user, obj=user)
    login(request, user)
    return user


def _register_failure(user: User | None, username: str) -> None:
    with transaction.atomic():
        if user is None:
            record_audit(
                "auth.login",
                actor=None,
                object_type="accounts.user",
                object_repr=username[:150],
                result=AuditResult.FAILURE,
                after={"reason": "unknown user"},
            )
            return
        user = User.objects.select_for_update().get(pk=user.pk)
        user.failed_login_count += 1
        after: dict[str, Any] = {"reason": "wrong password", "failures": user.failed_login_count}
        if user.failed_login_count >= settings.LOGIN_MAX_FAILURES:
            user.locked_until = timezone.now() + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
            user.failed_login_count = 0
            after["locked_until"] = user.locked_until.isoformat()
        user.save(update_fields=["failed_login_count", "locked_until"])
        record_audit("auth.login", actor=None, obj=user, result=AuditResult.FAILURE, after=after)


def sign_out(request: HttpRequest) -> None:
    from django.contrib.auth import logout

    user = request.user
    if user.is_authenticated:
        with transaction.atomic():
            record_audit("auth.logout", actor=user, obj=user)
    logout(request)


def unlock_user(user: User, *, actor: Any) -> User:
    with transaction.atomic():
        user.failed_login_count = 0
        user.locked_until = None
        user.save(update_fields=["failed_login_count", "locked_until"])
        record_audit("accounts.user_unlocked", actor=actor, obj=user)
    return user


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(
    user: User, *, actor: Any | None, name: str = "", days: int | None = None
) -> tuple[ApiToken, str]:
    """Issue a token; the returned secret is the only time it exists in clear."""
    if not user.is_active:
        raise ValidationFailed(_("The account is disabled."), field="user")
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    lifetime = settings.API_TOKEN_DAYS if days is None else days
    expires = timezone.now() + timedelta(days=lifetime) if lifetime > 0 else None
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name[:64], prefix=prefix, digest=_digest(secret), expires_at=expires
        )
        record_audit(
            "accounts.token_created",
            actor=actor,
            obj=token,
            after={"user": user.username, "prefix": prefix, "expires_at": expires},
        )
    return token, secret


def revoke_token(token: ApiToken, *, actor: Any | None) -> ApiToken:
    if token.revoked_at is not None:
        return token
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        record_audit(
            "accounts.token_revoked", actor=actor, obj=token, after={"prefix": token.prefix}
        )
    return token


def revoke_token_by_prefix(prefix: str, *, actor: Any | None) -> ApiToken:
    token = ApiToken.objects.filter(prefix=prefix).first()
    if token is None:
        raise NotFound(_("No token starts with %(prefix)s.") % {"prefix": prefix}, field="prefix")
    return revoke_token(token, actor=actor)


def user_for_token(secret: str) -> User | None:
    """The active user a bearer token belongs to, or None; notes its use at most once a minute."""
    parts = secret.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    token = ApiToken.objects.active().select_related("user").filter(digest=_digest(secret)).first()
    if token is None or not token.user.is_active or token.user.is_locked:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
