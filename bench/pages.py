"""Server-side time and query count of the cockpit's pages (and the console's, when present)
with many orders stored.

    .venv/bin/python bench/pages.py [--fill 100000] [--templates 300] [--samples 60]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/pages.py ...

Sets up a throw-away installation: a temporary VAR_DIR (SQLite), or with ``DATABASE_URL`` a fresh
PostgreSQL database ``yiwang_bench_pages`` on that server (dropped and re-created). Migrates,
loads the small demo city, makes ``--templates`` demo orders through the real services (each
walked along its lifecycle), then ``bulk_create``s ``--fill`` copies of them received over the
past year, every timestamp of a copy shifted with its received time (so deadlines, replies and
ratings keep their order). Then, in this process, through Django's whole request stack (the test
client: middleware, session, scoping, templates — no HTTP socket), it times each page and
counts its queries:

- ``/cockpit/data.json`` as ``leader``, cold (the cached figures deleted before each request)
  and cached (within the TTL);
- ``/cockpit/rankings/`` as ``city_dispatcher`` (departments, this month), cold (trend cache
  cleared) and warm, and its XLSX export;
- ``/console/`` and ``/console/orders/<number>/`` as ``city_dispatcher`` if the console has them.

Before timing, the monthly KPI aggregate is rebuilt for the last 13 months, as the worker keeps
it (``workorders.kpi_rollup``), so the rankings read whole months from it.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
YIWANG = str(ROOT / ".venv" / "bin" / "yiwang")
BENCH_DB = "yiwang_bench_pages"
SHIFTED = (
    "received_at",
    "dispatched_at",
    "acknowledged_at",
    "replied_at",
    "closed_at",
    "due_at",
    "extension_requested_until",
    "extension_granted_until",
)


def _run(*args: str) -> str:
    done = subprocess.run([YIWANG, *args], capture_output=True, text=True, check=True)
    return done.stdout


def _prepare_database(reuse: bool = False) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return "SQLite (WAL) in " + os.environ["VAR_DIR"]
    import psycopg

    base, _, _ = url.rpartition("/")
    if reuse:
        os.environ["DATABASE_URL"] = f"{base}/{BENCH_DB}"
        return f"PostgreSQL, the database {BENCH_DB} a previous run filled"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    os.environ["DATABASE_URL"] = f"{base}/{BENCH_DB}"
    return f"PostgreSQL, fresh database {BENCH_DB}"


def _fill(count: int, seed: int) -> float:
    """``count`` copies of the stored orders, received over the past year, times shifted."""
    from django.db import transaction
    from django.utils import timezone

    from yiwang.workorders.models import WorkOrder

    rng = random.Random(seed)
    template = list(WorkOrder.objects.all())
    fields = [f.attname for f in WorkOrder._meta.concrete_fields if f.attname not in ("id",)]
    now = timezone.now()
    started = time.perf_counter()
    for start in range(0, count, 5000):
        rows = []
        for i in range(start, min(count, start + 5000)):
            source = template[i % len(template)]
            values = {name: getattr(source, name) for name in fields}
            values["number"] = f"BP{i:012d}"
            values["parent_id"] = None
            shift = now - timedelta(seconds=rng.randrange(365 * 86400)) - source.received_at
            for name in SHIFTED:
                if values[name] is not None:
                    values[name] = values[name] + shift
            rows.append(WorkOrder(**values))
        with transaction.atomic():
            WorkOrder.objects.bulk_create(rows, batch_size=1000)
    return time.perf_counter() - started


def _measure(
    client: Any, url: str, samples: int, before: Callable[[], None] | None = None
) -> tuple[list[float], int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times: list[float] = []
    queries = 0
    status = 0
    client.get(url)  # warm-up: imports, template loading, the locator's first build
    for _ in range(samples):
        if before is not None:
            before()
        with CaptureQueriesContext(connection) as captured:
            t = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - t)
        status = response.status_code
        queries = len(captured)
    return times, queries, status


def _line(label: str, result: tuple[list[float], int, int]) -> str:
    times, queries, status = result
    ms = sorted(s * 1000 for s in times)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return (
        f"  {label:<44} p50 {statistics.median(ms):7.1f} ms  p95 {p95:7.1f} ms  "
        f"{queries:3d} queries  (HTTP {status}, n={len(ms)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fill", type=int, default=100_000, help="orders bulk-copied")
    parser.add_argument("--templates", type=int, default=300, help="orders made via services")
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--reuse", action="store_true", help="time the pages again on the last run's database"
    )
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="yiwang_bench_pages_")
    os.environ["VAR_DIR"] = var_dir
    (Path(var_dir) / "static").mkdir()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.config.settings")
    print(f"database: {_prepare_database(args.reuse)}")
    started = time.perf_counter()
    _run("migrate", "-v0")
    if not args.reuse:
        _run("demo", "load", "--scale", "small")
        _run("demo", "workorders", "--count", str(args.templates), "--days", "365")
        print(
            f"set-up (migrate, small demo, {args.templates} orders): "
            f"{time.perf_counter() - started:.1f} s"
        )

    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from yiwang.accounts.models import User
    from yiwang.workorders.models import WorkOrder

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.DEBUG = False
    # Pages name their static files; the manifest exists only after collectstatic.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    if args.fill and not args.reuse:
        print(f"filled {args.fill} orders in {_fill(args.fill, args.seed):.1f} s")
    total = WorkOrder.objects.count()
    if os.environ.get("DATABASE_URL"):
        from django.db import connection

        # As autovacuum leaves a table in service: statistics, and the visibility map that lets
        # counts of open orders be answered from the index alone.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")

    from yiwang.workorders.kpi_rollup import refresh_months, year_months

    t = time.perf_counter()
    rows = refresh_months(year_months())
    print(
        f"KPI monthly aggregate, 13 months rebuilt in {time.perf_counter() - t:.1f} s ({rows} rows)"
        " — as `yiwang worker` keeps it"
    )
    leader, dispatcher = Client(), Client()
    leader.force_login(User.objects.get(username="leader"))
    dispatcher.force_login(User.objects.get(username="city_dispatcher"))
    n = args.samples
    print(
        f"with {total} orders stored ({settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}):"
    )
    print(
        _line(
            "cockpit data.json, cold",
            _measure(leader, "/cockpit/data.json", max(5, n // 3), cache.clear),
        )
    )
    print(_line("cockpit data.json, cached", _measure(leader, "/cockpit/data.json", n)))
    rankings = "/cockpit/rankings/?dimension=department"
    print(
        _line(
            "rankings (departments), trend cache cold",
            _measure(dispatcher, rankings, max(5, n // 3), cache.clear),
        )
    )
    print(_line("rankings (departments), trend cached", _measure(dispatcher, rankings, n)))
    print(
        _line(
            "rankings (towns), trend cached",
            _measure(dispatcher, "/cockpit/rankings/?dimension=town", n),
        )
    )
    print(
        _line(
            "rankings XLSX export", _measure(dispatcher, rankings + "&format=xlsx", max(5, n // 3))
        )
    )
    print(
        _line(
            "theme page (城市管理, 30 days), cold",
            _measure(leader, "/cockpit/themes/city-management/", max(5, n // 3), cache.clear),
        )
    )
    try:
        queue = reverse("console:queue")
        number = WorkOrder.objects.order_by("-received_at").values_list("number", flat=True)[0]
        detail = reverse("console:order", args=[number])
    except NoReverseMatch:
        print("  /console/ not present in this tree")
        return
    print(_line("console queue /console/", _measure(dispatcher, queue, n)))
    print(_line("console order page", _measure(dispatcher, detail, n)))


if __name__ == "__main__":
    main()
