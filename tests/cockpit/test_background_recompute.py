"""The big screen never waits for a recompute: expired figures are served while a thread
computes the new ones. The thread is held back here so the test can look in between (and so it
runs inside the test's transaction, which a real thread could not see)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache

from tests.workorders.factories import City, new_order
from yiwang.cockpit import situation


class _HeldThread:
    started: list[_HeldThread] = []

    def __init__(self, target: Any, args: tuple[Any, ...], daemon: bool) -> None:
        self.target, self.args = target, args

    def start(self) -> None:
        _HeldThread.started.append(self)

    def run(self) -> None:
        self.target(*self.args)


def test_expired_figures_are_served_while_a_thread_recomputes(
    city: City, orders: dict[str, Any], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.COCKPIT_RECOMPUTE_IN_BACKGROUND = True
    monkeypatch.setattr(situation.threading, "Thread", _HeldThread)
    leader = city["leader"]
    first, cached = situation.situation_for(leader)  # nothing cached yet: computed here
    assert not cached and not _HeldThread.started
    new_order(city)
    key = situation.situation_key(leader)
    entry = cache.get(key)
    entry["computed_at"] -= timedelta(minutes=5)
    cache.set(key, entry, 600)

    data, cached = situation.situation_for(leader)  # expired: the last figures, a thread
    assert cached and data["headline"]["orders_today"] == first["headline"]["orders_today"]
    (thread,) = _HeldThread.started
    data, cached = situation.situation_for(leader)  # while it runs: still the last figures
    assert cached and len(_HeldThread.started) == 1

    thread.run()
    assert cache.get(f"{key}:lock") is None
    data, cached = situation.situation_for(leader)
    assert cached
    assert data["headline"]["orders_today"] == first["headline"]["orders_today"] + 1
    _HeldThread.started.clear()
