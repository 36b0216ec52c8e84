"""The console's write paths: saved views, and dispatching several orders at once.

Saved views are the console's own data (audited here); bulk dispatch only orchestrates the
work-order services, one order per transaction, so one refusal never undoes the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.console.models import NAME_MAX_LENGTH, QUERY_MAX_LENGTH, SavedView
from yiwang.core.audit import record_audit
from yiwang.core.errors import DomainError, NotFound, ValidationFailed
from yiwang.workorders.models import WorkOrder
from yiwang.workorders.services import (
    add_attachment,
    add_unit_to_work_order,
    dispatch_work_order,
    reply_work_order,
)

# Query parameters that are not part of a view: the page number and htmx's own.
_TRANSIENT = {"page", "csrfmiddlewaretoken"}


def clean_query(query: str) -> str:
    """The query string without the page number, in a stable order."""
    pairs = [
        (k, v)
        for k, v in parse_qsl(query.lstrip("?"), keep_blank_values=False)
        if k not in _TRANSIENT
    ]
    return urlencode(pairs)


def create_saved_view(*, actor: Any, name: str, query: str) -> SavedView:
    """Keep the queue's current filter under ``name`` for ``actor``; a name is used once."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Give the view a name."), field="name")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationFailed(
            _("The name is longer than %(n)d characters.") % {"n": NAME_MAX_LENGTH}, field="name"
        )
    query = clean_query(query or "")
    if len(query) > QUERY_MAX_LENGTH:
        raise ValidationFailed(_("These filters are too long to save."), field="name")
    with transaction.atomic():
        if SavedView.objects.filter(owner=actor, name=name).exists():
            raise ValidationFailed(_("You already have a view with this name."), field="name")
        view = SavedView.objects.create(owner=actor, name=name, query=query)
        record_audit(
            "console.saved_view_created",
            actor=actor,
            obj=view,
            after={"name": name, "query": query},
        )
    return view


def delete_saved_view(view_id: int, *, actor: Any) -> None:
    """Delete one of ``actor``'s views; someone else's is the same 404 as a missing one."""
    with transaction.atomic():
        view = SavedView.objects.select_for_update().filter(pk=view_id, owner=actor).first()
        if view is None:
            raise NotFound(_("saved view not found"))
        record_audit(
            "console.saved_view_deleted",
            actor=actor,
            obj=view,
            before={"name": view.name, "query": view.query},
        )
        view.delete()


@dataclass(frozen=True)
class DispatchOutcome:
    """What happened to one order of a bulk dispatch."""

    number: str
    ok: bool
    message: str = ""


def dispatch_with_units(
    order: WorkOrder,
    *,
    actor: Any,
    department: str,
    assisting: list[str],
    expected_version: int,
    note: str = "",
) -> WorkOrder:
    """Dispatch to the lead unit and add the assisting units (主办 + 协办) all or nothing."""
    with transaction.atomic():
        order = dispatch_work_order(
            order, actor=actor, department=department, expected_version=expected_version, note=note
        )
        for code in assisting:
            if code and code != department:
                order = add_unit_to_work_order(
                    order, actor=actor, department=code, expected_version=order.version
                )
    return order


def reply_with_attachment(
    order: WorkOrder,
    *,
    actor: Any,
    reply: str,
    expected_version: int,
    file_name: str,
    content: bytes,
    note: str = "",
) -> WorkOrder:
    """The unit's reply and its file, all or nothing: a refused file leaves no reply behind.
    The file is attached last, so nothing after it can undo the stored file."""
    with transaction.atomic():
        order = reply_work_order(
            order, actor=actor, reply=reply, expected_version=expected_version, note=note
        )
        add_attachment(order, actor=actor, name=file_name, content=content)
    order.refresh_from_db()
    return order


def bulk_dispatch(
    items: list[tuple[str, int]], *, actor: Any, department: str
) -> list[DispatchOutcome]:
    """Dispatch each (number, version the dispatcher saw) to ``department``, each in its own
    transaction through the work-order service; one outcome per order, in the given order."""
    orders = {
        o.number: o
        for o in WorkOrder.objects.visible_to(actor).filter(number__in=[n for n, _v in items])
    }
    outcomes = []
    for number, version in items:
        order = orders.get(number)
        if order is None:
            outcomes.append(DispatchOutcome(number, False, _("work order not found")))
            continue
        try:
            dispatch_work_order(order, actor=actor, department=department, expected_version=version)
        except DomainError as exc:
            outcomes.append(DispatchOutcome(number, False, exc.message))
        else:
            outcomes.append(DispatchOutcome(number, True))
    return outcomes
