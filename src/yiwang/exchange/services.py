"""The exchange's write paths: the catalogue, requests and grants, tokens, ingest and pull.

Each function is one transaction with its audit record; stream publishing is scheduled on
commit (``stream.after_ingest``)."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.audit import record_audit
from yiwang.core.choices import AuditResult
from yiwang.core.errors import Conflict, DomainError, ErrorCode, PermissionDenied, ValidationFailed
from yiwang.core.ratelimit import allow
from yiwang.core.workcalendar import deadline
from yiwang.exchange import store
from yiwang.exchange.access import TOKEN_PREFIX, acts_for, is_steward, token_digest
from yiwang.exchange.choices import (
    Action,
    Direction,
    Personal,
    RequestStatus,
    SharingType,
    SourceLevel,
)
from yiwang.exchange.models import (
    Batch,
    DailyVolume,
    ExchangeClient,
    Grant,
    Resource,
    SchemaVersion,
    ShareRequest,
)
from yiwang.exchange.schema import CODE_RE, CompiledSchema, clean_items, projection_plan
from yiwang.org.models import Department

BATCH_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,80}$")


class RateLimited(DomainError):
    status = 429
    code = ErrorCode.RATE_LIMITED


class PayloadTooLarge(DomainError):
    status = 413
    code = ErrorCode.BAD_REQUEST


def _require_steward(actor: Any) -> None:
    if not is_steward(actor):
        raise PermissionDenied(_("Only the data authority may do this."))


# --- catalogue -------------------------------------------------------------------------------


def register_resource(
    *,
    actor: Any,
    provider: Department,
    code: str,
    name: str,
    items: list[dict[str, Any]],
    classification: str = "department",
    theme: str = "social",
    abstract: str = "",
    format: str = "database",
    sharing_type: str = SharingType.UNCONDITIONAL,
    legal_basis: str = "",
    sharing_conditions: str = "",
    sharing_method: str = "api",
    open_attribute: str = "not_open",
    update_cycle: str = "daily",
    key_item: str = "",
    published_on: date | None = None,
    related_codes: list[str] | None = None,
    backflow_level: str = SourceLevel.LOCAL,
) -> Resource:
    """Add a catalogue entry with its first schema version. The provider's own staff or the
    data authority may; conditional and not-shared entries must name their legal basis."""
    if not acts_for(actor, provider.pk):
        raise PermissionDenied(_("You do not act for this provider."), field="provider")
    if not CODE_RE.match(code or ""):
        raise ValidationFailed(
            _("A resource code is 3–40 letters, digits, '-' or '_'."), field="code"
        )
    if not name.strip():
        raise ValidationFailed(_("A resource needs a name."), field="name")
    if sharing_type != SharingType.UNCONDITIONAL and not legal_basis.strip():
        raise ValidationFailed(
            _("Conditional and not-shared resources must name their legal basis."),
            field="legal_basis",
        )
    cleaned = clean_items(items)
    if key_item and key_item not in {i["name"] for i in cleaned}:
        raise ValidationFailed(_("The key item must be one of the data items."), field="key_item")
    with transaction.atomic():
        if Resource.objects.filter(code=code).exists():
            raise Conflict(_("Resource code %(code)s is taken.") % {"code": code}, field="code")
        resource = Resource.objects.create(
            code=code,
            name=name.strip(),
            classification=classification,
            theme=theme,
            provider=provider,
            abstract=abstract,
            format=format,
            sharing_type=sharing_type,
            legal_basis=legal_basis,
            sharing_conditions=sharing_conditions,
            sharing_method=sharing_method,
            open_attribute=open_attribute,
            update_cycle=update_cycle,
            key_item=key_item,
            items=cleaned,
            published_on=published_on or timezone.localdate(),
            backflow_level=backflow_level,
        )
        resource.full_clean(exclude=["related", "items"])
        if related_codes:
            resource.related.set(Resource.objects.filter(code__in=related_codes))
        SchemaVersion.objects.create(
            resource=resource, version=1, items=cleaned, note="", created_by=_user(actor)
        )
        record_audit(
            Action.RESOURCE_REGISTERED,
            actor=actor,
            obj=resource,
            after={"provider": provider.code, "sharing_type": sharing_type, "items": cleaned},
        )
    return resource


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) and hasattr(actor, "username") else None


def change_schema(
    resource: Resource, *, actor: Any, items: list[dict[str, Any]], note: str = ""
) -> SchemaVersion:
    """A new version of the resource's items; batches from now on are checked against it."""
    if not acts_for(actor, resource.provider_id):
        raise PermissionDenied(_("You do not act for this provider."))
    cleaned = clean_items(items)
    with transaction.atomic():
        locked = Resource.objects.select_for_update().get(pk=resource.pk)
        before = locked.items
        locked.schema_version += 1
        locked.items = cleaned
        locked.save(update_fields=["schema_version", "items", "updated_at"])
        version = SchemaVersion.objects.create(
            resource=locked,
            version=locked.schema_version,
            items=cleaned,
            note=note[:200],
            created_by=_user(actor),
        )
        record_audit(
            Action.SCHEMA_CHANGED,
            actor=actor,
            obj=locked,
            before={"version": locked.schema_version - 1, "items": before},
            after={"version": locked.schema_version, "items": cleaned},
        )
    resource.refresh_from_db()
    return version


def issue_client(department: Department, *, actor: Any, name: str) -> tuple[ExchangeClient, str]:
    """A token for a department's system; the secret is shown once."""
    if not acts_for(actor, department.pk):
        raise PermissionDenied(_("You do not act for this department."), field="department")
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        client = ExchangeClient.objects.create(
            department=department,
            name=(name or department.short_name)[:64],
            prefix=prefix,
            digest=token_digest(secret),
        )
        record_audit(
            Action.CLIENT_ISSUED,
            actor=actor,
            obj=client,
            after={"department": department.code, "prefix": prefix},
        )
    return client, secret


# --- requests and grants --------------------------------------------------------------------


def request_share(
    resource: Resource, *, actor: Any, consumer: Department, purpose: str, items: list[str]
) -> ShareRequest:
    """A department asks for a resource. Unconditional ones go to the data authority's review,
    conditional ones to the provider with a due date in working days; not-shared ones cannot
    be asked for."""
    if not acts_for(actor, consumer.pk):
        raise PermissionDenied(_("You do not act for this department."), field="consumer")
    if resource.sharing_type == SharingType.NOT_SHARED:
        raise ValidationFailed(
            _("This resource is not shared (%(basis)s).") % {"basis": resource.legal_basis},
            field="resource",
        )
    if not purpose.strip():
        raise ValidationFailed(_("Say what the data is for."), field="purpose")
    unknown = sorted(set(items) - set(resource.item_names))
    if not items or unknown:
        raise ValidationFailed(
            _("Ask for items of the resource; unknown: %(items)s.")
            % {"items": ", ".join(unknown) or "—"},
            field="items",
        )
    now = timezone.now()
    if resource.sharing_type == SharingType.CONDITIONAL:
        status = RequestStatus.PROVIDER
        due = deadline(now, settings.EXCHANGE_PROVIDER_ANSWER_DAYS, "working_days")
    else:
        status, due = RequestStatus.REVIEW, None
    with transaction.atomic():
        share = ShareRequest.objects.create(
            resource=resource,
            consumer=consumer,
            requested_by=_user(actor),
            purpose=purpose.strip(),
            items=list(dict.fromkeys(items)),
            status=status,
            due_at=due,
        )
        record_audit(
            Action.REQUESTED,
            actor=actor,
            obj=share,
            after={"resource": resource.code, "consumer": consumer.code, "items": share.items},
        )
    return share


def _may_decide(share: ShareRequest, actor: Any) -> None:
    if share.status in (RequestStatus.REVIEW, RequestStatus.DISPUTED):
        _require_steward(actor)
    elif share.status == RequestStatus.PROVIDER:
        if not acts_for(actor, share.resource.provider_id) or (
            is_steward(actor) and share.resource.provider_id not in _own(actor)
        ):
            raise PermissionDenied(_("The provider answers conditional requests."))
    else:
        raise Conflict(_("This request has been answered."), field="status")


def _own(actor: Any) -> frozenset[int]:
    from yiwang.exchange.access import departments_of

    return departments_of(actor)


def approve_request(
    share: ShareRequest,
    *,
    actor: Any,
    masked_items: list[str] | None = None,
    rate_limit: str | None = None,
    days: int | None = None,
) -> Grant:
    """Approve and grant: the requested items, personal ones masked unless said otherwise."""
    with transaction.atomic():
        share = ShareRequest.objects.select_for_update().select_related("resource").get(pk=share.pk)
        _may_decide(share, actor)
        share.status = RequestStatus.APPROVED
        share.decided_by = _user(actor)
        share.decided_at = timezone.now()
        share.save(update_fields=["status", "decided_by", "decided_at"])
        record_audit(Action.APPROVED, actor=actor, obj=share, after={"status": share.status})
        if masked_items is None:
            personal = {
                i["name"]
                for i in share.resource.items
                if i.get("personal", Personal.NO) != Personal.NO
            }
            masked_items = [name for name in share.items if name in personal]
        grant = grant_resource(
            share.resource,
            actor=actor,
            consumer=share.consumer,
            items=share.items,
            masked_items=masked_items,
            rate_limit=rate_limit,
            days=days,
            request=share,
            checked=True,
        )
    return grant


def refuse_request(share: ShareRequest, *, actor: Any, reason: str) -> ShareRequest:
    """Refuse with a reason (a dispute the data authority upholds is refused for good)."""
    if not reason.strip():
        raise ValidationFailed(_("A refusal must give its reason."), field="reason")
    with transaction.atomic():
        share = ShareRequest.objects.select_for_update().select_related("resource").get(pk=share.pk)
        _may_decide(share, actor)
        before = share.status
        share.status = RequestStatus.REFUSED
        share.reason = reason.strip()
        share.decided_by = _user(actor)
        share.decided_at = timezone.now()
        share.save(update_fields=["status", "reason", "decided_by", "decided_at"])
        record_audit(
            Action.REFUSED,
            actor=actor,
            obj=share,
            before={"status": before},
            after={"status": share.status, "reason": share.reason},
        )
    return share


def dispute_request(share: ShareRequest, *, actor: Any, reason: str) -> ShareRequest:
    """The consumer takes a refusal to the data authority (once)."""
    if not acts_for(actor, share.consumer_id):
        raise PermissionDenied(_("Only the requesting department may dispute."))
    if not reason.strip():
        raise ValidationFailed(_("Say why the refusal is wrong."), field="reason")
    with transaction.atomic():
        share = ShareRequest.objects.select_for_update().get(pk=share.pk)
        if share.status != RequestStatus.REFUSED or share.dispute_reason:
            raise Conflict(_("Only a refusal can be disputed, once."), field="status")
        share.status = RequestStatus.DISPUTED
        share.dispute_reason = reason.strip()
        share.save(update_fields=["status", "dispute_reason"])
        record_audit(Action.DISPUTED, actor=actor, obj=share, after={"reason": reason})
    return share


def grant_resource(
    resource: Resource,
    *,
    actor: Any,
    consumer: Department,
    items: list[str],
    masked_items: list[str] | None = None,
    rate_limit: str | None = None,
    days: int | None = None,
    request: ShareRequest | None = None,
    checked: bool = False,
) -> Grant:
    """A grant: which items the consumer sees, which are masked, how fast, until when."""
    if not checked:
        _require_steward(actor)
    unknown = sorted(set(items) - set(resource.item_names))
    if not items or unknown:
        raise ValidationFailed(
            _("Grant items of the resource; unknown: %(items)s.")
            % {"items": ", ".join(unknown) or "—"},
            field="items",
        )
    masked = [name for name in (masked_items or []) if name in items]
    rate = rate_limit or settings.EXCHANGE_GRANT_RATE_LIMIT
    try:
        from yiwang.core.ratelimit import parse_rate

        parse_rate(rate)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field="rate_limit") from exc
    lifetime = settings.EXCHANGE_GRANT_DAYS if days is None else days
    if lifetime <= 0:
        raise ValidationFailed(_("A grant lasts at least one day."), field="days")
    with transaction.atomic():
        grant = Grant.objects.create(
            resource=resource,
            consumer=consumer,
            request=request,
            items=list(dict.fromkeys(items)),
            masked_items=masked,
            rate_limit=rate,
            expires_at=timezone.now() + timedelta(days=lifetime),
            created_by=_user(actor),
        )
        record_audit(
            Action.GRANTED,
            actor=actor,
            obj=grant,
            after={
                "resource": resource.code,
                "consumer": consumer.code,
                "items": grant.items,
                "masked": masked,
                "rate_limit": rate,
                "expires_at": grant.expires_at,
            },
        )
    return grant


def revoke_grant(grant: Grant, *, actor: Any, reason: str = "") -> Grant:
    """Stop access now: the next pull, page of a stream or webhook attempt is refused."""
    if not (is_steward(actor) or acts_for(actor, grant.resource.provider_id)):
        raise PermissionDenied(_("Only the data authority or the provider may revoke."))
    with transaction.atomic():
        grant = Grant.objects.select_for_update().get(pk=grant.pk)
        if grant.revoked_at is not None:
            return grant
        grant.revoked_at = timezone.now()
        grant.revoke_reason = reason
        grant.save(update_fields=["revoked_at", "revoke_reason"])
        record_audit(
            Action.REVOKED,
            actor=actor,
            obj=grant,
            after={"resource": grant.resource.code, "reason": reason},
        )
    return grant


# --- volume ---------------------------------------------------------------------------------


def count_volume(
    resource_id: int,
    department_id: int,
    direction: str,
    *,
    records: int = 0,
    operations: int = 1,
    failures: int = 0,
) -> None:
    """Add to today's volume row (created on first use), in the caller's transaction."""
    day = timezone.localdate()
    changes = {
        "records": F("records") + records,
        "operations": F("operations") + operations,
        "failures": F("failures") + failures,
    }
    key = {
        "day": day,
        "resource_id": resource_id,
        "department_id": department_id,
        "direction": direction,
    }
    if DailyVolume.objects.filter(**key).update(**changes):
        return
    try:
        with transaction.atomic():
            DailyVolume.objects.create(
                **key, records=records, operations=operations, failures=failures
            )
    except IntegrityError:
        DailyVolume.objects.filter(**key).update(**changes)


# --- ingest ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IngestResult:
    batch_id: str
    records: int
    first_sequence: int
    last_sequence: int
    duplicate: bool
    schema_version: int


def _record_failure(
    resource: Resource, department_id: int, action: str, actor: Any, **after: Any
) -> None:
    with transaction.atomic():
        count_volume(
            resource.pk,
            department_id,
            Direction.IN if action == Action.PUSH_REJECTED else Direction.OUT,
            operations=1,
            failures=1,
        )
        record_audit(
            action,
            actor=actor,
            obj=resource,
            after=after,
            result=AuditResult.DENIED if action == Action.PULL_REFUSED else AuditResult.FAILURE,
        )


def ingest_batch(
    resource: Resource,
    *,
    client: ExchangeClient | None,
    batch_id: str,
    body: bytes,
    content_type: str = "application/x-ndjson",
    actor: Any = None,
) -> IngestResult:
    """Store a batch whole or not at all. Records are checked against the current schema,
    keyed and numbered; a batch id already stored for the resource returns the first answer
    and stores nothing. ``client`` is the provider's system (None for backflow runs)."""
    if client is not None and client.department_id != resource.provider_id:
        raise PermissionDenied(_("Only the provider's systems push to this resource."))
    if not BATCH_ID_RE.match(batch_id or ""):
        raise ValidationFailed(
            _("Send a Batch-Id header of 1–80 letters, digits or -_.:"), field="Batch-Id"
        )
    if len(body) > settings.EXCHANGE_BATCH_MAX_BYTES:
        raise PayloadTooLarge(
            _("A batch holds at most %(n)s bytes.") % {"n": settings.EXCHANGE_BATCH_MAX_BYTES},
            field="body",
        )
    existing = Batch.objects.filter(resource=resource, batch_id=batch_id).first()
    if existing is not None:
        return _result(existing, duplicate=True)
    schema = CompiledSchema(resource.items)
    try:
        count, chunks = store.checked_chunks(body, content_type, schema, resource.key_item)
    except UnicodeDecodeError as exc:
        raise ValidationFailed(_("The body is not UTF-8."), field="body") from exc
    provider_id = resource.provider_id
    limit = settings.EXCHANGE_BATCH_MAX_RECORDS
    if count > limit:
        _record_failure(
            resource, provider_id, Action.PUSH_REJECTED, actor, batch_id=batch_id, too_many=count
        )
        raise PayloadTooLarge(
            _("A batch holds at most %(n)s records; this one has %(m)s.")
            % {"n": limit, "m": count},
            field="body",
        )
    try:
        return _store_batch(resource, client, batch_id, count, chunks, actor)
    except _Rejected as rejected:
        problems = rejected.problems
    _record_failure(
        resource,
        provider_id,
        Action.PUSH_REJECTED,
        actor,
        batch_id=batch_id,
        records=count,
        bad_rows=len({p["row"] for p in problems}),
    )
    raise ValidationFailed(
        _("The batch was not stored: %(n)s problem(s) in its records.") % {"n": len(problems)},
        field="body",
        details={"field": "body", "rows": problems},
    )


class _Rejected(Exception):
    def __init__(self, problems: list[dict[str, Any]]) -> None:
        super().__init__("rejected")
        self.problems = problems


def _store_batch(
    resource: Resource,
    client: ExchangeClient | None,
    batch_id: str,
    count: int,
    chunks: Any,
    actor: Any,
) -> IngestResult:
    """Number, write and record the batch in one transaction; a bad record anywhere raises
    _Rejected after every chunk was checked (for the full report) and nothing stays."""
    if count == 0:
        raise _Rejected([{"row": 0, "item": "", "reason": "the batch is empty"}])
    with transaction.atomic():
        first = store.reserve_sequences(resource.pk, count)
        # Under the resource's row lock: a concurrent resend of the same batch waits here.
        existing = Batch.objects.filter(resource=resource, batch_id=batch_id).first()
        if existing is not None:
            transaction.set_rollback(True)
            return _result(existing, duplicate=True)
        batch = Batch.objects.create(
            resource=resource,
            batch_id=batch_id,
            client=client,
            record_count=count,
            first_sequence=first,
            last_sequence=first + count - 1,
            schema_version=resource.schema_version,
        )
        problems: list[dict[str, Any]] = []
        with store.RowWriter(resource.pk, first, batch.pk) as writer:
            for chunk in chunks:
                problems += chunk.problems
                if len(problems) >= store.MAX_REPORTED_ROWS:
                    break
                if not problems:
                    writer.write(chunk.rows)
            if problems:
                # Raised inside the COPY, which aborts it; the transaction rolls back.
                raise _Rejected(problems[: store.MAX_REPORTED_ROWS])
        count_volume(resource.pk, resource.provider_id, Direction.IN, records=count)
        record_audit(
            Action.PUSHED,
            actor=actor,
            obj=resource,
            after={
                "client": client.prefix if client else "backflow",
                "batch_id": batch_id,
                "records": count,
                "first": first,
                "last": batch.last_sequence,
                "items": resource.item_names,
            },
        )
        from yiwang.exchange import stream

        transaction.on_commit(lambda: stream.after_ingest(resource.pk))
    return _result(batch, duplicate=False)


def _result(batch: Batch, *, duplicate: bool) -> IngestResult:
    return IngestResult(
        batch_id=batch.batch_id,
        records=batch.record_count,
        first_sequence=batch.first_sequence,
        last_sequence=batch.last_sequence,
        duplicate=duplicate,
        schema_version=batch.schema_version,
    )


# --- pull -----------------------------------------------------------------------------------


def active_grant(resource: Resource, department_id: int, *, actor: Any = None) -> Grant:
    """The consumer's live grant, or a refusal saying why (none, expired, revoked)."""
    grants = list(Grant.objects.filter(resource=resource, consumer_id=department_id)[:20])
    now = timezone.now()
    live = [g for g in grants if g.revoked_at is None and g.expires_at > now]
    if live:
        return live[0]
    if not grants:
        reason = _("Your department has no grant for this resource.")
    elif all(g.revoked_at is not None for g in grants):
        reason = _("Your grant for this resource was revoked.")
    else:
        latest = max(g.expires_at for g in grants)
        reason = _("Your grant for this resource expired on %(date)s.") % {
            "date": timezone.localtime(latest).strftime("%Y-%m-%d")
        }
    _record_failure(resource, department_id, Action.PULL_REFUSED, actor, reason=reason)
    raise PermissionDenied(reason)


@dataclass(frozen=True)
class PulledPage:
    """A pull page; ``records`` are JSON texts, ready to be sent as they are."""

    resource: str
    records: list[str]
    next_after: int
    has_more: bool

    def to_json(self) -> str:
        return (
            f'{{"resource":{json.dumps(self.resource)},"records":[{",".join(self.records)}],'
            f'"next_after":{self.next_after},"has_more":{"true" if self.has_more else "false"}}}'
        )


def pull_records(
    resource: Resource, *, client: ExchangeClient, after: int, limit: int
) -> PulledPage:
    """A page of records after ``after`` as the consumer's grant allows: only its items,
    personal ones masked where it says. Counted, audited and rate-limited per grant."""
    if after < 0:
        raise ValidationFailed(_("'after' is a sequence number, 0 or more."), field="after")
    if not 1 <= limit <= settings.EXCHANGE_PULL_MAX_LIMIT:
        raise ValidationFailed(
            _("'limit' is between 1 and %(n)s.") % {"n": settings.EXCHANGE_PULL_MAX_LIMIT},
            field="limit",
        )
    grant = active_grant(resource, client.department_id, actor=None)
    if not allow(f"exchange:grant:{grant.pk}", grant.rate_limit):
        raise RateLimited(_("Your grant allows %(rate)s requests.") % {"rate": grant.rate_limit})
    plan = projection_plan(resource.items, grant.items, grant.masked_items)
    records, last = store.read_projected(resource.pk, resource.code, plan, after, limit)
    with transaction.atomic():
        count_volume(resource.pk, client.department_id, Direction.OUT, records=len(records))
        record_audit(
            Action.PULLED,
            actor=None,
            obj=resource,
            after={
                "consumer": client.department.code if hasattr(client, "department") else "",
                "client": client.prefix,
                "grant": grant.pk,
                "after": after,
                "records": len(records),
                "items": grant.items,
            },
        )
    return PulledPage(resource.code, records, last, len(records) == limit)


def when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def subscribe(
    resource: Resource,
    *,
    client: ExchangeClient,
    kind: str,
    target_url: str = "",
    from_sequence: int | None = None,
) -> Any:
    """A push (webhook) or stream subscription on the consumer's live grant. It starts after
    ``from_sequence`` (default: the records stored so far are not replayed)."""
    from urllib.parse import urlsplit

    from yiwang.exchange.choices import SubscriptionKind
    from yiwang.exchange.models import Subscription

    if kind not in SubscriptionKind.values:
        raise ValidationFailed(_("A subscription is a webhook or a stream."), field="kind")
    if kind == SubscriptionKind.WEBHOOK and urlsplit(target_url).scheme not in ("http", "https"):
        raise ValidationFailed(_("A webhook needs an http(s) address."), field="target_url")
    grant = active_grant(resource, client.department_id)
    start = resource.last_sequence if from_sequence is None else max(from_sequence, 0)
    with transaction.atomic():
        subscription = Subscription.objects.create(
            grant=grant, kind=kind, target_url=target_url, cursor=start
        )
        record_audit(
            Action.SUBSCRIBED,
            actor=None,
            obj=subscription,
            after={
                "resource": resource.code,
                "consumer": client.department_id,
                "kind": kind,
                "from": start,
                "items": grant.items,
            },
        )
    return subscription
