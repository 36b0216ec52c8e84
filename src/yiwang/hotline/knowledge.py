"""Searching the knowledge base: a per-process BM25F index over the entries' questions and
answers, kept current one entry at a time.

``search_knowledge`` is the one read path (the KB pages, the API and the agent workbench use
it). The index is built on first use. A save or delete of an entry updates this process's index
at once (signal receivers in ``models``) and announces the change through the shared cache;
another process notices within ``CHECK_SECONDS`` and re-reads only the entries whose
``updated_at`` differs from what it holds (no full rebuild). A change to the search dictionary
(words, synonym groups) re-tokenises everything, since it changes how texts are cut.

Expired entries, drafts, entries not yet in force and entries past their expiry date are never
suggested (``include_unpublished`` shows drafts and expired ones to the pages that manage them).
"""

from __future__ import annotations

import html
import re
import threading
import time
import uuid
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.errors import ValidationFailed
from yiwang.hotline.models import DictionaryWord, EntryStatus, KnowledgeEntry, SynonymGroup
from yiwang.nlp.search import BM25Index
from yiwang.nlp.tokenize import add_words, is_stop_word, reset, tokenize

CHECK_SECONDS = 5.0
ENTRIES_VERSION_KEY = "hotline:kb-entries-version"
DICTIONARY_VERSION_KEY = "hotline:kb-dictionary-version"
MAX_QUERY_CHARS = 500
MAX_LIMIT = 50
# The question says what an entry is about; the answer is long and repeats words loosely.
# The question's single characters are a third, weaker field: they let a citizen's wording meet
# the official one where the words differ but share characters (申请/申领, 领/领取).
FIELD_WEIGHTS = {"question": 2.5, "answer": 1.0, "question_chars": 0.5}
CHAR_PREFIX = "\x01"
SYNONYM_WEIGHT = 0.8


@dataclass(frozen=True)
class KnowledgeHit:
    id: int
    question: str
    answer: str
    score: float
    question_html: str
    answer_html: str
    category: str | None
    department: str | None
    reference: str = ""
    status: str = EntryStatus.PUBLISHED


@dataclass(frozen=True, slots=True)
class _Meta:
    reference: str
    question: str
    answer: str
    status: str
    effective_from: date | None
    expires_on: date | None
    category: str | None
    category_parent: str | None
    department_code: str | None
    department_name: str | None
    area_path: str | None
    stamp: Any


_FIELDS = (
    "id",
    "external_id",
    "question",
    "answer",
    "status",
    "effective_from",
    "expires_on",
    "category__code",
    "category__parent__code",
    "department__code",
    "department__name",
    "area__path",
    "updated_at",
)


def _meta(row: tuple[Any, ...]) -> _Meta:
    return _Meta(*row[1:])


class _State:
    def __init__(self) -> None:
        self.index = BM25Index(FIELD_WEIGHTS)
        self.meta: dict[int, _Meta] = {}
        self.synonyms: dict[str, tuple[str, ...]] = {}
        self.entries_version: Any = None
        self.dictionary_version: Any = None
        self.fresh_until = 0.0
        self.build_seconds = 0.0

    def put(self, row: tuple[Any, ...]) -> None:
        meta = _meta(row)
        self.meta[row[0]] = meta
        self.index.put(
            row[0],
            {
                "question": tokenize(meta.question),
                "answer": tokenize(meta.answer),
                "question_chars": _chars(meta.question),
            },
        )

    def drop(self, pk: int) -> None:
        self.meta.pop(pk, None)
        self.index.remove(pk)


def _chars(text: str) -> list[str]:
    """The text's Chinese characters (not stop words), each as a token of its own kind."""
    return [CHAR_PREFIX + ch for ch in text if "\u4e00" <= ch <= "\u9fff" and not is_stop_word(ch)]


_lock = threading.RLock()
_state: _State | None = None


def _load_dictionary(state: _State) -> None:
    """Teach the tokenizer the stewards' words and synonyms; remember the synonym groups."""
    reset()
    words = list(DictionaryWord.objects.filter(is_active=True).values_list("word", flat=True))
    synonyms: dict[str, set[str]] = {}
    for group in SynonymGroup.objects.filter(is_active=True):
        terms = group.term_list()
        words.extend(terms)
        for term in terms:
            synonyms.setdefault(term, set()).update(t for t in terms if t != term)
    add_words(words)
    state.synonyms = {term: tuple(sorted(others)) for term, others in synonyms.items()}


def _build() -> _State:
    started = time.perf_counter()
    state = _State()
    state.entries_version = cache.get(ENTRIES_VERSION_KEY)
    state.dictionary_version = cache.get(DICTIONARY_VERSION_KEY)
    _load_dictionary(state)
    for row in KnowledgeEntry.objects.values_list(*_FIELDS).order_by("id").iterator(2000):
        state.put(row)
    state.build_seconds = time.perf_counter() - started
    state.fresh_until = time.monotonic() + CHECK_SECONDS
    return state


def _reconcile(state: _State) -> None:
    """Re-read the entries whose stamp differs from the index's; drop the deleted ones."""
    current = dict(KnowledgeEntry.objects.values_list("id", "updated_at"))
    stale = [
        pk for pk, stamp in current.items() if (m := state.meta.get(pk)) is None or m.stamp != stamp
    ]
    for pk in [pk for pk in state.meta if pk not in current]:
        state.drop(pk)
    for start in range(0, len(stale), 1000):
        chunk = stale[start : start + 1000]
        for row in KnowledgeEntry.objects.filter(pk__in=chunk).values_list(*_FIELDS):
            state.put(row)


def _current() -> _State:
    global _state
    with _lock:
        state = _state
        now = time.monotonic()
        if state is not None and now < state.fresh_until:
            return state
        dictionary_version = cache.get(DICTIONARY_VERSION_KEY)
        if state is None or state.dictionary_version != dictionary_version:
            state = _build()
        else:
            entries_version = cache.get(ENTRIES_VERSION_KEY)
            if entries_version != state.entries_version:
                state.entries_version = entries_version
                _reconcile(state)
            state.fresh_until = now + CHECK_SECONDS
        _state = state
        return state


def _announce(key: str) -> None:
    cache.set(key, uuid.uuid4().hex, timeout=None)


def entry_changed(pk: int | None) -> None:
    """An entry was saved or deleted: update this process's index now, and tell the others now
    and again when the transaction commits (a rolled-back change is undone by the next
    reconcile, which compares every entry's stamp)."""
    if pk is None:
        return
    with _lock:
        state = _state
        if state is not None:
            row = KnowledgeEntry.objects.filter(pk=pk).values_list(*_FIELDS).first()
            if row is None:
                state.drop(pk)
            else:
                state.put(row)
            # Reconcile at the next read too, so a rollback is noticed in this process.
            state.fresh_until = 0.0
    _announce(ENTRIES_VERSION_KEY)
    transaction.on_commit(lambda: _announce(ENTRIES_VERSION_KEY))


def entries_changed() -> None:
    """Many entries changed without signals (bulk import): reconcile at the next read."""
    with _lock:
        if _state is not None:
            _state.fresh_until = 0.0
    _announce(ENTRIES_VERSION_KEY)
    transaction.on_commit(lambda: _announce(ENTRIES_VERSION_KEY))


def dictionary_changed() -> None:
    """A dictionary word or synonym group changed: re-tokenise everything at the next read."""
    with _lock:
        if _state is not None:
            _state.fresh_until = 0.0
            _state.dictionary_version = object()  # never equal: rebuild
    _announce(DICTIONARY_VERSION_KEY)
    transaction.on_commit(lambda: _announce(DICTIONARY_VERSION_KEY))


def forget_index() -> None:
    """Drop this process's index (tests, after loads); the next search rebuilds it."""
    global _state
    with _lock:
        _state = None


def warm_index() -> dict[str, float]:
    """Build the index now; returns its size and build time (for the benchmark and loaders)."""
    forget_index()
    state = _current()
    return {"entries": float(len(state.meta)), "build_seconds": state.build_seconds}


# -- queries ---------------------------------------------------------------------------------


def _check_text(query: str) -> str:
    text = (query or "").strip()
    if not text:
        raise ValidationFailed(_("Enter words to search for."), field="q")
    if len(text) > MAX_QUERY_CHARS:
        raise ValidationFailed(
            _("The query is too long: at most %(max)d characters.") % {"max": MAX_QUERY_CHARS},
            field="q",
        )
    return text


def parse_query(query: str) -> list[str]:
    """The query's search tokens; refuses empty, over-long and stop-word-only queries."""
    tokens = tokenize(_check_text(query))
    if not tokens:
        raise ValidationFailed(
            _(
                "The query has only common words (like 请问, 怎么, 的); "
                "add what the question is about."
            ),
            field="q",
        )
    return tokens


def _weighted(tokens: Iterable[str], synonyms: dict[str, tuple[str, ...]]) -> dict[str, float]:
    weights: dict[str, float] = {}
    for token in tokens:
        weights[token] = 1.0
    for token in list(weights):
        for other in synonyms.get(token, ()):
            weights[other] = max(weights.get(other, 0.0), SYNONYM_WEIGHT)
    return weights


def highlight(text: str, terms: Iterable[str]) -> str:
    """``text`` HTML-escaped, with every occurrence of a term wrapped in ``<mark>``."""
    ordered = sorted({t for t in terms if t}, key=len, reverse=True)
    if not ordered:
        return html.escape(text)
    pattern = re.compile("|".join(re.escape(t) for t in ordered), re.IGNORECASE)
    out: list[str] = []
    last = 0
    for match in pattern.finditer(text):
        out.append(html.escape(text[last : match.start()]))
        out.append(f"<mark>{html.escape(match.group(0))}</mark>")
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out).replace("</mark><mark>", "")


def _area_path(code: str) -> str:
    from yiwang.geo.models import Region

    path = Region.objects.filter(code=code).values_list("path", flat=True).first()
    if path is None:
        raise ValidationFailed(_("Unknown area code: %(code)s") % {"code": code}, field="area")
    return str(path)


def search_knowledge(
    query: str,
    *,
    limit: int = 5,
    category: str | None = None,
    department: str | None = None,
    area: str | None = None,
    include_unpublished: bool = False,
) -> list[KnowledgeHit]:
    """The entries that best answer ``query``, best first.

    ``category`` is a category code (a class code also matches its subclasses); ``department``
    a department code or name; ``area`` a region code (entries for the whole city, for the
    area's parents, the area itself or places inside it match). Raises ``ValidationFailed``
    (field ``q``) for an empty, over-long or stop-word-only query."""
    _check_text(query)
    limit = max(1, min(int(limit), MAX_LIMIT))
    area_path = _area_path(area) if area else None
    today = timezone.localdate()

    with _lock:
        # The index first: catching up may teach the tokenizer the stewards' new words, and
        # the query must be cut the way the entries were.
        state = _current()
        tokens = parse_query(query)
        weights = _weighted(tokens, state.synonyms)
        # Single characters (去, 哪) would mark half an answer; they are marked only when the
        # query has nothing longer.
        terms = [t for t in weights if len(t) > 1] or list(weights)
        for char in _chars(query):
            weights.setdefault(char, 1.0)
        meta = state.meta

        def accept(doc_id: Hashable) -> bool:
            m = meta.get(doc_id)  # type: ignore[call-overload]
            if m is None:
                return False
            in_force = m.status == EntryStatus.PUBLISHED and not (
                (m.effective_from is not None and m.effective_from > today)
                or (m.expires_on is not None and m.expires_on < today)
            )
            if not (in_force or include_unpublished):
                return False
            if category and category not in (m.category, m.category_parent):
                return False
            if department and department not in (m.department_code, m.department_name):
                return False
            return not (
                area_path
                and m.area_path is not None
                and not area_path.startswith(m.area_path)
                and not m.area_path.startswith(area_path)
            )

        found = state.index.search(weights, limit=limit, accept=accept)
        hits = [(h, meta[h.doc_id]) for h in found]  # type: ignore[index]
    return [
        KnowledgeHit(
            id=int(h.doc_id),  # type: ignore[call-overload]
            question=m.question,
            answer=m.answer,
            score=round(h.score, 4),
            question_html=highlight(m.question, terms),
            answer_html=highlight(m.answer, terms),
            category=m.category,
            department=m.department_name,
            reference=m.reference,
            status=m.status,
        )
        for h, m in hits
    ]
