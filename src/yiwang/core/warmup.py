"""Per-process indexes a web worker builds before its first request needs them: the knowledge
base's search index, the published routing model, the dispatch catalogue. Each takes seconds to
build (11,000 entries, a scikit-learn pipeline); building them in a background thread when the
worker starts keeps the agent's first keystrokes from paying for it."""

from __future__ import annotations

import importlib
import logging
import threading

log = logging.getLogger("yiwang.warmup")

# "module:function" — each builds its index and returns nothing of interest.
WARMERS = [
    "yiwang.workorders.routing:towns",
    "yiwang.hotline.advice:warm",
]


def warm_all() -> None:
    for path in WARMERS:
        module, _sep, name = path.partition(":")
        try:
            getattr(importlib.import_module(module), name)()
        except Exception:  # a cold index is slower, not wrong: log and go on
            log.exception("warming %s failed", path)


def warm_in_background() -> threading.Thread:
    thread = threading.Thread(target=warm_all, name="yiwang-warmup", daemon=True)
    thread.start()
    return thread
