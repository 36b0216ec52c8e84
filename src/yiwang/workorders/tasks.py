"""Work-order jobs for the Huey consumer (``yiwang worker``); each one calls a service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from yiwang.workorders.sla import sweep_deadlines


@db_periodic_task(crontab(minute="*/5"))
@lock_task("workorders.sla_sweep")
def sla_sweep_task() -> None:
    """Every five minutes: warn, urge, supervise and escalate by deadline. The lock keeps a
    slow sweep and the next one from acting on the same orders twice; the counts go to the
    audit log and the log, not to the result store."""
    sweep_deadlines()
