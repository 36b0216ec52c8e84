"""The job queue (Huey, through ``huey.contrib.djhuey``): which storage, which consumer.

SQLite under ``VAR_DIR`` by default, so the embedded set-up needs no server; Redis when
``REDIS_URL`` is set, for several machines. Both storages honour task priorities, so a task may
ask for one whichever the deployment uses. A plain function of its inputs, so that the choice is
tested without reloading settings.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

QUEUE_NAME = "yiwang"
SQLITE_CLASS = "huey.SqliteHuey"
REDIS_CLASS = "huey.PriorityRedisHuey"


def huey_settings(
    *, redis_url: str, var_dir: Path, immediate: bool = False, workers: int = 2
) -> dict[str, Any]:
    """The ``HUEY`` setting for djhuey.

    ``immediate`` runs tasks in the calling process instead of queueing them (tests, a laptop
    without a worker). The consumer uses threads: the jobs wait on the database, not the CPU.
    """
    config: dict[str, Any] = {
        "name": QUEUE_NAME,
        "immediate": immediate,
        "utc": True,
        "consumer": {
            "workers": max(1, workers),
            "worker_type": "thread",
            # Periodic tasks (the SLA sweep) are enqueued by the consumer's scheduler.
            "periodic": True,
            "check_worker_health": True,
            # A worker killed mid-sweep leaves the sweep's lock behind: clear it at start.
            "flush_locks": True,
        },
    }
    if redis_url:
        config.update(huey_class=REDIS_CLASS, url=redis_url)
    else:
        config.update(huey_class=SQLITE_CLASS, filename=str(var_dir / "huey.sqlite3"))
    return config


def check_redis_client(redis_url: str) -> None:
    """With ``REDIS_URL`` the queue (and the cache) need the ``redis`` package: say so at
    start-up, instead of a failure inside Huey or at the first cached request."""
    if redis_url and importlib.util.find_spec("redis") is None:
        raise ImproperlyConfigured(
            "REDIS_URL is set but the Python package 'redis' is not installed "
            "(pip install redis); unset REDIS_URL to keep the queue and cache under VAR_DIR."
        )
