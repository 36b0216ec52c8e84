"""Work-order write paths: intake (``create_work_order``) and every lifecycle action.

Each action goes through ``_apply``: it checks the table in ``lifecycle`` (role, scope, state),
lets the action's effect compute the changes (``effects``), bumps ``version`` with a conditional
UPDATE so a concurrent change is refused instead of overwritten, and writes the timeline event
and the audit record in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.audit import AuditEntry, record_audit, record_audits
from yiwang.core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from yiwang.core.scoping import roles_of
from yiwang.geo.locator import locate
from yiwang.geo.models import Region
from yiwang.org.choices import Role, Tier
from yiwang.org.models import CommandCenter, RoleAssignment
from yiwang.workorders import effects, routing
from yiwang.workorders.attachments import check_attachment
from yiwang.workorders.choices import (
    Channel,
    EventKind,
    Priority,
    RequestType,
    State,
)
from yiwang.workorders.lifecycle import (
    ACTIONS,
    DEPARTMENT,
    DISPATCHERS,
    GRID,
    HOTLINE,
    Action,
    allowed_actions,
)
from yiwang.workorders.models import (
    Attachment,
    Category,
    IdempotencyKey,
    WorkOrder,
    WorkOrderEvent,
)
from yiwang.workorders.models.order import DESCRIPTION_MAX_LENGTH
from yiwang.workorders.numbering import next_numbers

# Mobile (13812345678), or landline with area code (0513-85123456 / 051385123456).
PHONE_RE = re.compile(r"^(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
# Request types the unit must be able to call back about: a phone is required unless the
# citizen asked for confidentiality (then the center keeps the contact off the order).
NEEDS_CONTACT = frozenset({RequestType.COMPLAINT, RequestType.REPORT, RequestType.HELP})
_STAFF_INTAKE = frozenset({*DISPATCHERS, Role.HOTLINE_AGENT})
# Who may file an order through which channel (actor None = a system integration).
CHANNEL_ROLES: dict[str, frozenset[str]] = {
    Channel.HOTLINE: _STAFF_INTAKE,
    Channel.WEB: _STAFF_INTAKE | {Role.CITIZEN},
    Channel.APP: _STAFF_INTAKE | {Role.CITIZEN},
    Channel.OPEN311: _STAFF_INTAKE | {Role.CITIZEN},
    Channel.MAILBOX: _STAFF_INTAKE | {Role.CITIZEN},
    Channel.ENTERPRISE: _STAFF_INTAKE | {Role.CITIZEN},
    Channel.GRID: _STAFF_INTAKE | {Role.GRID_WORKER},
    Channel.WARNING: _STAFF_INTAKE | {Role.DATA_STEWARD},
    Channel.LEADER: _STAFF_INTAKE | {Role.LEADER},
}


# --- intake ---------------------------------------------------------------------------------


def create_work_order(
    *,
    actor: Any | None,
    channel: str,
    request_type: str,
    description: str,
    lon: float | None = None,
    lat: float | None = None,
    address: str = "",
    category: str | Category | None = None,
    title: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    confidential: bool = False,
    priority: str = Priority.NORMAL,
    idempotency_key: str | None = None,
    received_at: datetime | None = None,
    attachments: list[tuple[str, bytes]] | None = None,
    routing_model_version: str = "",
) -> WorkOrder:
    """Register a request from any channel: validate, locate, suggest a route, store the order
    with its ``received`` event, its ``attachments`` ((name, content) pairs) and audit record in
    one transaction, and return it.

    With ``idempotency_key`` a retry of the same request returns the order made the first time
    and writes nothing; the same key with a different request is a ``Conflict``.
    """
    body = {
        "channel": channel,
        "request_type": request_type,
        "description": description,
        "lon": lon,
        "lat": lat,
        "address": address,
        "category": category.code if isinstance(category, Category) else category,
        "title": title,
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "confidential": confidential,
        "priority": priority,
    }
    if routing_model_version:  # only then, so older requests keep their idempotency hash
        body["routing_model_version"] = routing_model_version
    request_hash = _request_hash(
        {**body, "attachments": [hashlib.sha256(c).hexdigest() for _n, c in attachments or []]}
        if attachments
        else body
    )
    if idempotency_key is not None:
        if actor is None or not getattr(actor, "pk", None):
            raise ValidationFailed(
                _("An Idempotency-Key needs a signed-in caller."), field="Idempotency-Key"
            )
        existing = _replayed(actor, idempotency_key, request_hash)
        if existing is not None:
            return existing
    fields = _validated_intake(actor, body)
    files = _checked_files(attachments or [], field="attachments")
    try:
        with _removed_on_failure() as saved, transaction.atomic():
            (order,) = _store_many(actor, [fields], received_at=received_at)
            for name, content_type, content in files:
                saved.append(_store_file(order, actor, name, content_type, content).file.name or "")
            if idempotency_key is not None:
                assert actor is not None
                IdempotencyKey.objects.create(
                    user=actor, key=idempotency_key, request_hash=request_hash, order=order
                )
    except IntegrityError:
        # A concurrent retry with the same key committed first: answer as that retry would.
        if idempotency_key is None:
            raise
        existing = _replayed(actor, idempotency_key, request_hash)
        if existing is None:
            raise
        return existing
    return order


def _request_hash(body: dict[str, Any]) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


BATCH_MAX = 500
BATCH_FIELDS = (
    "channel",
    "request_type",
    "description",
    "lon",
    "lat",
    "address",
    "category",
    "title",
    "contact_name",
    "contact_phone",
    "confidential",
    "priority",
    "routing_model_version",
)
_BATCH_DEFAULTS: dict[str, Any] = {
    "lon": None,
    "lat": None,
    "address": "",
    "category": None,
    "title": "",
    "contact_name": "",
    "contact_phone": "",
    "confidential": False,
    "priority": Priority.NORMAL,
}


def create_work_orders(
    *, actor: Any, items: list[dict[str, Any]], idempotency_key: str | None = None
) -> list[WorkOrder]:
    """Register up to ``BATCH_MAX`` requests at once — a partner platform's or a call center's
    bulk hand-over — all or none: one bad item refuses the whole batch, naming its index and
    field, and writes nothing.

    Every item is validated, located and routed like a single intake; the batch is stored in
    one transaction with its numbers reserved in one step per channel and day, and its events
    and audit records written in bulk. With ``idempotency_key`` a retry of the same batch
    returns the orders made the first time.
    """
    if not items:
        raise ValidationFailed(_("The batch holds no orders."), field="orders")
    if len(items) > BATCH_MAX:
        raise ValidationFailed(
            _("A batch holds at most %(n)d orders.") % {"n": BATCH_MAX}, field="orders"
        )
    bodies = []
    for index, item in enumerate(items):
        if item.get("attachments"):
            raise ValidationFailed(
                _("Order %(index)d: attach files to each order after the batch is filed.")
                % {"index": index},
                details={"index": index, "field": "attachments"},
            )
        body = {**_BATCH_DEFAULTS, **{k: item[k] for k in BATCH_FIELDS if k in item}}
        if isinstance(body["category"], Category):
            body["category"] = body["category"].code
        bodies.append(body)
    hashes = [_request_hash(body) for body in bodies]
    batch_keys = None
    if idempotency_key is not None:
        if actor is None or not getattr(actor, "pk", None):
            raise ValidationFailed(
                _("An Idempotency-Key needs a signed-in caller."), field="Idempotency-Key"
            )
        batch_keys = [f"{idempotency_key}#{i:03d}" for i in range(len(bodies))]
        replayed = _replayed_batch(actor, batch_keys, hashes)
        if replayed is not None:
            return replayed
    validated = []
    for index, body in enumerate(bodies):
        try:
            validated.append(_validated_intake(actor, body))
        except DomainError as exc:
            exc.details = {"index": index, **(exc.details or {})}
            exc.message = _("Order %(index)d: %(message)s") % {
                "index": index,
                "message": exc.message,
            }
            raise
    try:
        with transaction.atomic():
            orders = _store_many(actor, validated)
            if batch_keys is not None:
                IdempotencyKey.objects.bulk_create(
                    IdempotencyKey(user=actor, key=key, request_hash=digest, order=order)
                    for key, digest, order in zip(batch_keys, hashes, orders, strict=True)
                )
    except IntegrityError:
        if batch_keys is None:
            raise
        replayed = _replayed_batch(actor, batch_keys, hashes)
        if replayed is None:
            raise
        return replayed
    return orders


def _replayed_batch(actor: Any, keys: list[str], hashes: list[str]) -> list[WorkOrder] | None:
    records = dict(
        IdempotencyKey.objects.filter(user=actor, key__in=keys)
        .order_by()
        .values_list("key", "request_hash")
    )
    if not records:
        return None
    if [records.get(key) for key in keys] != hashes:
        raise Conflict(
            _("This Idempotency-Key was used for a different batch."),
            details={"field": "Idempotency-Key"},
        )
    by_key = {
        record.key: record.order
        for record in IdempotencyKey.objects.select_related("order").filter(
            user=actor, key__in=keys
        )
    }
    return [by_key[key] for key in keys]


def _store_many(
    actor: Any | None, batch: list[dict[str, Any]], *, received_at: datetime | None = None
) -> list[WorkOrder]:
    """Store validated intakes (one, or a batch) with bulk writes: the orders, their
    ``received`` and ``routed`` events and their audit records.

    Automatic dispatch is configuration: everywhere (``WORKORDERS_AUTO_DISPATCH``) or where the
    catalogue marks the rule as direct dispatch (直派). It is applied before the insert — the
    same effect, event and audit record ``perform_action(order, "dispatch", actor=None)`` would
    write afterwards, without a second round of queries per order.
    """
    now = received_at or timezone.now()
    creator = actor if actor is not None and getattr(actor, "pk", None) else None
    per_channel = Counter(fields["channel"] for fields in batch)
    numbers = {ch: iter(next_numbers(ch, n, at=now)) for ch, n in per_channel.items()}
    auto = getattr(settings, "WORKORDERS_AUTO_DISPATCH", False)
    orders, decisions, dispatches = [], [], []
    for fields in batch:
        center = fields["center"]
        place = fields["town"] or fields["county"]
        order = WorkOrder(
            **fields,
            number=next(numbers[fields["channel"]]),
            region_path=place.path if place is not None else center.region.path,
            state=State.RECEIVED,
            tier=center.tier,
            created_by=creator,
            received_at=now,
        )
        decision = effects.suggest_route(order)
        department = routing.department_by_code(decision["department"]) if decision else None
        dispatch = None
        if decision is not None and department is not None and (decision["direct"] or auto):
            dispatch = effects.dispatch_to(order, department, now)
            for name, value in dispatch.changes.items():
                setattr(order, name, value)
            order.state, order.version = State.DISPATCHED, 2
        orders.append(order)
        decisions.append(decision)
        dispatches.append(dispatch)
    WorkOrder.objects.bulk_create(orders)  # ids come back (RETURNING) on both databases
    events = []
    audits = []
    for order, decision, dispatch in zip(orders, decisions, dispatches, strict=True):
        events.append(
            WorkOrderEvent(
                order=order,
                kind=EventKind.RECEIVED,
                actor=creator,
                to_state=State.RECEIVED,
                data={"channel": order.channel, "center": order.center.name},
                created_at=now,
            )
        )
        received = {**_received_audit(order, order.center), "state": State.RECEIVED}
        audits.append(AuditEntry("workorder.received", obj=order, after=received))
        if decision is not None:
            events.append(
                WorkOrderEvent(
                    order=order, kind=EventKind.ROUTED, actor=None, data=decision, created_at=now
                )
            )
        if dispatch is not None:
            events.append(
                WorkOrderEvent(
                    order=order,
                    kind=EventKind.DISPATCHED,
                    actor=None,
                    from_state=State.RECEIVED,
                    to_state=State.DISPATCHED,
                    data=dispatch.data,
                    created_at=now,
                )
            )
            audits.append(
                AuditEntry(
                    "workorder.dispatch",
                    obj=order,
                    before={"state": State.RECEIVED, "version": 1},
                    after={"state": State.DISPATCHED, "version": 2, **dispatch.data},
                )
            )
    WorkOrderEvent.objects.bulk_create(events)
    record_audits(audits, actor=actor)
    return orders


def _received_audit(order: WorkOrder, center: CommandCenter) -> dict[str, Any]:
    # Contact details stay out of the audit log; the order itself masks them on read.
    return {
        "number": order.number,
        "state": order.state,
        "channel": order.channel,
        "request_type": order.request_type,
        "category": order.category.code if order.category else None,
        "county": order.county.code if order.county else None,
        "town": order.town.code if order.town else None,
        "center": center.name,
    }


def _replayed(actor: Any, key: str, request_hash: str) -> WorkOrder | None:
    record = (
        IdempotencyKey.objects.filter(user=actor, key=key)
        .order_by()
        .values_list("request_hash", "order_id")
        .first()
    )
    if record is None:
        return None
    stored_hash, order_id = record
    order = WorkOrder.objects.get(pk=order_id)
    if stored_hash != request_hash:
        raise Conflict(
            _("This Idempotency-Key was used for a different request."),
            details={"field": "Idempotency-Key", "order": order.number},
        )
    return order


def _validated_intake(actor: Any | None, body: dict[str, Any]) -> dict[str, Any]:
    """Check every input and work out location, center and contact; writes nothing."""
    channel, request_type = body["channel"], body["request_type"]
    if channel not in Channel.values:
        raise ValidationFailed(_("Unknown channel %(c)s.") % {"c": channel}, field="channel")
    if actor is not None:
        roles = roles_of(actor)
        if not roles & CHANNEL_ROLES[channel]:
            raise PermissionDenied(
                _("Your roles (%(roles)s) may not file orders through the %(channel)s channel.")
                % {"roles": ", ".join(sorted(roles)) or "-", "channel": channel},
                field="channel",
            )
    if request_type not in RequestType.values:
        raise ValidationFailed(
            _("Unknown request type %(t)s.") % {"t": request_type}, field="request_type"
        )
    if body["priority"] not in Priority.values:
        raise ValidationFailed(_("Unknown priority."), field="priority")
    description = (body["description"] or "").strip()
    if not description:
        raise ValidationFailed(_("Describe the request."), field="description")
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ValidationFailed(
            _("The description is longer than %(n)d characters.") % {"n": DESCRIPTION_MAX_LENGTH},
            field="description",
        )
    address = (body["address"] or "").strip()
    if len(address) > 200:
        raise ValidationFailed(_("The address is longer than 200 characters."), field="address")
    category = None
    if body["category"]:
        category = routing.active_category(body["category"])
        if category is None:
            raise ValidationFailed(
                _("Unknown category %(code)s.") % {"code": body["category"]}, field="category"
            )
    # A citizen files for themself: their account is the contact unless they give another.
    citizen = actor if actor is not None and Role.CITIZEN in roles_of(actor) else None
    contact_name = (body["contact_name"] or "").strip() or getattr(citizen, "full_name", "")
    contact_phone = (body["contact_phone"] or "").strip() or getattr(citizen, "phone", "")
    if contact_phone and not PHONE_RE.match(contact_phone):
        raise ValidationFailed(
            _("The contact phone is not a mobile or landline number."), field="contact_phone"
        )
    if request_type in NEEDS_CONTACT and not contact_phone and not body["confidential"]:
        raise ValidationFailed(
            _("A %(type)s needs a contact phone (or mark it confidential).")
            % {"type": request_type},
            field="contact_phone",
        )
    if len(contact_name) > 64:
        raise ValidationFailed(_("The contact name is too long."), field="contact_name")
    grid_id, town, county = _located(body["lon"], body["lat"], address)
    title = (body["title"] or "").strip() or description.splitlines()[0][:40]
    return {
        "channel": channel,
        "request_type": request_type,
        "category": category,
        "title": title[:120],
        "description": description,
        "lon": body["lon"],
        "lat": body["lat"],
        "address": address,
        "grid_id": grid_id,
        "town": town,
        "county": county,
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "contact_user": citizen,
        "confidential": bool(body["confidential"]),
        "priority": body["priority"],
        "center": _intake_center(channel, town, county),
        "routing_model_version": _routing_model_version(body.get("routing_model_version")),
    }


def _routing_model_version(version: str | None) -> str:
    version = (version or "").strip()
    if len(version) > 32:
        raise ValidationFailed(
            _("The routing model version is longer than 32 characters."),
            field="routing_model_version",
        )
    return version


def _located(
    lon: float | None, lat: float | None, address: str
) -> tuple[int | None, Region | None, Region | None]:
    if lon is None and lat is None:
        if not address:
            raise ValidationFailed(_("Give the place: lon and lat, or an address."), field="lon")
        return None, None, None
    if lon is None or lat is None:
        raise ValidationFailed(_("Give both lon and lat."), field="lon" if lon is None else "lat")
    location = locate(lon, lat)
    if not location.inside:
        raise ValidationFailed(
            _("The point (%(lon)s, %(lat)s) is outside the jurisdiction of this city.")
            % {"lon": lon, "lat": lat},
            details={"field": "lon", "status": location.status},
        )
    town = routing.area(location.town.id) if location.town else None
    county = routing.area(location.county.id) if location.county else None
    return (location.grid.id if location.grid else None), town, county


def _intake_center(channel: str, town: Region | None, county: Region | None) -> CommandCenter:
    """The city center takes every channel except grid reports, which go to the center of the
    tier named by ``WORKORDERS_GRID_INTAKE_TIER`` (default town: 小事不出网格)."""
    region = None
    if channel == Channel.GRID:
        tier = getattr(settings, "WORKORDERS_GRID_INTAKE_TIER", Tier.TOWN)
        region = town if tier == Tier.TOWN and town is not None else county
    center = routing.center_of(region) if region is not None else None
    center = center or routing.center_of(None)
    if center is None:
        raise ValidationFailed(_("This city has no command center to receive orders."))
    return center


# --- attachments ----------------------------------------------------------------------------

# Who may add files to an order they can see, besides its citizen (filer or contact).
ATTACHERS = DISPATCHERS | DEPARTMENT | HOTLINE | GRID | frozenset({Role.LEADER})
# Orders that take no more files: folded into another, refused, or handed to an emergency line.
_NO_FILES = frozenset({State.MERGED, State.INVALID, State.TRANSFERRED})


def add_attachment(
    order: WorkOrder, *, actor: Any, name: str, content: bytes, note: str = ""
) -> Attachment:
    """Attach a file (photo, document, recording) to an order the actor may see: checked by
    type, content and size, stored with an ``attached`` timeline event and an audit record in
    one transaction (the file is removed again if that transaction fails)."""
    ((clean, content_type, data),) = _checked_files([(name, content)], field="file")
    note = str(note or "").strip()
    if len(note) > 500:
        raise ValidationFailed(_("The note is longer than 500 characters."), field="note")
    with _removed_on_failure() as saved, transaction.atomic():
        # of=self: a scope may join other tables, whose nullable side PostgreSQL will not lock.
        current = WorkOrder.objects.visible_to(actor).select_for_update(of=("self",))
        current = current.filter(pk=order.pk)
        locked = current.first()
        if locked is None:
            raise NotFound(_("work order not found"))
        citizen = actor.pk in (locked.created_by_id, locked.contact_user_id)
        if not (roles_of(actor) & ATTACHERS or citizen):
            raise PermissionDenied(_("Your roles may not add files to work orders."))
        if locked.state in _NO_FILES:
            raise Conflict(
                _("An order in state %(state)s takes no more files.") % {"state": locked.state},
                details={"state": locked.state},
            )
        limit = int(getattr(settings, "ATTACHMENTS_PER_ORDER", 30))
        if Attachment.objects.filter(order=locked).count() >= limit:
            raise Conflict(
                _("This order already holds %(n)d files, the most allowed.") % {"n": limit},
                details={"field": "file", "limit": limit},
            )
        attachment = _store_file(locked, actor, clean, content_type, data)
        saved.append(attachment.file.name or "")
        WorkOrderEvent.objects.create(
            order=locked,
            kind=EventKind.ATTACHED,
            actor=actor,
            note=note,
            data={"attachment": attachment.pk, "name": clean, "size": attachment.size},
            created_at=attachment.created_at,
        )
        record_audit(
            "workorder.attached",
            actor=actor,
            obj=locked,
            after={"attachment": attachment.pk, "name": clean, "sha256": attachment.sha256},
        )
    return attachment


def _checked_files(files: list[tuple[str, bytes]], *, field: str) -> list[tuple[str, str, bytes]]:
    limit = int(getattr(settings, "ATTACHMENTS_PER_ORDER", 30))
    if len(files) > limit:
        raise ValidationFailed(
            _("At most %(n)d files may be attached to one order.") % {"n": limit}, field=field
        )
    checked = []
    for index, (name, content) in enumerate(files):
        where = field if field == "file" else f"{field}[{index}]"
        clean, content_type = check_attachment(name, content, field=where)
        checked.append((clean, content_type, content))
    return checked


def _store_file(
    order: WorkOrder, actor: Any | None, name: str, content_type: str, content: bytes
) -> Attachment:
    attachment = Attachment(
        order=order,
        name=name,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=actor if actor is not None and getattr(actor, "pk", None) else None,
        created_at=timezone.now(),
    )
    attachment.file.save(name, ContentFile(content), save=False)
    attachment.save()
    return attachment


@contextmanager
def _removed_on_failure() -> Iterator[list[str]]:
    """Names of files saved inside the block; removed again if the block fails, so a rolled-
    back transaction leaves no file behind."""
    saved: list[str] = []
    try:
        yield saved
    except BaseException:
        for name in saved:
            default_storage.delete(name)
        raise


# --- lifecycle actions ----------------------------------------------------------------------


def perform_action(
    order: WorkOrder,
    name: str,
    *,
    actor: Any | None,
    expected_version: int | None = None,
    **fields: Any,
) -> WorkOrder:
    """Take lifecycle action ``name`` (a key of ``lifecycle.ACTIONS``) with its fields.

    ``expected_version`` is the version the caller loaded (default: ``order.version``); if the
    order changed since, the action is refused with a ``Conflict`` naming the current version.
    ``actor=None`` is the system itself (automatic dispatch) and skips the role checks.
    """
    action = ACTIONS.get(name)
    if action is None:
        raise NotFound(
            _("Unknown action %(name)s.") % {"name": name},
            details={"field": "action", "actions": list(ACTIONS)},
        )
    return _apply(order, action, actor=actor, expected_version=expected_version, fields=fields)


def _apply(
    order: WorkOrder,
    action: Action,
    *,
    actor: Any | None,
    expected_version: int | None,
    fields: dict[str, Any],
) -> WorkOrder:
    expected = expected_version if expected_version is not None else order.version
    with transaction.atomic():
        current = _guarded(order.pk, action, actor)
        for name in action.required:
            if fields.get(name) in (None, ""):
                raise ValidationFailed(
                    _("%(action)s needs %(field)s.") % {"action": action.name, "field": name},
                    field=name,
                )
        now = timezone.now()
        effect = effects.EFFECTS[action.name](current, actor, fields, now)
        to_state = effect.to_state or action.to_state or current.state
        updated = WorkOrder.objects.filter(pk=current.pk, version=expected).update(
            **effect.changes, state=to_state, version=F("version") + 1, updated_at=now
        )
        if not updated:
            version = WorkOrder.objects.filter(pk=current.pk).values_list("version", flat=True)
            raise Conflict(
                _("The order changed since you loaded it; reload and try again."),
                details={"current_version": version.first(), "your_version": expected},
            )
        if effect.add_departments:
            current.assisting_departments.add(*effect.add_departments)
        if to_state == State.CLOSED:
            # Merged children close with their parent.
            WorkOrder.objects.filter(parent=current, state=State.MERGED).update(
                closed_at=now, version=F("version") + 1, updated_at=now
            )
        actor_obj = actor if actor is not None and getattr(actor, "pk", None) else None
        note = str(fields.get("reason") or fields.get("note") or "")
        WorkOrderEvent.objects.create(
            order=current,
            kind=action.event,
            actor=actor_obj,
            from_state=current.state,
            to_state=to_state if to_state != current.state else "",
            note=note,
            data=effect.data,
            created_at=now,
        )
        record_audit(
            f"workorder.{action.name}",
            actor=actor,
            obj=current,
            before={"state": current.state, "version": expected},
            after={"state": to_state, "version": expected + 1, **effect.data},
        )
    order.refresh_from_db()
    return order


def _guarded(pk: int, action: Action, actor: Any | None) -> WorkOrder:
    """The order as stored now, if ``actor`` may take ``action`` on it; else the reason why not:
    404 out of sight, 403 wrong role, 409 wrong state, 403 not the actor's center or unit."""
    qs = WorkOrder.objects.select_related("center__region", "lead_department").defer(
        "center__region__geometry"
    )
    if actor is not None:
        qs = qs.visible_to(actor)
    try:
        current = qs.get(pk=pk)
    except WorkOrder.DoesNotExist as exc:
        raise NotFound(_("work order not found")) from exc
    if actor is None:
        if current.state not in action.from_states:
            raise _wrong_state(current, action, None)
        return current
    roles = roles_of(actor) & action.roles
    if not roles:
        held = ", ".join(sorted(roles_of(actor))) or "-"
        raise PermissionDenied(
            _("Your roles (%(held)s) may not %(action)s an order; that takes: %(allowed)s.")
            % {"held": held, "action": action.name, "allowed": ", ".join(sorted(action.roles))},
            details={"roles": sorted(roles_of(actor)), "action": action.name},
        )
    if current.state not in action.from_states:
        raise _wrong_state(current, action, actor)
    if not any(_acts_here(actor, role, current, action.name) for role in roles):
        raise PermissionDenied(
            _("As %(role)s you act only on orders of your own center, unit or grids.")
            % {"role": ", ".join(sorted(roles))},
            details={"roles": sorted(roles), "action": action.name},
        )
    return current


def _wrong_state(order: WorkOrder, action: Action, actor: Any | None) -> Conflict:
    possible = allowed_actions(order.state, roles_of(actor) if actor is not None else None)
    return Conflict(
        _("Cannot %(action)s an order in state %(state)s; possible now: %(possible)s.")
        % {"action": action.name, "state": order.state, "possible": ", ".join(possible) or "-"},
        details={"state": order.state, "allowed_actions": possible},
    )


def _assignments(actor: Any) -> dict[str, RoleAssignment]:
    cached = getattr(actor, "_yiwang_wo_assignments", None)
    if cached is None:
        cached = {
            a.role: a
            for a in RoleAssignment.objects.filter(user=actor)
            .select_related("center__region")
            .defer("center__region__geometry")
            .prefetch_related("grids")
        }
        actor._yiwang_wo_assignments = cached
    return cached


def may_act(actor: Any, order: WorkOrder, action: str) -> bool:
    """Whether ``actor`` holds a role that may take ``action`` and whose place covers ``order``
    — the state aside. For pages deciding what to offer; ``perform_action`` checks it again."""
    spec = ACTIONS[action]
    return any(_acts_here(actor, role, order, action) for role in roles_of(actor) & spec.roles)


def _acts_here(actor: Any, role: str, order: WorkOrder, action: str = "") -> bool:
    """Whether the actor's assignment for ``role`` covers this order's place (for
    ``answer_whistle``: whether the order has called the actor's unit)."""
    assignment = _assignments(actor).get(role)
    if assignment is None:
        return False
    if action == "answer_whistle":
        unit = assignment.department_id
        return (
            role in DEPARTMENT
            and unit is not None
            and order.whistles.filter(department_id=unit).exists()
        )
    if role in DISPATCHERS:
        # The order's own center, or a center above it.
        center = assignment.center
        return center is not None and order.center.region.path.startswith(center.region.path)
    if role in DEPARTMENT:
        lead = order.lead_department
        return lead is not None and assignment.department_id in (lead.pk, lead.parent_id)
    if role == Role.GRID_WORKER:
        grids = {g.pk for g in assignment.grids.all()}
        return order.grid_id in grids or order.created_by_id == actor.pk
    return True


# --- one function per action (all through ``_apply``) ---------------------------------------


def classify_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    category: str,
    priority: str | None = None,
    needs_verification: bool | None = None,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """Pre-review: set the category (小类) and, optionally, priority and on-site verification."""
    return perform_action(
        order,
        "classify",
        actor=actor,
        expected_version=expected_version,
        category=category,
        priority=priority,
        needs_verification=needs_verification,
        note=note,
    )


def dispatch_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    department: Any = None,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """Dispatch (派单) to the lead department (default: the catalogue's answer); starts the
    clock."""
    return perform_action(
        order,
        "dispatch",
        actor=actor,
        expected_version=expected_version,
        department=department,
        note=note,
    )


def acknowledge_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """The lead unit accepts the order (签收)."""
    return perform_action(
        order, "acknowledge", actor=actor, expected_version=expected_version, note=note
    )


def start_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """The lead unit starts handling."""
    return perform_action(order, "start", actor=actor, expected_version=expected_version, note=note)


def reply_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    reply: str,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """The lead unit's reply to the citizen (办结反馈)."""
    return perform_action(
        order, "reply", actor=actor, expected_version=expected_version, reply=reply, note=note
    )


def return_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    reason: str,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """The unit says it is not its duty (退单), within the return window."""
    return perform_action(
        order, "return", actor=actor, expected_version=expected_version, reason=reason, note=note
    )


def request_extension(
    order: WorkOrder,
    *,
    actor: Any | None,
    until: datetime,
    reason: str,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """Ask for a later deadline, before the current one; the clock pauses while pending."""
    return perform_action(
        order,
        "request_extension",
        actor=actor,
        expected_version=expected_version,
        until=until,
        reason=reason,
        note=note,
    )


def grant_extension(
    order: WorkOrder,
    *,
    actor: Any | None,
    until: datetime | None = None,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """Grant the pending extension (the requested date unless another is given)."""
    return perform_action(
        order,
        "grant_extension",
        actor=actor,
        expected_version=expected_version,
        until=until,
        note=note,
    )


def deny_extension(
    order: WorkOrder,
    *,
    actor: Any | None,
    reason: str,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """Deny the pending extension; the deadline moves by the time it was pending."""
    return perform_action(
        order,
        "deny_extension",
        actor=actor,
        expected_version=expected_version,
        reason=reason,
        note=note,
    )


def approve_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """Center review passes: to callback, or to on-site verification when required."""
    return perform_action(
        order, "approve", actor=actor, expected_version=expected_version, note=note
    )


def reject_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    reason: str,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """Center review or verification fails: back to the unit (返工), counted."""
    return perform_action(
        order, "reject", actor=actor, expected_version=expected_version, reason=reason, note=note
    )


def verify_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """On-site verification confirms the reply."""
    return perform_action(
        order, "verify", actor=actor, expected_version=expected_version, note=note
    )


def callback_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    rating: str,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """Record the citizen's rating (好差评) and close."""
    return perform_action(
        order, "callback", actor=actor, expected_version=expected_version, rating=rating, note=note
    )


def reopen_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    rating: str,
    reason: str,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """An unsatisfied citizen: record the rating and dispatch to the unit again."""
    return perform_action(
        order,
        "reopen",
        actor=actor,
        expected_version=expected_version,
        rating=rating,
        reason=reason,
        note=note,
    )


def redispatch_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    department: Any,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """Send a returned order to another unit (改派)."""
    return perform_action(
        order,
        "redispatch",
        actor=actor,
        expected_version=expected_version,
        department=department,
        note=note,
    )


def dispute_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    reason: str,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """Refer a returned order to the joint conference."""
    return perform_action(
        order, "dispute", actor=actor, expected_version=expected_version, reason=reason, note=note
    )


def rule_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    department: Any,
    reason: str,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """The joint conference's ruling (city): dispatch to the ruled unit."""
    return perform_action(
        order,
        "rule",
        actor=actor,
        expected_version=expected_version,
        department=department,
        reason=reason,
        note=note,
    )


def escalate_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    reason: str,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """Hand the order up to the next tier's center (上报)."""
    return perform_action(
        order, "escalate", actor=actor, expected_version=expected_version, reason=reason, note=note
    )


def merge_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    parent: str,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """Merge a duplicate into ``parent`` (a number); it closes with its parent."""
    return perform_action(
        order, "merge", actor=actor, expected_version=expected_version, parent=parent, note=note
    )


def shelve_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    reason: str,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """Put the order in the problem pool (挂账)."""
    return perform_action(
        order, "shelve", actor=actor, expected_version=expected_version, reason=reason, note=note
    )


def invalidate_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    reason: str,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """Close an order that is not a request (无效)."""
    return perform_action(
        order,
        "invalidate",
        actor=actor,
        expected_version=expected_version,
        reason=reason,
        note=note,
    )


def transfer_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    line: str,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """Transfer an emergency to 110/119/120/122."""
    return perform_action(
        order, "transfer", actor=actor, expected_version=expected_version, line=line, note=note
    )


def direct_answer_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    reply: str,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """Answer a consultation on the spot and close (直接答复)."""
    return perform_action(
        order,
        "direct_answer",
        actor=actor,
        expected_version=expected_version,
        reply=reply,
        note=note,
    )


def urge_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """Urge the unit (催办); an event, counted."""
    return perform_action(order, "urge", actor=actor, expected_version=expected_version, note=note)


def supervise_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """Formal supervision (督办) with its instruction as the note."""
    return perform_action(
        order, "supervise", actor=actor, expected_version=expected_version, note=note
    )


def add_unit_to_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    department: Any,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """Add an assisting unit (加派)."""
    return perform_action(
        order,
        "add_unit",
        actor=actor,
        expected_version=expected_version,
        department=department,
        note=note,
    )


def note_work_order(
    order: WorkOrder,
    *,
    actor: Any | None,
    expected_version: int | None = None,
    note: str = "",
) -> WorkOrder:
    """Add a note to the timeline."""
    return perform_action(order, "note", actor=actor, expected_version=expected_version, note=note)
