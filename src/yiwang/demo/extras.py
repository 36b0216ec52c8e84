"""Demo data of the apps built on the city: the knowledge base, the routing model, the grid's
registers, the exchange catalogue, ….

``yiwang demo load`` runs these after the city and its sample work orders. Each entry names a
module with ``load_demo_data(*, scale, seed, progress) -> str``, which stores its data (one
transaction per module) and returns one line for the console; a module not written yet is
skipped. The order matters: the routing model learns from the sample orders, the search index
from the knowledge base.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from types import ModuleType

from yiwang.core.progress import ProgressCallback

DEMO_MODULES = [
    "yiwang.intake.demo",
    "yiwang.hotline.demo",
    "yiwang.nlp.demo",
    "yiwang.opinion.demo",
    "yiwang.grid.demo",
    "yiwang.exchange.demo",
]

Loader = Callable[..., str]


def _modules() -> Iterator[ModuleType]:
    for name in DEMO_MODULES:
        try:
            yield importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def load_extras(*, scale: str, seed: int, progress: ProgressCallback) -> list[str]:
    """Run every app's demo loader; returns their summary lines."""
    return [
        module.load_demo_data(scale=scale, seed=seed, progress=progress)
        for module in _modules()
        if hasattr(module, "load_demo_data")
    ]
