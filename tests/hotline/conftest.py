"""Fixtures for the knowledge base: the small demo city (categories, departments, counties,
the demo accounts) and, where needed, the demo knowledge base on it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _fresh_kb_index() -> Iterator[None]:
    """Each test's database starts afresh, so does the process's search index."""
    from yiwang.hotline.knowledge import forget_index
    from yiwang.nlp.tokenize import reset

    forget_index()
    reset()
    yield
    forget_index()
    reset()


@pytest.fixture
def kb_city(db: Any) -> dict[str, Any]:
    from yiwang.accounts.models import User
    from yiwang.demo.services import load_demo

    load_demo(scale="small")
    return {u.username: u for u in User.objects.all()}


@pytest.fixture
def steward(kb_city: dict[str, Any]) -> Any:
    return kb_city["data_steward"]


@pytest.fixture
def agent(kb_city: dict[str, Any]) -> Any:
    return kb_city["hotline_agent"]


@pytest.fixture
def kb(kb_city: dict[str, Any]) -> dict[str, Any]:
    from yiwang.hotline.demo import load_demo_data

    load_demo_data(scale="small", seed=320600, progress=lambda *a: None)
    return kb_city
