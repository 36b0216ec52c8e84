from datetime import timedelta

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.utils import timezone

from tests.conftest import DEMO_TEST_PASSWORD
from yiwang.accounts.models import User
from yiwang.accounts.services import AccountLocked, InvalidCredentials, create_user, sign_in
from yiwang.config import settings as configured
from yiwang.core.errors import ValidationFailed
from yiwang.core.models import AuditRecord

pytestmark = pytest.mark.django_db


def _request():  # a request with a session, as the login view has
    from django.contrib.sessions.backends.db import SessionStore

    request = RequestFactory().post("/login/")
    request.session = SessionStore()
    return request


def test_passwords_are_hashed_with_argon2() -> None:
    assert configured.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_weak_passwords_are_refused_naming_the_field() -> None:
    with pytest.raises(ValidationFailed) as caught:
        create_user(actor=None, username="weak", password="password1")
    assert caught.value.field == "password"
    assert not User.objects.filter(username="weak").exists()


def test_repeated_failures_lock_the_account(make_user) -> None:
    user = make_user("frank")
    for _ in range(settings.LOGIN_MAX_FAILURES - 1):
        with pytest.raises(InvalidCredentials):
            sign_in(_request(), username="frank", password="wrong")
    with pytest.raises(InvalidCredentials):
        sign_in(_request(), username="frank", password="wrong")
    user.refresh_from_db()
    assert user.is_locked

    # Even the right password is refused while locked.
    with pytest.raises(AccountLocked):
        sign_in(_request(), username="frank", password=DEMO_TEST_PASSWORD)
    results = list(
        AuditRecord.objects.filter(action="auth.login", object_id=str(user.pk)).values_list(
            "result", flat=True
        )
    )
    assert results.count("failure") == settings.LOGIN_MAX_FAILURES
    assert results[-1] == "denied"


def test_the_lock_expires_and_a_good_login_resets_the_count(make_user) -> None:
    user = make_user("grace")
    User.objects.filter(pk=user.pk).update(
        locked_until=timezone.now() - timedelta(minutes=1), failed_login_count=3
    )
    signed_in = sign_in(_request(), username="grace", password=DEMO_TEST_PASSWORD)
    signed_in.refresh_from_db()
    assert signed_in.failed_login_count == 0
    assert signed_in.locked_until is None


def test_idle_sessions_expire_after_the_configured_window(client, make_user) -> None:
    client.force_login(make_user("heidi"))
    client.get("/api/v1/me")
    assert client.session.get_expiry_age() == settings.SESSION_IDLE_MINUTES * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST  # sliding: each request restarts the window
