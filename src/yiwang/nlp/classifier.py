"""The routing classifier: features, the fitted pipeline and its metrics.

Pure scikit-learn, no database: ``services`` feeds it rows and stores what it returns.

The model (chosen by repeated 5-fold cross-validation on the TipDM *train* rows only, see
``docs/routing-model.md``): TF-IDF of the words (``nlp.tokenize``) joined with TF-IDF of the
character 1–3-grams (sublinear tf) of title + text; a linear SVM with balanced class weights,
calibrated to probabilities — per class by ``CalibratedClassifierCV`` (sigmoid, 3 folds) for up
to ``PER_CLASS_CALIBRATION_MAX_LABELS`` labels, by one softmax temperature on out-of-fold
margins (``TemperatureSVC``) beyond — so ``confidence`` is a probability a threshold can use.
"""

from __future__ import annotations

import io
import logging
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import joblib
import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

ALGORITHM = "tfidf(words + char 1-3) → LinearSVC(balanced), calibrated"
BASELINE = "tfidf(jieba words) → LinearSVC"


def words(text: str) -> list[str]:
    """Chinese words of ``text`` (the project tokenizer once it exists, else jieba)."""
    try:
        from yiwang.nlp.tokenize import tokenize
    except ImportError:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        return [w for w in jieba.lcut(text) if w.strip()]
    return list(tokenize(text))


def document(title: str, text: str) -> str:
    """What the classifier reads: the title (when there is one) and the text."""
    title = (title or "").strip()
    return f"{title}\n{text}" if title else text


class TemperatureSVC(ClassifierMixin, BaseEstimator):
    """A linear SVM whose margins become probabilities by a softmax with one temperature,
    fitted on out-of-fold margins (temperature scaling, Guo et al. 2017). Unlike
    ``CalibratedClassifierCV`` it keeps one model and answers in one matrix product, so a
    suggestion over two hundred categories stays within a millisecond or two."""

    def __init__(self, C: float = 1.0, folds: int = 3, seed: int = 0) -> None:
        self.C = C
        self.folds = folds
        self.seed = seed

    def _svm(self) -> LinearSVC:
        return LinearSVC(C=self.C, class_weight="balanced")

    @staticmethod
    def _margins(decision: np.ndarray) -> np.ndarray:
        if decision.ndim == 1:  # two classes: one margin for the second
            return np.column_stack([-decision / 2, decision / 2])
        return decision

    def fit(self, X: Any, y: Sequence[str]) -> TemperatureSVC:
        y_arr = np.asarray(y)
        smallest = min(Counter(y_arr.tolist()).values())
        folds = max(2, min(self.folds, smallest))
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=self.seed)
        margins = self._margins(
            cross_val_predict(self._svm(), X, y_arr, cv=splitter, method="decision_function")
        )
        self.svm_ = self._svm().fit(X, y_arr)
        self.classes_ = self.svm_.classes_
        index = {label: i for i, label in enumerate(self.classes_)}
        truth = np.array([index[label] for label in y_arr])

        def loss(log_t: float) -> float:
            scaled = margins / np.exp(log_t)
            scaled -= scaled.max(axis=1, keepdims=True)
            log_p = scaled - np.log(np.exp(scaled).sum(axis=1, keepdims=True))
            return float(-log_p[np.arange(len(truth)), truth].mean())

        self.temperature_ = float(np.exp(minimize_scalar(loss, bounds=(-6, 4), method="bounded").x))
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        return self._margins(self.svm_.decision_function(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        scaled = self.decision_function(X) / self.temperature_
        scaled -= scaled.max(axis=1, keepdims=True)
        p = np.exp(scaled)
        return np.asarray(p / p.sum(axis=1, keepdims=True))

    def predict(self, X: Any) -> np.ndarray:
        return np.asarray(self.classes_[self.decision_function(X).argmax(axis=1)])


# Up to this many labels the SVM is calibrated per class (sigmoid, 3-fold ensemble), which
# cross-validated best on the TipDM train rows; beyond it that costs ~40 ms a suggestion (205
# labels), so a single temperature does it in ~1 ms.
PER_CLASS_CALIBRATION_MAX_LABELS = 40


def algorithm(n_labels: int) -> str:
    """How a model with ``n_labels`` labels is built (shown with each version)."""
    if n_labels <= PER_CLASS_CALIBRATION_MAX_LABELS:
        return f"{ALGORITHM} per class (sigmoid)"
    return f"{ALGORITHM} by one temperature"


def build_pipeline(n_labels: int) -> Pipeline:
    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(tokenizer=words, token_pattern=None)),
            ("chars", TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)),
        ]
    )
    classifier: Any
    if n_labels <= PER_CLASS_CALIBRATION_MAX_LABELS:
        svm = LinearSVC(C=1.0, class_weight="balanced")
        classifier = CalibratedClassifierCV(svm, method="sigmoid", cv=3)
    else:
        classifier = TemperatureSVC(C=1.0, folds=3)
    return Pipeline([("features", features), ("clf", classifier)])


def build_baseline() -> Pipeline:
    """The plain baseline the bench compares against: TF-IDF of jieba words, a linear SVM."""
    return Pipeline(
        [
            ("features", TfidfVectorizer(tokenizer=words, token_pattern=None)),
            ("clf", LinearSVC()),
        ]
    )


def fit(docs: Sequence[str], labels: Sequence[str]) -> Pipeline:
    pipeline = build_pipeline(len(set(labels)))
    pipeline.fit(list(docs), list(labels))
    return pipeline


def dumps(pipeline: Any) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer, compress=3)
    return buffer.getvalue()


def loads(blob: bytes | memoryview) -> Any:
    return joblib.load(io.BytesIO(bytes(blob)))


def metrics(
    truth: Sequence[str],
    predicted: Sequence[str],
    labels: Sequence[str],
    confidence: Sequence[float] | None = None,
) -> dict[str, Any]:
    """Accuracy, macro-F1, the confusion matrix (rows: truth, columns: predicted, in
    ``labels`` order), per-class precision/recall/F1/support and, with the top-1
    ``confidence``, the expected calibration error (10 bins)."""
    labels = list(labels)
    extra = sorted(set(truth) - set(labels))  # test labels the model never saw
    all_labels = labels + extra
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=all_labels, zero_division=0
    )
    result: dict[str, Any] = {
        "n": len(truth),
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(
            f1_score(truth, predicted, labels=sorted(set(truth)), average="macro", zero_division=0)
        ),
        "labels": all_labels,
        "confusion": confusion_matrix(truth, predicted, labels=all_labels).tolist(),
        "per_class": [
            {
                "label": label,
                "precision": float(p),
                "recall": float(r),
                "f1": float(f),
                "support": int(s),
            }
            for label, p, r, f, s in zip(all_labels, precision, recall, f1, support, strict=True)
        ],
        "unseen_labels": extra,
    }
    if confidence is not None and len(confidence):
        result["ece"] = calibration_error(truth, predicted, confidence)
    return result


def calibration_error(
    truth: Sequence[str], predicted: Sequence[str], confidence: Sequence[float], bins: int = 10
) -> float:
    right = np.array([t == p for t, p in zip(truth, predicted, strict=True)], dtype=float)
    conf = np.asarray(confidence, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    total = 0.0
    for lo, hi in pairwise(edges):
        inside = (conf > lo) & (conf <= hi) if lo > 0 else (conf >= lo) & (conf <= hi)
        if inside.any():
            total += inside.mean() * abs(right[inside].mean() - conf[inside].mean())
    return float(total)


def predict_top1(pipeline: Any, docs: Sequence[str]) -> tuple[list[str], list[float]]:
    probabilities = pipeline.predict_proba(list(docs))
    classes = pipeline.classes_
    best = probabilities.argmax(axis=1)
    confidence = [float(p[i]) for p, i in zip(probabilities, best, strict=True)]
    return [str(classes[i]) for i in best], confidence


def cross_validated(
    docs: Sequence[str], labels: Sequence[str], *, folds: int, seed: int = 0
) -> dict[str, Any]:
    """Metrics of ``folds``-fold cross-validation on the training rows."""
    counts = Counter(labels)
    folds = max(2, min(folds, min(counts.values())))
    docs_a, labels_a = np.array(list(docs), dtype=object), np.array(list(labels), dtype=object)
    truth: list[str] = []
    predicted: list[str] = []
    confidence: list[float] = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(docs_a, labels_a):
        pipeline = clone(build_pipeline(len(counts)))
        pipeline.fit(list(docs_a[train_idx]), list(labels_a[train_idx]))
        top, conf = predict_top1(pipeline, list(docs_a[test_idx]))
        truth.extend(labels_a[test_idx])
        predicted.extend(top)
        confidence.extend(conf)
    result = metrics(truth, predicted, sorted(counts), confidence)
    result["folds"] = folds
    return result
