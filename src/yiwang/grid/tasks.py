"""Grid jobs for the Huey consumer (``yiwang worker``); each one calls a service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from yiwang.grid.services import sync_all_assignments


@db_periodic_task(crontab(hour="0", minute="5"))
@lock_task("grid.sync_assignments")
def sync_assignments_task() -> None:
    """Just after midnight: covers get their grids on the first day of a leave and lose them
    the day after it ends (the grids a worker may act on follow today's assignments)."""
    sync_all_assignments()
