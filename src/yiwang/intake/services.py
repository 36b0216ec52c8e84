"""Intake: Open311 clients and the service requests they submit. The only write path."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.core.audit import record_audit
from yiwang.core.errors import Conflict, ValidationFailed
from yiwang.intake.models import Open311Client, Open311Request

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
