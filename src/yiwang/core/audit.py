"""Writing and verifying the hash-chained audit log.

``record_audit()`` is the only way a record is written. Callers are services, inside their own
``transaction.atomic()``, so the record commits or rolls back with the change it describes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from yiwang.core import context
from yiwang.core.choices import AuditResult
from yiwang.core.models import AuditChainHead, AuditRecord

GENESIS_HASH = "0" * 64
PURGE_ACTION = "audit.purged"


def _jsonable(value: Any) -> Any:
    """What the JSON column will hand back, so the hash of a stored record can be recomputed."""
    if value is None:
        return None
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def _content(record: AuditRecord) -> dict[str, Any]:
    created = record.created_at.astimezone(UTC).isoformat(timespec="microseconds")
    return {
        "created_at": created,
        "actor_id": record.actor_id,
        "actor_username": record.actor_username,
        "action": record.action,
        "object_type": record.object_type,
        "object_id": record.object_id,
        "object_repr": record.object_repr,
        "before": record.before,
        "after": record.after,
        "result": record.result,
        "request_id": record.request_id,
        "client_address": record.client_address,
    }


def compute_hash(record: AuditRecord) -> str:
    canonical = json.dumps(
        _content(record), ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256((record.previous_hash + canonical).encode("utf-8")).hexdigest()


def record_audit(
    action: str,
    *,
    actor: Any | None,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    result: str = AuditResult.SUCCESS,
) -> AuditRecord:
    """Append one record to the audit chain, in the caller's transaction."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    actor_obj = actor if actor is not None and getattr(actor, "pk", None) else None
    ctx = context.current()
    # No savepoint of its own: a failure here must roll back the caller's whole change anyway.
    with transaction.atomic(savepoint=False):
        head = AuditChainHead.objects.select_for_update().get(pk=1)
        record = AuditRecord(
            created_at=timezone.now(),
            actor=actor_obj,
            actor_username=getattr(actor, "username", "") or "",
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr[:200],
            before=_jsonable(before),
            after=_jsonable(after),
            result=result,
            request_id=ctx.request_id,
            client_address=ctx.client_address,
            previous_hash=head.last_hash,
        )
        record.entry_hash = compute_hash(record)
        record.save()
        head.last_hash = record.entry_hash
        head.last_record_id = record.pk
        head.save(update_fields=["last_hash", "last_record_id"])
    return record


@dataclass(frozen=True)
class AuditEntry:
    """One record for ``record_audits``."""

    action: str
    obj: Model | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


def record_audits(entries: list[AuditEntry], *, actor: Any | None) -> list[AuditRecord]:
    """Append many records by one actor in one step (bulk operations): the chain head is taken
    once, the records are linked in order and inserted together, in the caller's transaction."""
    if not entries:
        return []
    actor_obj = actor if actor is not None and getattr(actor, "pk", None) else None
    ctx = context.current()
    with transaction.atomic(savepoint=False):
        head = AuditChainHead.objects.select_for_update().get(pk=1)
        previous = head.last_hash
        records = []
        for entry in entries:
            obj = entry.obj
            record = AuditRecord(
                created_at=timezone.now(),
                actor=actor_obj,
                actor_username=getattr(actor, "username", "") or "",
                action=entry.action,
                object_type=obj._meta.label_lower if obj is not None else "",
                object_id=str(obj.pk) if obj is not None else "",
                object_repr=str(obj)[:200] if obj is not None else "",
                before=_jsonable(entry.before),
                after=_jsonable(entry.after),
                result=AuditResult.SUCCESS,
                request_id=ctx.request_id,
                client_address=ctx.client_address,
                previous_hash=previous,
            )
            record.entry_hash = previous = compute_hash(record)
            records.append(record)
        AuditRecord.objects.bulk_create(records)
        head.last_hash = previous
        head.last_record_id = records[-1].pk
        head.save(update_fields=["last_hash", "last_record_id"])
    return records


@dataclass(frozen=True)
class VerifyResult:
    checked: int
    first_broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


def verify_chain(progress: Callable[[int], None] | None = None) -> VerifyResult:
    """Walk the whole chain in order; name the first record whose links or content do not hold.

    A chain that starts after a retention purge is anchored by the ``audit.purged`` record that
    the purge wrote, which names the last hash it removed.
    """
    purge_anchors = {
        (r.after or {}).get("last_hash")
        for r in AuditRecord.objects.filter(action=PURGE_ACTION).only("after")
    }
    expected_previous: str | None = None
    checked = 0
    for record in _iterate():
        if expected_previous is None:
            if record.previous_hash != GENESIS_HASH and record.previous_hash not in purge_anchors:
                return VerifyResult(checked, record.pk, "the chain does not start at its origin")
        elif record.previous_hash != expected_previous:
            return VerifyResult(checked, record.pk, "link to the previous record is broken")
        if compute_hash(record) != record.entry_hash:
            return VerifyResult(checked, record.pk, "content does not match its hash")
        expected_previous = record.entry_hash
        checked += 1
        if progress is not None:
            progress(1)
    head = AuditChainHead.objects.get(pk=1)
    if checked and head.last_hash != expected_previous:
        return VerifyResult(checked, head.last_record_id, "records after the last one are missing")
    return VerifyResult(checked)


def _iterate() -> Iterator[AuditRecord]:
    last_id = 0
    while True:
        batch = list(AuditRecord.objects.filter(id__gt=last_id).order_by("id")[:2000])
        if not batch:
            return
        yield from batch
        last_id = batch[-1].pk


def purge_expired(*, actor: Any | None, now: datetime | None = None) -> int:
    """Remove records older than AUDIT_RETENTION_DAYS, leaving an anchor for verification."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    with transaction.atomic():
        expired = AuditRecord.objects.filter(created_at__lt=cutoff).order_by("-id")
        last = expired.first()
        if last is None:
            return 0
        count = expired.count()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {AuditRecord._meta.db_table} WHERE id <= %s", [last.pk])
        record_audit(
            PURGE_ACTION,
            actor=actor,
            object_type="core.auditrecord",
            after={"through_id": last.pk, "last_hash": last.entry_hash, "count": count},
        )
    return count


def save_audited(
    obj: Model,
    *,
    actor: Any | None,
    changed: Iterable[str],
    action: str,
    check: Callable[[], None] | None = None,
    value: Callable[[Model, str], Any] | None = None,
) -> Model:
    """Validate and save one configuration record (a department, a category, a legacy
    hotline …), writing what changed to the audit log as ``<action>_created`` or
    ``<action>_updated``. ``changed`` names the fields a form changed; an unchanged record is not
    saved. ``check`` runs the record's own rules inside the transaction, after the row is
    locked; ``value`` renders a field for the audit record (default: its serialisable value)."""
    from django.core.exceptions import ValidationError as DjangoValidationError

    from yiwang.core.errors import ValidationFailed

    def shown(record: Model, field: str) -> Any:
        return value(record, field) if value else record.serializable_value(field)

    concrete = [f.name for f in obj._meta.concrete_fields if not f.primary_key]
    fields = sorted(set(changed) & set(concrete))
    created = obj.pk is None
    if not created and not fields:
        return obj
    try:
        obj.full_clean()
    except DjangoValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), details=exc.message_dict) from exc
    with transaction.atomic():
        before = None
        if not created:
            old = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
            before = {f: shown(old, f) for f in fields}
        if check is not None:
            check()
        obj.save(update_fields=None if created else fields)
        record_audit(
            f"{action}_{'created' if created else 'updated'}",
            actor=actor,
            obj=obj,
            before=before,
            after={f: shown(obj, f) for f in (fields or concrete)},
        )
    return obj
