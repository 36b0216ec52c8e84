"""``yiwang serve``: the production web server — gunicorn with several workers; WhiteNoise
serves the collected static files from the same processes."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def default_workers() -> int:
    configured = int(getattr(settings, "WEB_CONCURRENCY", 0) or 0)
    if configured:
        return configured
    return min(2 * (os.cpu_count() or 1) + 1, 8)


class Command(BaseCommand):
    help = "Run Yiwang's multi-worker web server (gunicorn) with static files served."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument(
            "--workers", type=int, default=0, help="default: WEB_CONCURRENCY or 2×cores+1"
        )
        parser.add_argument("--timeout", type=int, default=60)
        parser.add_argument("--no-collectstatic", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            raise CommandError("The database is not up to date: run `yiwang migrate` first.")
        if not options["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        workers = options["workers"] or default_workers()
        bind = f"{options['host']}:{options['port']}"
        self.stdout.write(f"Yiwang listening on http://{bind}/ with {workers} workers")
        run_gunicorn(bind=bind, workers=workers, timeout=options["timeout"])


def _warm_worker(worker: Any) -> None:
    """Each worker builds its search index and routing model in the background at start."""
    from yiwang.core.warmup import warm_in_background

    warm_in_background()


def run_gunicorn(*, bind: str, workers: int, timeout: int) -> None:
    from gunicorn.app.base import BaseApplication

    class YiwangServer(BaseApplication):
        def load_config(self) -> None:
            config = {
                "bind": bind,
                "workers": workers,
                "threads": 2,
                "timeout": timeout,
                "graceful_timeout": 20,
                "accesslog": "-",
                "errorlog": "-",
                "forwarded_allow_ips": "127.0.0.1" if settings.TRUSTED_PROXY_COUNT else "",
                # One server per machine is not assumed: no shared control socket in $HOME.
                "control_socket_disable": True,
                "worker_tmp_dir": "/dev/shm" if os.path.isdir("/dev/shm") else None,
                "post_worker_init": _warm_worker,
            }
            for key, value in config.items():
                if value is not None:
                    self.cfg.set(key, value)

        def load(self) -> Any:
            from yiwang.config.wsgi import application

            return application

    YiwangServer().run()
