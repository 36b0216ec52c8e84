"""The cockpit's one write: a leader acknowledges an urgent item pushed to the big screen."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from yiwang.cockpit.access import ACKNOWLEDGE_ROLES, has_any_role
from yiwang.cockpit.models import UrgentAcknowledgement
from yiwang.cockpit.situation import urgent_reasons
from yiwang.core.audit import record_audit
from yiwang.core.errors import Conflict, PermissionDenied, ValidationFailed
from yiwang.core.scoping import get_visible_or_404
from yiwang.workorders.models import WorkOrder

NOTE_MAX_LENGTH = 200


def acknowledge_urgent_item(number: str, *, actor: Any, note: str = "") -> UrgentAcknowledgement:
    """Record that ``actor`` has seen the urgent order ``number``; idempotent per person.

    Refusals: not a leader or city dispatcher → 403; order missing or out of scope → 404;
    the order is not (or no longer) urgent → 409; note too long → 422. Acknowledging twice
    returns the first acknowledgement and writes nothing.
    """
    if not has_any_role(actor, ACKNOWLEDGE_ROLES):
        raise PermissionDenied("only leaders and city dispatchers acknowledge urgent items")
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationFailed(
            f"the note may not exceed {NOTE_MAX_LENGTH} characters", field="note"
        )
    order = get_visible_or_404(WorkOrder.objects.all(), actor, number=number)
    existing = UrgentAcknowledgement.objects.filter(order=order, user=actor).first()
    if existing is not None:
        return existing
    now = timezone.now()
    reasons = urgent_reasons(order, now)
    if not reasons:
        raise Conflict(f"work order {number} is not an urgent item")
    try:
        with transaction.atomic():
            ack = UrgentAcknowledgement.objects.create(
                order=order, user=actor, reasons=reasons, note=note, acknowledged_at=now
            )
            record_audit(
                "cockpit.acknowledged",
                actor=actor,
                obj=ack,
                object_repr=f"{order.number}",
                after={"order": order.number, "reasons": reasons, "note": note},
            )
    except IntegrityError:
        # A second click from another screen committed first: that one stands.
        return UrgentAcknowledgement.objects.get(order=order, user=actor)
    return ack
