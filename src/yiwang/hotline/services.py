"""Knowledge-base write paths: create, edit (a new version), change status, delete, import.

Every write is one transaction with its audit record. Each saved version of an entry is kept
in ``KnowledgeVersion`` (its full content, the fields that changed, who and when), so the
previous text is never lost. Input comes as plain values (codes, usernames, ISO dates) from the
pages, the API and import files alike, and is checked by ``clean_entry_data``, which names the
field of every problem.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.audit import record_audit
from yiwang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yiwang.core.scoping import roles_of
from yiwang.geo.models import Region
from yiwang.hotline import knowledge
from yiwang.hotline.models import (
    DictionaryWord,
    EntryStatus,
    KnowledgeEntry,
    KnowledgeVersion,
    SynonymGroup,
    split_terms,
)
from yiwang.org.models import Department
from yiwang.workorders.models import Category

EDITORS = frozenset({"data_steward"})
READERS = EDITORS | frozenset(
    {
        "hotline_agent",
        "city_dispatcher",
        "county_dispatcher",
        "town_dispatcher",
        "dept_handler",
        "dept_liaison",
        "leader",
        "auditor",
        "grid_worker",
    }
)

MAX_QUESTION = 500
MAX_ANSWER = 20_000
MAX_POLICY_DOCUMENTS = 20
REFERENCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
# The content a version keeps, in the order the pages and exports show it.
CONTENT_FIELDS = (
    "question",
    "answer",
    "category",
    "department",
    "area",
    "policy_documents",
    "effective_from",
    "expires_on",
    "review_cycle_days",
    "owner",
    "status",
    "source",
)
COLUMNS = ("reference", *CONTENT_FIELDS)


def can_read(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False) or roles_of(user) & READERS)


def can_edit(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False) or roles_of(user) & EDITORS)


def _require_editor(actor: Any) -> None:
    if actor is not None and not can_edit(actor):
        raise PermissionDenied(_("Only data stewards may change the knowledge base."))


# -- input -----------------------------------------------------------------------------------


@dataclass
class Cleaned:
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value: Any, name: str, errors: dict[str, str]) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value.date() if hasattr(value, "date") and callable(value.date) else value
    try:
        return date.fromisoformat(_text(value)[:10])
    except ValueError:
        errors[name] = _("Not a date (use YYYY-MM-DD): %(value)s") % {"value": _text(value)}
        return None


class _Lookups:
    """Codes → rows, read once per import or edit."""

    def __init__(self) -> None:
        self._categories: dict[str, Category] | None = None
        self._departments: dict[str, Department] | None = None
        self._regions: dict[str, Region] = {}
        self._users: dict[str, Any] = {}

    def category(self, code: str) -> Category | None:
        if self._categories is None:
            self._categories = {c.code: c for c in Category.objects.all()}
        return self._categories.get(code)

    def department(self, code_or_name: str) -> Department | None:
        if self._departments is None:
            self._departments = {}
            for d in Department.objects.all():
                self._departments.setdefault(d.name, d)
                self._departments[d.code] = d
        return self._departments.get(code_or_name)

    def region(self, code: str) -> Region | None:
        if code not in self._regions:
            region = Region.objects.defer("geometry").filter(code=code).first()
            if region is None:
                return None
            self._regions[code] = region
        return self._regions[code]

    def user(self, username: str) -> Any:
        if username not in self._users:
            self._users[username] = get_user_model().objects.filter(username=username).first()
        return self._users[username]


def clean_entry_data(
    data: Mapping[str, Any], *, lookups: _Lookups | None = None, partial: bool = False
) -> Cleaned:
    """Check plain input and turn it into model values. With ``partial`` only the keys given
    are checked (an edit); otherwise question and answer are required."""
    lookups = lookups or _Lookups()
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    unknown = sorted(set(data) - set(COLUMNS))
    for name in unknown:
        errors[name] = _("Unknown field.")

    def given(name: str) -> bool:
        return name in data or not partial

    if "reference" in data and _text(data["reference"]):
        ref = _text(data["reference"])
        if not REFERENCE_RE.match(ref):
            errors["reference"] = _(
                "A reference is 1–40 letters, digits, dots, dashes or underscores."
            )
        values["external_id"] = ref
    if given("question"):
        question = " ".join(_text(data.get("question")).split())
        if not question:
            errors["question"] = _("Enter the question.")
        elif len(question) > MAX_QUESTION:
            errors["question"] = _("The question is too long: at most %(max)d characters.") % {
                "max": MAX_QUESTION
            }
        values["question"] = question
    if given("answer"):
        answer = _text(data.get("answer")).replace("\r\n", "\n")
        if not answer:
            errors["answer"] = _("Enter the answer.")
        elif len(answer) > MAX_ANSWER:
            errors["answer"] = _("The answer is too long: at most %(max)d characters.") % {
                "max": MAX_ANSWER
            }
        values["answer"] = answer
    if given("category"):
        code = _text(data.get("category"))
        values["category"] = None
        if code:
            category = lookups.category(code)
            if category is None:
                errors["category"] = _("Unknown category code: %(code)s") % {"code": code}
            values["category"] = category
    if given("department"):
        code = _text(data.get("department"))
        values["department"] = None
        if code:
            department = lookups.department(code)
            if department is None:
                errors["department"] = _("Unknown department: %(code)s") % {"code": code}
            values["department"] = department
    if given("area"):
        code = _text(data.get("area"))
        values["area"] = None
        if code:
            region = lookups.region(code)
            if region is None:
                errors["area"] = _("Unknown area code: %(code)s") % {"code": code}
            values["area"] = region
    if given("policy_documents"):
        raw = data.get("policy_documents") or []
        if isinstance(raw, str):
            raw = [p for p in re.split(r"[\n;；]+", raw)]
        if not isinstance(raw, list | tuple):
            errors["policy_documents"] = _("Give a list of document titles.")
            raw = []
        docs = [_text(p) for p in raw if _text(p)]
        if len(docs) > MAX_POLICY_DOCUMENTS or any(len(d) > 200 for d in docs):
            errors["policy_documents"] = _(
                "At most %(max)d documents of at most 200 characters each."
            ) % {"max": MAX_POLICY_DOCUMENTS}
        values["policy_documents"] = docs
    for name in ("effective_from", "expires_on"):
        if given(name):
            values[name] = _date(data.get(name), name, errors)
    if given("review_cycle_days"):
        raw_cycle = _text(data.get("review_cycle_days"))
        values["review_cycle_days"] = None
        if raw_cycle:
            try:
                cycle = int(raw_cycle)
                if not 1 <= cycle <= 3650:
                    raise ValueError
                values["review_cycle_days"] = cycle
            except ValueError:
                errors["review_cycle_days"] = _("A whole number of days from 1 to 3650.")
    if given("owner"):
        username = _text(data.get("owner"))
        values["owner"] = None
        if username:
            owner = lookups.user(username)
            if owner is None:
                errors["owner"] = _("No such user: %(name)s") % {"name": username}
            values["owner"] = owner
    if given("status"):
        status = _text(data.get("status")) or EntryStatus.DRAFT
        if status not in EntryStatus.values:
            errors["status"] = _("Status must be one of: %(values)s") % {
                "values": ", ".join(EntryStatus.values)
            }
        values["status"] = status
    if given("source"):
        source = _text(data.get("source"))
        if len(source) > 500:
            errors["source"] = _("At most 500 characters.")
        values["source"] = source[:500]
    return Cleaned(values, errors)


def _check_dates(entry_values: Mapping[str, Any], errors: dict[str, str]) -> None:
    start, end = entry_values.get("effective_from"), entry_values.get("expires_on")
    if start and end and end < start:
        errors["expires_on"] = _("The expiry date is before the effective date.")


def _raise(errors: Mapping[str, str]) -> None:
    if errors:
        name, message = next(iter(errors.items()))
        raise ValidationFailed(
            message if len(errors) == 1 else _("Some fields are not valid."),
            field=name,
            details={"field": name, "fields": dict(errors)},
        )


# -- content and versions ---------------------------------------------------------------------


def content_of(entry: KnowledgeEntry) -> dict[str, Any]:
    """The entry's content as plain values (the version snapshot and the export row)."""
    return {
        "question": entry.question,
        "answer": entry.answer,
        "category": entry.category.code if entry.category else "",
        "department": entry.department.code if entry.department else "",
        "area": entry.area.code if entry.area else "",
        "policy_documents": list(entry.policy_documents or []),
        "effective_from": entry.effective_from.isoformat() if entry.effective_from else "",
        "expires_on": entry.expires_on.isoformat() if entry.expires_on else "",
        "review_cycle_days": entry.review_cycle_days or "",
        "owner": entry.owner.username if entry.owner else "",
        "status": entry.status,
        "source": entry.source,
    }


def _version(
    entry: KnowledgeEntry, *, actor: Any, changed: list[str], note: str
) -> KnowledgeVersion:
    return KnowledgeVersion(
        entry=entry,
        version=entry.version,
        snapshot=content_of(entry),
        changed_fields=changed,
        note=note[:200],
        changed_by=actor if getattr(actor, "pk", None) else None,
        changed_at=entry.updated_at,
    )


def _new_reference() -> str:
    return f"kb-{uuid.uuid4().hex[:10]}"


def create_entry(data: Mapping[str, Any], *, actor: Any, note: str = "") -> KnowledgeEntry:
    """A new entry (a draft unless ``status`` says otherwise), version 1."""
    _require_editor(actor)
    cleaned = clean_entry_data(data)
    _check_dates(cleaned.values, cleaned.errors)
    _raise(cleaned.errors)
    values = cleaned.values
    values.setdefault("external_id", _new_reference())
    with transaction.atomic():
        if KnowledgeEntry.objects.filter(external_id=values["external_id"]).exists():
            raise Conflict(
                _("An entry with reference %(ref)s exists.") % {"ref": values["external_id"]},
                field="reference",
            )
        now = timezone.now()
        entry = KnowledgeEntry(
            **values, created_at=now, updated_at=now, updated_by=_user_or_none(actor)
        )
        entry.save()
        _version(entry, actor=actor, changed=list(CONTENT_FIELDS), note=note).save()
        record_audit("hotline.kb_entry_created", actor=actor, obj=entry, after=content_of(entry))
    return entry


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def get_entry(pk: int) -> KnowledgeEntry:
    entry = (
        KnowledgeEntry.objects.select_related("category", "department", "area", "owner")
        .defer("area__geometry")
        .filter(pk=pk)
        .first()
    )
    if entry is None:
        raise NotFound(_("No such knowledge entry."))
    return entry


def update_entry(
    entry: KnowledgeEntry,
    data: Mapping[str, Any],
    *,
    actor: Any,
    expected_version: int | None = None,
    note: str = "",
) -> KnowledgeEntry:
    """Change an entry: a new version keeping the previous one. Only the given keys change;
    ``expected_version`` refuses the edit when someone saved in between."""
    _require_editor(actor)
    cleaned = clean_entry_data(data, partial=True)
    values = cleaned.values
    values.pop("external_id", None)
    with transaction.atomic():
        current = KnowledgeEntry.objects.select_for_update().get(pk=entry.pk)
        if expected_version is not None and current.version != expected_version:
            raise Conflict(
                _(
                    "Someone saved this entry in the meantime (now version %(v)d); "
                    "reload it and make your change again."
                )
                % {"v": current.version},
                field="version",
            )
        merged = {
            "effective_from": current.effective_from,
            "expires_on": current.expires_on,
            **values,
        }
        _check_dates(merged, cleaned.errors)
        _raise(cleaned.errors)
        before = content_of(current)
        for name, value in values.items():
            setattr(current, name, value)
        after = content_of(current)
        changed = [f for f in CONTENT_FIELDS if before[f] != after[f]]
        if not changed:
            return current
        current.version += 1
        current.updated_at = timezone.now()
        current.updated_by = _user_or_none(actor)
        current.save()
        _version(current, actor=actor, changed=changed, note=note).save()
        record_audit(
            "hotline.kb_entry_updated",
            actor=actor,
            obj=current,
            before={f: before[f] for f in changed},
            after={f: after[f] for f in changed},
        )
    return current


def set_status(entry: KnowledgeEntry, status: str, *, actor: Any, note: str = "") -> KnowledgeEntry:
    """Publish, expire or return an entry to draft (a new version)."""
    return update_entry(entry, {"status": status}, actor=actor, note=note)


def delete_entry(entry: KnowledgeEntry, *, actor: Any) -> None:
    """Remove an entry and its versions; the audit record keeps its last content."""
    _require_editor(actor)
    with transaction.atomic():
        current = KnowledgeEntry.objects.select_for_update().filter(pk=entry.pk).first()
        if current is None:
            raise NotFound(_("No such knowledge entry."))
        record_audit(
            "hotline.kb_entry_deleted", actor=actor, obj=current, before=content_of(current)
        )
        current.delete()


# -- import ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    imported: bool = False
    rows: int = 0


def import_rows(
    rows: Iterable[tuple[int, Mapping[str, Any]]],
    *,
    actor: Any,
    file_errors: Iterable[RowError] = (),
    row_errors: Iterable[RowError] = (),
    skip_invalid: bool = False,
    source_name: str = "",
) -> ImportResult:
    """Create or update entries from parsed rows ``(row number, values)`` matched by
    ``reference``. A file error (unreadable file, wrong columns) stops everything. With row
    errors nothing is imported unless ``skip_invalid`` (then the good rows are, and the
    report names the skipped ones)."""
    _require_editor(actor)
    result = ImportResult(errors=list(file_errors))
    fatal = bool(result.errors)
    result.errors.extend(row_errors)
    lookups = _Lookups()
    good: list[tuple[int, dict[str, Any]]] = []
    seen: dict[str, int] = {}
    for number, data in rows:
        result.rows += 1
        cleaned = clean_entry_data(data, lookups=lookups)
        _check_dates(cleaned.values, cleaned.errors)
        ref = cleaned.values.get("external_id")
        if ref and ref in seen:
            cleaned.errors["reference"] = _("The same reference is on row %(row)d.") % {
                "row": seen[ref]
            }
        if ref:
            seen.setdefault(ref, number)
        if cleaned.errors:
            result.errors.extend(RowError(number, c, m) for c, m in cleaned.errors.items())
        else:
            good.append((number, cleaned.values))
    if fatal or not good or (result.errors and not skip_invalid):
        return result
    with transaction.atomic():
        existing = {
            e.external_id: e
            for e in KnowledgeEntry.objects.select_for_update().filter(
                external_id__in=[v["external_id"] for _n, v in good if v.get("external_id")]
            )
        }
        now = timezone.now()
        new_entries: list[KnowledgeEntry] = []
        versions: list[KnowledgeVersion] = []
        for _number, values in good:
            current = existing.get(values.get("external_id", ""))
            if current is None:
                values.setdefault("external_id", _new_reference())
                entry = KnowledgeEntry(
                    **values, created_at=now, updated_at=now, updated_by=_user_or_none(actor)
                )
                new_entries.append(entry)
                continue
            before = content_of(current)
            for name, value in values.items():
                setattr(current, name, value)
            changed = [f for f in CONTENT_FIELDS if before[f] != content_of(current)[f]]
            if not changed:
                result.unchanged += 1
                continue
            current.version += 1
            current.updated_at = now
            current.updated_by = _user_or_none(actor)
            current.save()
            versions.append(
                _version(
                    current,
                    actor=actor,
                    changed=changed,
                    note=_("import %(file)s") % {"file": source_name},
                )
            )
            result.updated += 1
        KnowledgeEntry.objects.bulk_create(new_entries, batch_size=1000)
        if new_entries and new_entries[0].pk is None:  # backends that return no ids
            ids = dict(
                KnowledgeEntry.objects.filter(
                    external_id__in=[e.external_id for e in new_entries]
                ).values_list("external_id", "pk")
            )
            for e in new_entries:
                e.pk = ids[e.external_id]
        versions.extend(
            _version(
                e,
                actor=actor,
                changed=list(CONTENT_FIELDS),
                note=_("import %(file)s") % {"file": source_name},
            )
            for e in new_entries
        )
        KnowledgeVersion.objects.bulk_create(versions, batch_size=1000)
        result.created = len(new_entries)
        result.imported = True
        record_audit(
            "hotline.kb_imported",
            actor=actor,
            object_type="hotline.knowledgeentry",
            object_repr=source_name[:200],
            after={
                "file": source_name,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "skipped_rows": sorted({e.row for e in result.errors}),
            },
        )
        knowledge.entries_changed()
    return result


# -- the search dictionary (admin) -------------------------------------------------------------


def _audit_term(action: str, obj: Any, *, actor: Any, before: Any, after: Any) -> None:
    record_audit(action, actor=actor, obj=obj, before=before, after=after)


def clean_dictionary_word(word: DictionaryWord) -> None:
    text = (word.word or "").strip().lower()
    if not text or any(ch.isspace() for ch in text) or len(text) > 40:
        raise ValidationFailed(_("A word is 1–40 characters without spaces."), field="word")
    word.word = text
    if DictionaryWord.objects.filter(word=text).exclude(pk=word.pk).exists():
        raise Conflict(_("This word is already in the dictionary."), field="word")


def save_dictionary_word(word: DictionaryWord, *, actor: Any) -> DictionaryWord:
    """Add or change a word the tokenizer keeps whole; the index re-tokenises at once."""
    clean_dictionary_word(word)
    with transaction.atomic():
        before = None
        if word.pk:
            old = DictionaryWord.objects.filter(pk=word.pk).values("word", "is_active").first()
            before = old
        word.save()
        _audit_term(
            "hotline.kb_word_saved",
            word,
            actor=actor,
            before=before,
            after={"word": word.word, "is_active": word.is_active},
        )
    return word


def clean_synonym_group(group: SynonymGroup) -> None:
    terms = split_terms(group.terms or "")
    if len(terms) < 2:
        raise ValidationFailed(_("Give at least two words."), field="terms")
    if any(len(t) > 20 for t in terms):
        raise ValidationFailed(_("Each word is at most 20 characters."), field="terms")
    group.terms = " ".join(terms)
    if len(group.terms) > 300:
        raise ValidationFailed(_("At most 300 characters in all."), field="terms")


def save_synonym_group(group: SynonymGroup, *, actor: Any) -> SynonymGroup:
    """Add or change a group of synonyms; the index re-tokenises at once."""
    clean_synonym_group(group)
    with transaction.atomic():
        before = None
        if group.pk:
            before = SynonymGroup.objects.filter(pk=group.pk).values("terms", "is_active").first()
        group.save()
        _audit_term(
            "hotline.kb_synonyms_saved",
            group,
            actor=actor,
            before=before,
            after={"terms": group.terms, "is_active": group.is_active},
        )
    return group


def delete_search_term(obj: DictionaryWord | SynonymGroup, *, actor: Any) -> None:
    with transaction.atomic():
        record_audit(
            "hotline.kb_search_term_deleted", actor=actor, obj=obj, before={"text": str(obj)}
        )
        obj.delete()
