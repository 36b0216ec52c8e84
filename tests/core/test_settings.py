import environ
import pytest
from django.core.exceptions import ImproperlyConfigured

from yiwang.config.env import SCHEMA, check_audit_retention, check_production


def _env(monkeypatch: pytest.MonkeyPatch, **values: str) -> environ.Env:
    for name in ("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "DEBUG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return environ.Env(**SCHEMA)


def test_production_names_every_missing_value(monkeypatch: pytest.MonkeyPatch) -> None:
    env = _env(monkeypatch, YIWANG_ENV="production", SECRET_KEY="x" * 50)
    with pytest.raises(ImproperlyConfigured) as caught:
        check_production(env)
    assert "DATABASE_URL" in str(caught.value)
    assert "SECRET_KEY" not in str(caught.value)


def test_production_with_its_values_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    env = _env(
        monkeypatch,
        YIWANG_ENV="production",
        SECRET_KEY="x" * 50,
        DATABASE_URL="postgres://db/yiwang",
        ALLOWED_HOSTS="gov.example",
    )
    check_production(env)


def test_audit_retention_cannot_go_below_the_legal_floor() -> None:
    with pytest.raises(ImproperlyConfigured, match="180"):
        check_audit_retention(90)
    assert check_audit_retention(365) == 365


def test_env_example_lists_every_setting() -> None:
    import re

    from yiwang.config.env import BASE_DIR

    text = (BASE_DIR / ".env.example").read_text()
    missing = [name for name in SCHEMA if not re.search(rf"^{name}=", text, re.MULTILINE)]
    assert missing == []
