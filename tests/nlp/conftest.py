"""AI routing fixtures: a fresh model cache per test, history files, the taxonomy."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.workorders.conftest import organisation, taxonomy  # noqa: F401  (fixtures)


@pytest.fixture(autouse=True)
def _fresh_model() -> Iterator[None]:
    from yiwang.nlp.routing import forget_model

    forget_model()
    yield
    forget_model()


# Made-up requests of three subclasses of the demo taxonomy, different enough to learn.
PHRASES = {
    "H0801": ["家里停水了", "小区没水", "一直断水", "突然停水", "自来水没了"],
    "H0501": ["老板拖欠工资", "工地欠薪", "讨薪无果", "农民工工资没发", "拖欠我三个月工资"],
    "E0101": ["路边垃圾堆", "有人乱扔垃圾", "生活垃圾没人清", "垃圾堆成山", "暴露垃圾发臭"],
}
PLACES = ["工农路", "人民中路", "濠河路", "崇川路", "世纪大道", "文峰花园", "紫琅苑", "星湖大道"]
ENDINGS = ["请尽快处理。", "希望有关部门管一管。", "已经好几天了。", "麻烦派人来看看。"]


def history_rows(
    per_label: int, *, seed: int = 1, labels: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    """``per_label`` rows per label; ``labels`` renames codes (e.g. to names)."""
    rng = random.Random(seed)
    rows = []
    for code, phrases in PHRASES.items():
        for i in range(per_label):
            what = f"{rng.choice(phrases)}，{rng.choice(phrases)}"
            text = f"{rng.choice(PLACES)}{what}，{rng.choice(ENDINGS)}"
            rows.append(
                {"id": f"{code}-{i}", "text": text, "category": (labels or {}).get(code, code)}
            )
    return rows


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Callable[..., Path]:
    def write(rows: list[dict[str, Any]], name: str = "history.jsonl") -> Path:
        path = tmp_path / name
        path.write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
        )
        return path

    return write


@pytest.fixture
def trained(write_jsonl: Callable[..., Path]) -> Callable[..., Any]:
    """``trained(source, per_label=8, publish=True)`` → a model version learned from rows."""
    from yiwang.nlp.services import import_history, publish_model, train_model

    def make(source: str = "city", *, per_label: int = 8, publish: bool = True, **kw: Any) -> Any:
        path = write_jsonl(history_rows(per_label, **kw), f"{source}.jsonl")
        import_history(actor=None, path=path, source=source)
        model = train_model(actor=None, sources=[source], folds=0)
        if publish:
            publish_model(actor=None, version=model.version)
        return model

    return make
