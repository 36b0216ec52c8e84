"""Opinion jobs for the Huey consumer (``yiwang worker``); each one calls a service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from yiwang.opinion.services import detect_surges, fail_stale_reports, generate_report


@db_periodic_task(crontab(minute="*/15"))
@lock_task("opinion.surges")
def surge_detection_task() -> None:
    """Every fifteen minutes: raise an alert for each new surge; and fail the reports a
    stopped server left unfinished."""
    detect_surges()
    fail_stale_reports()


@db_task()
def generate_report_task(report_id: int) -> None:
    """Generate one queued analysis report (``OPINION_REPORT_RUNNER=worker``)."""
    generate_report(report_id)
