"""An in-memory BM25F index over tokenised documents with weighted fields.

Pure code: callers tokenise (``yiwang.nlp.tokenize``) and decide what a document is. The index
takes single documents in and out (``put``, ``remove``) without a rebuild, so a process can keep
it current as rows change. Scoring is BM25F: each field's term frequency is length-normalised
with that field's average length, weighted, summed, then saturated once with ``k1``:

    tf~(t, d) = Σ_f w_f · tf_f(t, d) / (1 − b + b · len_f(d) / avglen_f)
    score(q, d) = Σ_{t ∈ q} qw_t · idf(t) · tf~ · (k1 + 1) / (tf~ + k1)
    idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5))

``qw_t`` is the query's weight for a term (1 for the query's own words, less for synonyms).
Postings are kept per term as dicts; each term's saturated term frequencies are computed into a
numpy array on first use and kept until that term's postings change (or the average field
lengths drift by more than ``AVG_TOLERANCE``), so a query costs one gather-add per query term.

Not thread-safe: reads fill caches too, so callers hold one lock around reads and writes
(``hotline.knowledge`` does).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["BM25Index", "Hit"]

# Average field lengths may drift this much (relative) before cached term arrays are redone.
AVG_TOLERANCE = 0.02


@dataclass(frozen=True)
class Hit:
    doc_id: Hashable
    score: float


class BM25Index:
    def __init__(self, fields: Mapping[str, float], *, k1: float = 1.2, b: float = 0.75) -> None:
        if not fields:
            raise ValueError("an index needs at least one field")
        self.fields = list(fields)
        self.weights = np.array([float(fields[f]) for f in self.fields], dtype=np.float64)
        self.k1 = k1
        self.b = b
        self._ids: list[Hashable | None] = []
        self._slot: dict[Hashable, int] = {}
        self._free: list[int] = []
        self._lengths = np.zeros((len(self.fields), 0), dtype=np.float64)
        self._total = np.zeros(len(self.fields), dtype=np.float64)
        self._postings: dict[str, dict[int, tuple[int, ...]]] = {}
        self._doc_terms: dict[int, tuple[str, ...]] = {}
        self._arrays: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._avg: np.ndarray | None = None

    # -- writing ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._slot)

    def __contains__(self, doc_id: Hashable) -> bool:
        return doc_id in self._slot

    def ids(self) -> list[Hashable]:
        return list(self._slot)

    def put(self, doc_id: Hashable, fields: Mapping[str, Sequence[str]]) -> None:
        """Add a document, or replace the one with this id. ``fields`` maps field names to
        token lists; a missing field is empty."""
        if doc_id in self._slot:
            self.remove(doc_id)
        counts = [Counter(fields.get(f, ())) for f in self.fields]
        if self._free:
            slot = self._free.pop()
            self._ids[slot] = doc_id
        else:
            slot = len(self._ids)
            self._ids.append(doc_id)
            if slot >= self._lengths.shape[1]:
                grown = np.zeros((len(self.fields), max(64, slot * 2)), dtype=np.float64)
                grown[:, : self._lengths.shape[1]] = self._lengths
                self._lengths = grown
        self._slot[doc_id] = slot
        for i, f in enumerate(self.fields):
            n = float(len(fields.get(f, ())))
            self._lengths[i, slot] = n
            self._total[i] += n
        terms = set().union(*counts)
        for term in terms:
            self._postings.setdefault(term, {})[slot] = tuple(c.get(term, 0) for c in counts)
            self._arrays.pop(term, None)
        self._doc_terms[slot] = tuple(terms)

    def remove(self, doc_id: Hashable) -> bool:
        slot = self._slot.pop(doc_id, None)
        if slot is None:
            return False
        for term in self._doc_terms.pop(slot, ()):
            postings = self._postings.get(term)
            if postings is not None:
                postings.pop(slot, None)
                if not postings:
                    del self._postings[term]
            self._arrays.pop(term, None)
        self._total -= self._lengths[:, slot]
        self._lengths[:, slot] = 0.0
        self._ids[slot] = None
        self._free.append(slot)
        return True

    # -- reading ---------------------------------------------------------------------------

    def document_frequency(self, term: str) -> int:
        return len(self._postings.get(term, ()))

    def _average_lengths(self) -> np.ndarray:
        """The field lengths the cached term arrays were computed with; recomputed (and the
        cache emptied) once the true averages drift more than ``AVG_TOLERANCE`` from them."""
        n_docs = max(len(self._slot), 1)
        current = np.maximum(self._total / n_docs, 1e-9)
        snapshot = self._avg
        if snapshot is None or np.any(np.abs(current - snapshot) > AVG_TOLERANCE * snapshot):
            self._avg = current
            self._arrays.clear()
            return current
        return snapshot

    def _term_arrays(self, term: str, avg: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """The slots holding ``term`` and their saturated, weighted, length-normalised term
        frequency ``tf~ (k1 + 1) / (tf~ + k1)``; cached until the term's postings change."""
        arrays = self._arrays.get(term)
        if arrays is None:
            postings = self._postings.get(term)
            if not postings:
                return None
            slots = np.fromiter(postings.keys(), dtype=np.int64, count=len(postings))
            tfs = np.array(list(postings.values()), dtype=np.float64).T
            norm = (1.0 - self.b) + self.b * self._lengths[:, slots] / avg[:, None]
            tf = (self.weights[:, None] * tfs / norm).sum(axis=0)
            arrays = (slots, tf * (self.k1 + 1.0) / (tf + self.k1))
            self._arrays[term] = arrays
        return arrays

    def scores(self, query: Mapping[str, float]) -> np.ndarray:
        """The score of every slot for a weighted query (zero where no term matches)."""
        n_docs = len(self._slot)
        scores = np.zeros(len(self._ids), dtype=np.float64)
        if n_docs == 0:
            return scores
        avg = self._average_lengths()
        for term, weight in query.items():
            if weight <= 0:
                continue
            arrays = self._term_arrays(term, avg)
            if arrays is None:
                continue
            slots, saturated = arrays
            df = slots.shape[0]
            idf = math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
            scores[slots] += (weight * idf) * saturated
        return scores

    def search(
        self,
        query: Mapping[str, float],
        *,
        limit: int = 10,
        accept: Callable[[Hashable], bool] | None = None,
    ) -> list[Hit]:
        """The ``limit`` best documents for the query, best first; ``accept`` filters ids (a
        rejected document does not take a place)."""
        if limit <= 0:
            return []
        scores = self.scores(query)
        matched = np.flatnonzero(scores > 0)
        if matched.size == 0:
            return []
        hits: list[Hit] = []
        # Try the best few first; go through every match only when the filter rejects many.
        first = min(matched.size, max(limit * 8, 64))
        for pool in (first, matched.size):
            if pool < matched.size:
                part = np.argpartition(-scores[matched], pool - 1)[:pool]
                candidates = matched[part]
            else:
                candidates = matched
            order = candidates[np.lexsort((candidates, -scores[candidates]))]
            hits = []
            for slot in order:
                doc_id = self._ids[int(slot)]
                if doc_id is None or (accept is not None and not accept(doc_id)):
                    continue
                hits.append(Hit(doc_id, float(scores[slot])))
                if len(hits) == limit:
                    return hits
            if pool == matched.size:
                break
        return hits
