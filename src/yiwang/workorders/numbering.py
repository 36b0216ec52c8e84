"""Readable, unique work-order numbers: channel prefix + local date + daily sequence.

``RX20261127000012`` is the twelfth hotline order of 27 November 2026. The sequence row for the
day and channel is bumped with one UPDATE, which locks it until the caller's transaction ends, so
concurrent intakes queue on that row instead of handing out the same number.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from yiwang.workorders.choices import CHANNEL_PREFIXES
from yiwang.workorders.models import WorkOrderSequence


def next_number(channel: str, *, at: datetime | None = None) -> str:
    """Allocate the next number for ``channel`` on the local day of ``at`` (default now).

    Call inside the transaction that stores the order: a rollback gives the number back.
    """
    day = timezone.localdate(at or timezone.now())
    rows = WorkOrderSequence.objects.filter(day=day, channel=channel)
    if not rows.update(last=F("last") + 1):
        try:
            with transaction.atomic():
                WorkOrderSequence.objects.create(day=day, channel=channel, last=1)
        except IntegrityError:
            # Another intake created the day's row first; take the next number after it.
            rows.update(last=F("last") + 1)
    last = rows.values_list("last", flat=True).get()
    return f"{CHANNEL_PREFIXES[channel]}{day:%Y%m%d}{last:06d}"
