"""Readable, unique work-order numbers: channel prefix + local date + daily sequence.

``RX20261127000012`` is the twelfth hotline order of 27 November 2026. The sequence row for the
day and channel is bumped with one UPDATE … RETURNING, which locks it until the caller's
transaction ends, so concurrent intakes queue on that row instead of handing out the same number.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from yiwang.workorders.choices import CHANNEL_PREFIXES
from yiwang.workorders.models import WorkOrderSequence


def next_number(channel: str, *, at: datetime | None = None) -> str:
    """Allocate the next number for ``channel`` on the local day of ``at`` (default now).

    Call inside the transaction that stores the order: a rollback gives the number back.
    """
    return next_numbers(channel, 1, at=at)[0]


def next_numbers(channel: str, count: int, *, at: datetime | None = None) -> list[str]:
    """Allocate ``count`` consecutive numbers in one step (bulk intake)."""
    day = timezone.localdate(at or timezone.now())
    last = _bump(day, channel, count)
    if last is None:
        try:
            with transaction.atomic():
                WorkOrderSequence.objects.create(day=day, channel=channel, last=count)
            last = count
        except IntegrityError:
            # Another intake created the day's row first; take the numbers after it.
            last = _bump(day, channel, count)
    assert last is not None
    prefix = f"{CHANNEL_PREFIXES[channel]}{day:%Y%m%d}"
    return [f"{prefix}{n:06d}" for n in range(last - count + 1, last + 1)]


def _bump(day: date, channel: str, count: int) -> int | None:
    """Add ``count`` to the day's counter and read it back in one statement (None: no row yet).

    UPDATE … RETURNING works on PostgreSQL and on SQLite ≥ 3.35, the two supported databases.
    """
    table = WorkOrderSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{table}" SET "last" = "last" + %s WHERE "day" = %s AND "channel" = %s '
            'RETURNING "last"',
            [count, day, channel],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None
