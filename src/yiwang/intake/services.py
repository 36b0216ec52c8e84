"""Intake: Open311 clients and their requests; 12345 calls (answered on the spot, filed as work
orders, transferred to emergency lines) and 一企来 enterprise requests. The only write path."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.core.audit import record_audit
from yiwang.core.errors import Conflict, ValidationFailed
from yiwang.intake.models import (
    Call,
    CallOutcome,
    CallSource,
    EnterpriseRequest,
    HotlineRule,
    LegacyHotline,
    Open311Client,
    Open311Request,
    PolicySpecialist,
)

KEY_PREFIX = "o311"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_open311_client(
    *, actor: Any | None, name: str, key: str | None = None
) -> tuple[Open311Client, str]:
    """Register an Open311 client with its own service account; returns the key (shown once).

    ``key`` is for the demo's published key only; real clients get a random one.
    """
    from yiwang.accounts.services import create_user
    from yiwang.org.services import assign_role

    name = name.strip()
    if not name:
        raise ValidationFailed(_("A client needs a name."), field="name")
    if Open311Client.objects.filter(name=name).exists():
        raise Conflict(_("An Open311 client named %(name)s exists.") % {"name": name}, field="name")
    prefix = secrets.token_hex(4)
    secret = key or f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(24)}"
    with transaction.atomic():
        account = create_user(
            actor=actor,
            username=f"open311-{prefix}",
            password=secrets.token_urlsafe(32),
            full_name=name[:64],
        )
        account.set_unusable_password()
        account.save(update_fields=["password"])
        assign_role(account, "citizen", actor=actor)
        client = Open311Client.objects.create(
            name=name, prefix=prefix, digest=_digest(secret), account=account
        )
        record_audit(
            "intake.open311_client_created",
            actor=actor,
            obj=client,
            after={"name": name, "prefix": prefix},
        )
    return client, secret


def client_for_key(key: str) -> Open311Client | None:
    if not key:
        return None
    return (
        Open311Client.objects.select_related("account")
        .filter(digest=_digest(key), is_active=True, account__is_active=True)
        .first()
    )


@dataclass(frozen=True)
class Open311Submission:
    """A POSTed service request, parsed from the form (see open311_views)."""

    service_code: str
    description: str
    lat: float | None
    lon: float | None
    address: str
    attributes: dict[str, Any]
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    media_url: str = ""


def submit_open311_request(client: Open311Client, submission: Open311Submission) -> Open311Request:
    """Create the work order (channel open311) and the Open311 record, in one transaction."""
    from yiwang.workorders.services import create_work_order

    request_type = str(submission.attributes.get("request_type") or "report")
    contact_name = f"{submission.last_name}{submission.first_name}".strip()
    with transaction.atomic():
        order = create_work_order(
            actor=client.account,
            channel="open311",
            request_type=request_type,
            description=submission.description,
            lon=submission.lon,
            lat=submission.lat,
            address=submission.address,
            category=submission.service_code,
            contact_name=contact_name,
            contact_phone=submission.phone,
        )
        record = Open311Request.objects.create(
            order=order,
            client=client,
            token=secrets.token_hex(8),
            attributes=submission.attributes,
            media_url=submission.media_url,
            device_id=submission.device_id[:100],
            account_id=submission.account_id[:100],
            email=submission.email,
        )
    return record


# --- 12345: calls at the agent workbench, bridges, 一企来 ---------------------------------------

TEXT_MAX_LENGTH = 4000
# A consultation answered by phone often has no place; the order still needs one to be filed.
NO_PLACE = "（电话咨询，无具体地点）"
ENTERPRISE_SECTORS = {
    "manufacturing": gettext_lazy("Manufacturing"),
    "technology": gettext_lazy("Technology"),
    "trade": gettext_lazy("Trade"),
    "construction": gettext_lazy("Construction"),
    "logistics": gettext_lazy("Logistics"),
    "services": gettext_lazy("Services"),
    "agriculture": gettext_lazy("Agriculture"),
    "finance": gettext_lazy("Finance"),
}


def _checked_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("Write down what the caller asks."), field="text")
    if len(text) > TEXT_MAX_LENGTH:
        raise ValidationFailed(
            _("The request is longer than %(n)d characters.") % {"n": TEXT_MAX_LENGTH},
            field="text",
        )
    return text


def _caller_phone(caller: str) -> str:
    from yiwang.workorders.services import PHONE_RE

    return caller if PHONE_RE.match(caller) else ""


def line_for(dialled: str) -> LegacyHotline | None:
    """The legacy line a caller dialled, if the number is one that 12345 absorbed."""
    number = (dialled or "").strip().replace(" ", "")
    if not number:
        return None
    return (
        LegacyHotline.objects.select_related("department", "default_category")
        .filter(number=number, is_active=True)
        .first()
    )


def start_call(
    *,
    actor: Any,
    caller: str,
    dialled: str = "",
    source: str = CallSource.PHONE,
    rang_at: datetime | None = None,
    answered: bool = True,
) -> Call:
    """Register a contact as the telephony side (or an agent) reports it: who calls, which
    number they dialled (a legacy line pre-fills department and category), whether an agent
    took it."""
    caller = (caller or "").strip()
    if not caller:
        raise ValidationFailed(_("Give the caller's number."), field="caller")
    if len(caller) > 64:
        raise ValidationFailed(_("The caller's number is too long."), field="caller")
    if source not in CallSource.values:
        raise ValidationFailed(_("Unknown source %(s)s.") % {"s": source}, field="source")
    dialled = (dialled or "").strip()
    if len(dialled) > 20:
        raise ValidationFailed(_("The dialled number is too long."), field="dialled")
    now = timezone.now()
    rang = rang_at or now
    with transaction.atomic():
        call = Call.objects.create(
            source=source,
            caller=caller,
            dialled=dialled,
            legacy_line=line_for(dialled),
            agent=actor if answered and getattr(actor, "pk", None) else None,
            rang_at=rang,
            answered_at=(now if rang_at is None else rang) if answered else None,
            outcome=CallOutcome.OPEN if answered else CallOutcome.ABANDONED,
            ended_at=None if answered else now,
        )
        record_audit(
            "hotline.call_started",
            actor=actor,
            obj=call,
            after={"source": source, "dialled": dialled, "answered": answered},
        )
    return call


def _open_call(call: Call) -> Call:
    locked = Call.objects.select_for_update().get(pk=call.pk)
    if locked.outcome != CallOutcome.OPEN:
        raise Conflict(
            _("This call already ended (%(outcome)s).") % {"outcome": locked.get_outcome_display()},
            field="call",
        )
    return locked


def _cited(entry_ids: list[int]) -> list[dict[str, Any]]:
    """The knowledge entries an answer cites, as they read now (published and in force)."""
    from yiwang.hotline.advice import citable_entries

    if not entry_ids:
        raise ValidationFailed(
            _("Cite the knowledge-base entries the answer comes from."), field="entries"
        )
    found = citable_entries(entry_ids)
    missing = [i for i in entry_ids if i not in found]
    if missing:
        raise ValidationFailed(
            _("Entries %(ids)s are not published knowledge (expired, draft or unknown).")
            % {"ids": ", ".join(str(i) for i in missing)},
            field="entries",
        )
    return [{"id": i, "question": found[i]} for i in entry_ids]


def answer_call(call: Call, *, actor: Any, text: str, reply: str, entry_ids: list[int]) -> Call:
    """直接答复: the consultation is answered from the knowledge base and closed on the spot as
    a work order that cites the entries used."""
    from yiwang.workorders.choices import Channel, RequestType
    from yiwang.workorders.services import create_work_order, direct_answer_work_order

    text = _checked_text(text)
    reply = (reply or "").strip()
    if not reply:
        raise ValidationFailed(_("Write the answer given to the caller."), field="reply")
    cited = _cited(entry_ids)
    with transaction.atomic():
        call = _open_call(call)
        order = create_work_order(
            actor=actor,
            channel=Channel.HOTLINE,
            request_type=RequestType.CONSULTATION,
            description=text,
            address=NO_PLACE,
            contact_phone=_caller_phone(call.caller),
        )
        sources = "；".join(f"#{c['id']} {c['question']}" for c in cited)
        order = direct_answer_work_order(
            order,
            actor=actor,
            reply=reply,
            note=_("Knowledge-base entries cited: %(s)s") % {"s": sources},
        )
        _end(call, actor, CallOutcome.DIRECT_ANSWER, text=text, order=order, cited=cited)
    return call


def file_call(
    call: Call,
    *,
    actor: Any,
    text: str,
    request_type: str,
    category: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    address: str = "",
    contact_name: str = "",
    confidential: bool = False,
    priority: str = "normal",
    suggestion: dict[str, Any] | None = None,
) -> Call:
    """Everything that is not answered on the spot becomes a work order; the spine routes it
    (direct dispatch from the catalogue, or the center's queue)."""
    from yiwang.workorders.choices import Channel
    from yiwang.workorders.services import create_work_order

    text = _checked_text(text)
    with transaction.atomic():
        call = _open_call(call)
        followed = bool(suggestion and suggestion.get("used"))
        version = str(suggestion.get("model_version") or "") if suggestion and followed else ""
        order = create_work_order(
            actor=actor,
            channel=Channel.ENTERPRISE if call.source == CallSource.ENTERPRISE else Channel.HOTLINE,
            request_type=request_type,
            description=text,
            category=category or None,
            lon=lon,
            lat=lat,
            address=address,
            contact_name=contact_name,
            contact_phone=_caller_phone(call.caller),
            confidential=confidential,
            priority=priority,
            routing_model_version=version,
        )
        order = _to_department_seat(order, call.legacy_line)
        _end(call, actor, CallOutcome.WORK_ORDER, text=text, order=order, suggestion=suggestion)
    return call


def _to_department_seat(order: Any, line: LegacyHotline | None) -> Any:
    """A call to an old number whose rule is ``department_seat`` goes to that department's
    expert seat at once: the system dispatches the order there, unless the catalogue already
    dispatched it."""
    from yiwang.workorders.choices import State
    from yiwang.workorders.services import dispatch_work_order

    if line is None or line.rule != HotlineRule.DEPARTMENT_SEAT or order.state != State.RECEIVED:
        return order
    return dispatch_work_order(
        order,
        actor=None,
        department=line.department,
        note=_("Dialled %(number)s: handed to the department's expert seat")
        % {"number": line.number},
    )


def transfer_call(call: Call, *, actor: Any, text: str, line: str, note: str = "") -> Call:
    """An emergency goes to 110/119/120/122 at once; the order records the transfer."""
    from yiwang.workorders.choices import Channel, EmergencyLine, Priority, RequestType
    from yiwang.workorders.services import create_work_order, transfer_work_order

    text = _checked_text(text)
    if line not in EmergencyLine.values:
        raise ValidationFailed(
            _("Choose the emergency line: %(lines)s.") % {"lines": ", ".join(EmergencyLine.values)},
            field="line",
        )
    with transaction.atomic():
        call = _open_call(call)
        order = create_work_order(
            actor=actor,
            channel=Channel.HOTLINE,
            request_type=RequestType.HELP,
            description=text,
            address=NO_PLACE,
            contact_phone=_caller_phone(call.caller),
            priority=Priority.EMERGENCY,
        )
        order = transfer_work_order(order, actor=actor, line=line, note=note)
        _end(call, actor, CallOutcome.EMERGENCY, text=text, order=order, line=line)
    return call


def _end(
    call: Call,
    actor: Any,
    outcome: str,
    *,
    text: str,
    order: Any,
    cited: list[dict[str, Any]] | None = None,
    suggestion: dict[str, Any] | None = None,
    line: str = "",
) -> None:
    call.outcome = outcome
    call.text = text
    call.work_order = order
    call.cited_entries = cited or []
    call.suggestion = suggestion or {}
    call.emergency_line = line
    call.ended_at = timezone.now()
    if call.agent_id is None and getattr(actor, "pk", None):
        call.agent = actor
    call.save()
    record_audit(
        "hotline.call_ended",
        actor=actor,
        obj=call,
        after={
            "outcome": outcome,
            "order": order.number,
            "entries": [c["id"] for c in cited or []],
            "line": line,
        },
    )


def submit_enterprise_request(
    *,
    actor: Any,
    company: str,
    sector: str,
    description: str,
    credit_code: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    lon: float | None = None,
    lat: float | None = None,
    address: str = "",
) -> EnterpriseRequest:
    """一企来: an enterprise's request becomes an ``enterprise`` work order and goes to the
    pool's specialist for its sector and county with the fewest open requests."""
    from yiwang.workorders.choices import Channel, RequestType
    from yiwang.workorders.services import create_work_order, dispatch_work_order

    company = (company or "").strip()
    if not company:
        raise ValidationFailed(_("Name the enterprise."), field="company")
    if len(company) > 120:
        raise ValidationFailed(_("The enterprise's name is too long."), field="company")
    if sector not in ENTERPRISE_SECTORS:
        raise ValidationFailed(
            _("Unknown sector %(s)s; one of: %(all)s.")
            % {"s": sector, "all": ", ".join(ENTERPRISE_SECTORS)},
            field="sector",
        )
    credit_code = (credit_code or "").strip().upper()
    if credit_code and not re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{18}", credit_code):
        raise ValidationFailed(
            _("A unified social credit code has 18 letters and digits."), field="credit_code"
        )
    with transaction.atomic():
        order = create_work_order(
            actor=actor,
            channel=Channel.ENTERPRISE,
            request_type=RequestType.CONSULTATION,
            description=description,
            title=f"【{company}】{(description or '').strip()[:30]}",
            contact_name=contact_name,
            contact_phone=contact_phone,
            lon=lon,
            lat=lat,
            address=address,
        )
        specialist = _specialist_for(sector, order.county_id)
        department = _department_of(specialist)
        if specialist is not None and department is not None:
            # The specialist works in a department: the order goes there at once, so it is in
            # their department workbench to acknowledge and answer.
            order = dispatch_work_order(
                order,
                actor=None,
                department=department,
                note=_("一企来: assigned to policy specialist %(name)s")
                % {"name": specialist.user.full_name or specialist.user.username},
            )
        request = EnterpriseRequest.objects.create(
            order=order,
            company=company,
            credit_code=credit_code,
            sector=sector,
            specialist=specialist,
            assigned_at=timezone.now() if specialist else None,
        )
        record_audit(
            "hotline.enterprise_request",
            actor=actor,
            obj=request,
            after={
                "order": order.number,
                "sector": sector,
                "specialist": specialist.user.username if specialist else None,
            },
        )
    return request


def _department_of(specialist: PolicySpecialist | None) -> Any | None:
    if specialist is None:
        return None
    assignment = (
        specialist.user.role_assignments.filter(department__isnull=False)
        .select_related("department")
        .first()
    )
    return assignment.department if assignment is not None else None


def _specialist_for(sector: str, county_id: int | None) -> PolicySpecialist | None:
    from django.db.models import Count, Q

    from yiwang.workorders.duplicates import CLOSED_STATES

    pool = (
        PolicySpecialist.objects.filter(is_active=True)
        .select_related("user")
        .prefetch_related("counties")
        .annotate(
            open=Count(
                "requests", filter=~Q(requests__order__state__in=list(CLOSED_STATES)), distinct=True
            )
        )
        .order_by("open", "pk")
    )
    candidates = [s for s in pool if sector in (s.sectors or [])]
    if county_id is not None:
        # A specialist without counties covers the whole city.
        local = [
            s
            for s in candidates
            if not s.counties.all() or any(c.pk == county_id for c in s.counties.all())
        ]
        candidates = local or candidates
    return candidates[0] if candidates else None


# --- 12345 configuration (the admin) ---------------------------------------------------------


def save_legacy_hotline(
    line: LegacyHotline, *, actor: Any | None, changed: Iterable[str] = ()
) -> LegacyHotline:
    """Register an old number or change its department, default category or rule, audited."""
    from yiwang.core.audit import save_audited

    save_audited(line, actor=actor, changed=changed, action="hotline.legacy_line")
    return line


def save_policy_specialist(
    specialist: PolicySpecialist, *, actor: Any | None, changed: Iterable[str] = ()
) -> PolicySpecialist:
    """Add a 一企来 specialist or change their sectors, audited; sectors must be known ones."""
    from yiwang.core.audit import save_audited

    unknown = [s for s in specialist.sectors or [] if s not in ENTERPRISE_SECTORS]
    if unknown or not specialist.sectors:
        raise ValidationFailed(
            _("Sectors are a list of: %(all)s.") % {"all": ", ".join(ENTERPRISE_SECTORS)},
            field="sectors",
        )
    save_audited(specialist, actor=actor, changed=changed, action="hotline.specialist")
    return specialist
