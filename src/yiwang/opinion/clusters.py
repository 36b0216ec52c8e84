"""Clusters of similar requests: TF-IDF vectors of the texts' terms, MiniBatchKMeans, then
clusters whose centres point the same way merged (k-means splits a big topic rather than leave
a small one alone). Each cluster is labelled by the heaviest terms of its centre."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from sklearn.cluster import MiniBatchKMeans
from sklearn.feature_extraction.text import TfidfVectorizer

from yiwang.opinion.text import drop_fragments

MERGE_SIMILARITY = 0.5
# A request joins its cluster only when this close to the centre (cosine): k-means puts every
# request somewhere, and the odd ones would blur the cluster's label and inflate its count.
MEMBER_SIMILARITY = 0.3


@dataclass(frozen=True)
class Cluster:
    label: str
    keywords: list[str]
    count: int
    share: float
    examples: list[tuple[str, str]]  # (number, title), nearest the centre first
    trend: list[int] = field(default_factory=list)
    members: list[int] = field(default_factory=list)  # indexes into the input


def _identity(doc: list[str]) -> list[str]:
    return doc


def _merge(centres: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Join clusters whose centres' cosine similarity is above ``MERGE_SIMILARITY``."""
    norms = np.linalg.norm(centres, axis=1, keepdims=True)
    unit = centres / np.where(norms == 0, 1, norms)
    similar = unit @ unit.T
    parent = list(range(len(centres)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(centres)):
        for j in range(i + 1, len(centres)):
            if similar[i, j] > MERGE_SIMILARITY:
                parent[root(j)] = root(i)
    return np.array([root(int(label)) for label in labels])


def cluster_texts(
    docs: list[list[str]],
    *,
    numbers: list[str],
    titles: list[str],
    day_index: list[int],
    days: int,
    max_clusters: int = 12,
    min_size: int = 2,
    seed: int = 0,
) -> list[Cluster]:
    """Clusters of ``docs`` (token lists), biggest first; those under ``min_size`` dropped."""
    kept = [i for i, doc in enumerate(docs) if doc]
    if len(kept) < 2 * min_size:
        return []
    vectorizer = TfidfVectorizer(
        analyzer=_identity, min_df=2 if len(kept) >= 20 else 1, max_df=0.5, sublinear_tf=True
    )
    try:
        matrix = vectorizer.fit_transform([docs[i] for i in kept])
    except ValueError:  # no term left after the frequency cuts
        return []
    # Twice as many clusters as are shown, then merged: k-means would rather split a big
    # topic than leave a small one alone.
    k = max(2, min(2 * max_clusters, round(math.sqrt(len(kept))), len(kept) - 1))
    model = MiniBatchKMeans(
        n_clusters=k, random_state=seed, n_init=5, batch_size=2048, max_iter=200
    ).fit(matrix)
    labels = _merge(model.cluster_centers_, model.labels_)
    vocabulary = np.array(vectorizer.get_feature_names_out())
    total = len(docs)
    clusters = []
    for label in sorted(set(labels.tolist())):
        rows = np.flatnonzero(labels == label)
        centre = np.asarray(matrix[rows].mean(axis=0)).ravel()
        norm = np.linalg.norm(centre)
        if norm == 0:
            continue
        similarity = np.asarray(matrix[rows] @ (centre / norm)).ravel()
        close = similarity >= MEMBER_SIMILARITY
        rows, similarity = rows[close], similarity[close]
        if len(rows) < min_size:
            continue
        centre = np.asarray(matrix[rows].mean(axis=0)).ravel()
        order = np.argsort(-centre)[:12]
        weights = {str(vocabulary[i]): float(centre[i]) * 1000 for i in order}
        top_terms = drop_fragments([str(vocabulary[i]) for i in order], weights)[:6]
        nearest = rows[np.argsort(-similarity)][:3]
        members = [kept[r] for r in rows]
        trend = [0] * days
        for m in members:
            if 0 <= day_index[m] < days:
                trend[day_index[m]] += 1
        clusters.append(
            Cluster(
                label=" · ".join(top_terms[:3]),
                keywords=top_terms,
                count=len(rows),
                share=len(rows) / total,
                examples=[(numbers[kept[r]], titles[kept[r]]) for r in nearest],
                trend=trend,
                members=members,
            )
        )
    clusters.sort(key=lambda c: (-c.count, c.label))
    return clusters
