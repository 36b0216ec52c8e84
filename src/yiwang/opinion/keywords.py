"""Hot keywords of a period: how many requests use a word, against the period before it.

The rise is Dunning's log-likelihood ratio (G²) of the word's share of requests in the period
against its share in the baseline: unlike a ratio of shares it does not crown a word seen twice
instead of never, and unlike TF-IDF it compares two periods rather than documents.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from yiwang.opinion.text import drop_fragments


@dataclass(frozen=True)
class Keyword:
    term: str
    count: int  # requests of the (sampled) period using the word
    baseline: int  # … of the (sampled) baseline
    share: float  # count / requests of the period
    baseline_share: float
    score: float  # G², signed: negative when the word is falling
    trend: list[int] = field(default_factory=list)  # requests per day of the period

    @property
    def change(self) -> float | None:
        """Relative change of the share against the baseline; None without a baseline."""
        if not self.baseline_share:
            return None
        return self.share / self.baseline_share - 1


def log_likelihood(a: int, n1: int, b: int, n2: int) -> float:
    """G² of a word used by ``a`` of ``n1`` documents here and ``b`` of ``n2`` there;
    positive when it is more frequent here."""
    if n1 == 0 or n2 == 0 or a + b == 0:
        return 0.0
    e1 = n1 * (a + b) / (n1 + n2)
    e2 = n2 * (a + b) / (n1 + n2)
    g2 = 2 * ((a * math.log(a / e1) if a else 0.0) + (b * math.log(b / e2) if b else 0.0))
    return g2 if a / n1 >= b / n2 else -g2


def document_frequencies(docs: list[list[str]]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for doc in docs:
        counts.update(set(doc))
    return counts


def hot_keywords(
    docs: list[list[str]],
    day_index: list[int],
    days: int,
    baseline_docs: list[list[str]],
    *,
    top: int = 20,
    min_count: int = 2,
) -> tuple[list[Keyword], list[Keyword]]:
    """(most used words, fastest rising words) of the period's documents."""
    n1, n2 = len(docs), len(baseline_docs)
    here = document_frequencies(docs)
    there = document_frequencies(baseline_docs)

    def keyword(term: str) -> Keyword:
        a, b = here[term], there[term]
        return Keyword(
            term=term,
            count=a,
            baseline=b,
            share=a / n1 if n1 else 0.0,
            baseline_share=b / n2 if n2 else 0.0,
            score=round(log_likelihood(a, n1, b, n2), 2),
        )

    frequent = drop_fragments([t for t, c in here.most_common() if c >= min_count], here)
    used = [keyword(t) for t in frequent[:top]]
    scored = (keyword(t) for t in frequent)
    rising = sorted(
        (k for k in scored if k.score > 3.84),  # χ²(1) at p = 0.05
        key=lambda k: (-k.score, k.term),
    )[: max(top // 2, 5)]
    wanted = {k.term for k in used} | {k.term for k in rising}
    trends = {t: [0] * days for t in wanted}
    for doc, day in zip(docs, day_index, strict=True):
        for term in set(doc) & wanted:
            if 0 <= day < days:
                trends[term][day] += 1
    for k in (*used, *rising):
        k.trend[:] = trends[k.term]
    return used, rising
