"""Shared test set-up: per-test cache, plain static storage, and helpers to make people."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

# One live server and one Playwright for every app's browser tests (see tests/livebrowser.py).
from tests.livebrowser import browser, live_yiwang, page  # noqa: F401

DEMO_TEST_PASSWORD = "Test-Passw0rd!"


def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    # Tests render templates without running collectstatic, and must not share rate-limit
    # counters with a running server's file cache.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
    ]


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_indexes() -> Iterator[None]:
    """Each test's database starts afresh, so do the process's in-memory indexes built from
    it (the locator's grids, the dispatch rules, the users' scopes, the knowledge base's search
    index and the tokenizer's words, the published routing model). Loads reset them on
    commit, and test transactions never commit; PostgreSQL does not reuse ids, so a stale
    index would point at rows that no longer exist, and SQLite does, so a stale scope would
    belong to another test's user."""
    from yiwang.core.scoping import forget_scopes_locally
    from yiwang.geo.locator import reset_locator
    from yiwang.hotline.knowledge import forget_index
    from yiwang.nlp.routing import forget_model
    from yiwang.nlp.tokenize import reset as reset_tokenizer
    from yiwang.workorders.routing import forget_routing

    forgets = (
        reset_locator,
        forget_routing,
        forget_scopes_locally,
        forget_index,
        reset_tokenizer,
        forget_model,
    )
    for forget in forgets:
        forget()
    yield
    for forget in forgets:
        forget()


@pytest.fixture
def make_user(db: Any) -> Any:
    """``make_user("alice")`` — an account created through the real service."""
    from yiwang.accounts.services import create_user

    def _make(username: str, *, password: str = DEMO_TEST_PASSWORD, **fields: Any) -> Any:
        return create_user(actor=None, username=username, password=password, **fields)

    return _make
