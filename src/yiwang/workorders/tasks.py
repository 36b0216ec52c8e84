"""Work-order jobs for the Huey consumer (``yiwang worker``); each one calls a service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from yiwang.workorders.kpi_rollup import recent_months, refresh_months, year_months
from yiwang.workorders.sla import sweep_deadlines


@db_periodic_task(crontab(minute="*/5"))
@lock_task("workorders.sla_sweep")
def sla_sweep_task() -> None:
    """Every five minutes: warn, urge, supervise and escalate by deadline. The lock keeps a
    slow sweep and the next one from acting on the same orders twice; the counts go to the
    audit log and the log, not to the result store."""
    sweep_deadlines()


@db_periodic_task(crontab(minute="*/10"))
@lock_task("workorders.kpi_recent")
def kpi_recent_task() -> None:
    """Every ten minutes: rebuild the KPI aggregate of this month and the last one."""
    refresh_months(recent_months())


@db_periodic_task(crontab(hour="2", minute="30"))
@lock_task("workorders.kpi_year")
def kpi_year_task() -> None:
    """Nightly: rebuild the KPI aggregate of the last 13 months (late replies and ratings)."""
    refresh_months(year_months())
