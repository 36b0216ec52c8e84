"""Request texts as terms for topic analysis: the shared tokenizer (``nlp.tokenize``) with the
words every request says (来电反映, 希望, 尽快 …) also dropped, and only words that can name a
topic kept (two characters or more, not a number)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path

from yiwang.nlp.tokenize import tokenize

STOPWORDS_FILE = Path(__file__).resolve().parent / "data" / "stopwords.txt"


@cache
def opinion_stop_words() -> frozenset[str]:
    lines = STOPWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def terms(text: str) -> list[str]:
    """Topic terms of one text, in order, repeated as often as they occur."""
    stop = opinion_stop_words()
    return [t for t in tokenize(text) if len(t) >= 2 and not t.isdigit() and t not in stop]


def order_text(title: str, description: str) -> str:
    # The title is usually the first words of the description (or the subclass name): once.
    if title and description.startswith(title):
        return description
    return f"{title} {description}"


def drop_fragments(ranked: list[str], counts: Mapping[str, float] | None = None) -> list[str]:
    """``ranked`` without the pieces of longer words also in it (the tokenizer gives 安全隐患
    and its parts 安全, 隐患): a piece stays only when it is clearly more frequent than the
    longer word (it is used on its own, too)."""
    kept: list[str] = []
    for term in ranked:
        covered = any(
            term in longer
            and longer != term
            and (counts is None or counts.get(longer, 0) >= 0.8 * counts.get(term, 0))
            for longer in ranked
        )
        if not covered:
            kept.append(term)
    return kept
