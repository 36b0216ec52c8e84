"""Exchange jobs for the Huey consumer (``yiwang worker``); each one calls a service."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from yiwang.exchange.backflow import run_due_connectors
from yiwang.exchange.stream import catch_up
from yiwang.exchange.webhooks import deliver_due_webhooks


@db_periodic_task(crontab(minute="*"))
@lock_task("exchange.webhooks")
def webhook_task() -> None:
    """Every minute: push to the webhooks that are due (retries wait out their back-off)."""
    deliver_due_webhooks()


@db_periodic_task(crontab(minute="*"))
@lock_task("exchange.catch_up")
def stream_catch_up_task() -> None:
    """Every minute: publish to NATS what it missed while it was down (no-op without NATS)."""
    catch_up()


@db_periodic_task(crontab(minute="*"))
@lock_task("exchange.backflow")
def backflow_task() -> None:
    """Every minute: run the backflow connectors whose schedule is due."""
    run_due_connectors()
