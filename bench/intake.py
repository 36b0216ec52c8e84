"""Work-order intake through the HTTP API, against plain inserts of the same rows; then list and
detail latency with the orders stored.

    .venv/bin/python bench/intake.py [--orders 2000] [--threads 8] [--workers 4] [--fill 100000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/intake.py

Sets up a throw-away installation: a temporary VAR_DIR (SQLite), or with ``DATABASE_URL`` a fresh
PostgreSQL database ``yiwang_bench`` on that server (dropped and re-created). Migrates, loads the
small demo city, creates API tokens for ``hotline_agent`` and ``city_dispatcher``, and starts a
real ``yiwang serve`` (gunicorn) in a subprocess. Then:

1. POSTs ``--orders`` requests to ``/api/v1/workorders`` from ``--threads`` threads (each a
   flat JSON body with a point in a real grid, a category and a contact): every order is
   validated, located, checked for duplicates, routed, numbered and audited by the server;
   then as many again through ``POST /api/v1/workorders/batch`` in batches of ``--batch``;
2. baseline: ``bulk_create`` of copies of the same rows (batches of 500, no events, no audit);
3. fills the table with ``--fill`` more plain-inserted copies spread over a year, then times
   ``GET /api/v1/workorders?limit=50`` and ``GET /api/v1/workorders/{number}`` as
   ``city_dispatcher`` (p50/p95 over ``--samples`` requests each);
4. times the KPI ranking of all units, counties and towns over the past year (``compute_kpis``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
YIWANG = str(ROOT / ".venv" / "bin" / "yiwang")
BENCH_DB = "yiwang_bench"


def _run(*args: str) -> str:
    done = subprocess.run([YIWANG, *args], capture_output=True, text=True, check=True)
    return done.stdout


def _prepare_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        return "SQLite (WAL) in " + os.environ["VAR_DIR"]
    import psycopg

    base, _, _ = url.rpartition("/")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    os.environ["DATABASE_URL"] = f"{base}/{BENCH_DB}"
    return f"PostgreSQL, fresh database {BENCH_DB}"


def _reuse_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise SystemExit("--reads-only needs DATABASE_URL (the server a previous run filled)")
    base, _, _ = url.rpartition("/")
    os.environ["DATABASE_URL"] = f"{base}/{BENCH_DB}"
    return f"PostgreSQL, the database {BENCH_DB} a previous run filled"


def _percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"p50 {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms"


class Api:
    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())


def _bodies(count: int, seed: int) -> list[dict[str, Any]]:
    """Requests as a hotline client would send them (made with the demo's generators)."""
    from yiwang.demo.request_texts import mobile, person_name, request_text
    from yiwang.demo.workorders import _Area
    from yiwang.geo.models import Grid
    from yiwang.workorders.models import Category

    rng = random.Random(seed)
    area = _Area(list(Grid.objects.filter(kind="comprehensive").order_by("code")))
    families = {c.pk: c.code for c in Category.objects.filter(parent__isnull=True)}
    subclasses = list(Category.objects.filter(parent__isnull=False).order_by("code"))
    bodies = []
    for _ in range(count):
        sub = rng.choice(subclasses)
        request_type = rng.choice(["complaint", "help", "consultation", "report"])
        description, address = request_text(
            rng,
            family=families.get(sub.parent_id or 0, ""),
            name=sub.name,
            keywords=[k for k in sub.keywords.split(",") if k],
            request_type=request_type,
        )
        lon, lat = area.point(rng)
        bodies.append(
            {
                "description": description,
                "address": address,
                "lon": lon,
                "lat": lat,
                "request_type": request_type,
                "channel": "hotline",
                "category": sub.code,
                "contact_name": person_name(rng),
                "contact_phone": mobile(rng),
            }
        )
    return bodies


def _post_concurrently(
    requests: list[tuple[str, Any]], send: Any, threads: int
) -> tuple[float, list[str]]:
    """POST each (path, body) from ``threads`` threads; ``send`` turns an answer into the order
    numbers it filed. Answers the elapsed time and the numbers; prints the errors."""
    numbers: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()
    queue = list(requests)

    def worker() -> None:
        while True:
            with lock:
                if not queue:
                    return
                path, body = queue.pop()
            try:
                filed = send(path, body)
                with lock:
                    numbers.extend(filed)
            except urllib.error.HTTPError as exc:
                with lock:
                    errors.append(f"{exc.code} {exc.read()[:200]!r}")

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        print(f"  {len(errors)} errors, first: {errors[0]}")
    return elapsed, numbers


def _post_all(api: Api, bodies: list[dict[str, Any]], threads: int) -> tuple[float, list[str]]:
    """One order per ``POST /api/v1/workorders``."""
    return _post_concurrently(
        [("/api/v1/workorders", body) for body in bodies],
        lambda path, body: [api.call("POST", path, body)["number"]],
        threads,
    )


def _post_batches(
    api: Api, bodies: list[dict[str, Any]], size: int, threads: int
) -> tuple[float, list[str]]:
    """``bodies`` through ``POST /api/v1/workorders/batch`` in batches of ``size``."""
    return _post_concurrently(
        [
            ("/api/v1/workorders/batch", {"orders": bodies[i : i + size]})
            for i in range(0, len(bodies), size)
        ],
        lambda path, body: [o["number"] for o in api.call("POST", path, body)["orders"]],
        threads,
    )


_DEPARTMENTS: list[int] = []
RATINGS = ["very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", ""]


def _copies(template: list[Any], count: int, prefix: str, rng: random.Random) -> list[Any]:
    """``count`` unsaved copies of stored orders, new numbers, received over the past year; four
    in five went the whole way (dispatched to a unit, acknowledged, replied, rated, closed), so
    the KPIs have something to count."""
    from django.utils import timezone

    from yiwang.org.models import Department

    if not _DEPARTMENTS:
        _DEPARTMENTS.extend(Department.objects.values_list("pk", flat=True))
    now = timezone.now()
    rows = []
    fields = [f.attname for f in template[0]._meta.concrete_fields if f.attname != "id"]
    for i in range(count):
        values = {name: getattr(template[i % len(template)], name) for name in fields}
        values["number"] = f"{prefix}{i:09d}"
        received = now - timedelta(seconds=rng.randrange(365 * 86400))
        values["received_at"] = received
        if rng.random() < 0.8:
            dispatched = received + timedelta(hours=rng.uniform(0.2, 6))
            replied = dispatched + timedelta(hours=rng.uniform(2, 120))
            values.update(
                state="closed",
                lead_department_id=rng.choice(_DEPARTMENTS),
                dispatched_at=dispatched,
                acknowledged_at=dispatched + timedelta(hours=rng.uniform(0.1, 30)),
                due_at=dispatched + timedelta(days=3),
                replied_at=replied,
                closed_at=replied + timedelta(hours=20),
                rating=rng.choice(RATINGS),
                return_count=int(rng.random() < 0.05),
                urge_count=int(rng.random() < 0.1),
            )
        rows.append(template[0].__class__(**values))
    return rows


def _time_kpis(rounds: int = 3) -> None:
    """The KPI ranking of every unit, county and town over the past year (as the ranking page
    asks for it): one grouped query per dimension."""
    from django.utils import timezone

    from yiwang.workorders.kpis import compute_kpis
    from yiwang.workorders.models import WorkOrder

    end = timezone.now()
    start = end - timedelta(days=365)
    for group_by in ("department", "county", "town"):
        times = []
        for _ in range(rounds):
            t = time.perf_counter()
            rows = compute_kpis(WorkOrder.objects.all(), group_by=group_by, start=start, end=end)
            times.append(time.perf_counter() - t)
        print(
            f"  KPIs for all {len(rows)} by {group_by}, one year, live: "
            f"best {min(times) * 1000:.0f} ms, worst {max(times) * 1000:.0f} ms"
        )
    from yiwang.accounts.models import User
    from yiwang.workorders.kpi_rollup import kpis_for, refresh_months, year_months
    from yiwang.workorders.kpis import GroupBy

    t = time.perf_counter()
    rows_written = refresh_months(year_months())
    print(
        f"  monthly aggregate of 13 months rebuilt in {time.perf_counter() - t:.1f} s "
        f"({rows_written} rows; the worker does this nightly, the last two months every 10 min)"
    )
    leader = User.objects.get(username="city_dispatcher")
    dimensions: tuple[GroupBy, ...] = ("department", "county", "town")
    for group_by in dimensions:
        times = []
        for _ in range(rounds):
            t = time.perf_counter()
            rows = kpis_for(leader, group_by=group_by, start=start, end=end)
            times.append(time.perf_counter() - t)
        print(
            f"  KPIs for all {len(rows)} by {group_by}, the same year through the aggregate "
            f"(edges live): best {min(times) * 1000:.0f} ms, worst {max(times) * 1000:.0f} ms"
        )


def _bulk_insert(rows: list[Any]) -> float:
    from django.db import transaction

    from yiwang.workorders.models import WorkOrder

    started = time.perf_counter()
    for i in range(0, len(rows), 500):
        with transaction.atomic():
            WorkOrder.objects.bulk_create(rows[i : i + 500])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--fill", type=int, default=100_000, help="plain rows added before reads")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument(
        "--reads-only",
        action="store_true",
        help="reuse the database a previous run filled (migrated to this code): reads and KPIs",
    )
    parser.add_argument("--batch", type=int, default=200, help="orders per bulk request; 0: skip")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="yiwang_bench_")
    os.environ["VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.config.settings")
    where = _reuse_database() if args.reads_only else _prepare_database()
    print(f"database: {where}")
    started = time.perf_counter()
    _run("migrate", "-v0")
    if not args.reads_only:
        _run("demo", "load", "--scale", "small")
    agent = _run("token", "create", "hotline_agent").strip().splitlines()[-1]
    dispatcher = _run("token", "create", "city_dispatcher").strip().splitlines()[-1]
    print(f"set-up (migrate, small demo, tokens): {time.perf_counter() - started:.1f} s")

    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from yiwang.workorders.models import WorkOrder

    bodies = _bodies(args.orders, args.seed)
    server = subprocess.Popen(
        [YIWANG, "serve", "--port", str(args.port), "--workers", str(args.workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/api/v1/health", timeout=2).read()
                break
            except OSError:
                time.sleep(0.5)
        rng = random.Random(args.seed)
        if args.reads_only:
            numbers = list(
                WorkOrder.objects.order_by("-id").values_list("number", flat=True)[:2000]
            )
        else:
            api = Api(base, agent)
            api.call("POST", "/api/v1/workorders", bodies[0])  # warm every import path once
            elapsed, numbers = _post_all(api, bodies[1:], args.threads)
            api_rate = len(numbers) / elapsed
            print(
                f"API intake: {len(numbers)} orders in {elapsed:.1f} s = {api_rate:.0f} orders/s "
                f"({args.threads} threads, {args.workers} gunicorn workers)"
            )

            if args.batch:
                batch_bodies = _bodies(args.orders, args.seed + 1)
                elapsed, batched = _post_batches(api, batch_bodies, args.batch, args.threads)
                print(
                    f"API bulk intake (POST /workorders/batch, {args.batch} per request): "
                    f"{len(batched)} orders in {elapsed:.1f} s = "
                    f"{len(batched) / elapsed:.0f} orders/s"
                )

            template = list(WorkOrder.objects.filter(number__in=numbers))
            rows = _copies(template, len(template), "BASE", rng)
            base_elapsed = _bulk_insert(rows)
            base_rate = len(rows) / base_elapsed
            print(
                f"baseline bulk_create of the same rows: {len(rows)} in {base_elapsed:.2f} s = "
                f"{base_rate:.0f} orders/s; API/baseline = {api_rate / base_rate:.3f}"
            )

            if args.fill:
                fill_elapsed = 0.0
                for start in range(0, args.fill, 20_000):
                    chunk = _copies(template, min(20_000, args.fill - start), f"F{start:07d}", rng)
                    fill_elapsed += _bulk_insert(chunk)
                print(f"filled {args.fill} more rows in {fill_elapsed:.1f} s")
        total = WorkOrder.objects.count()
        reader = Api(base, dispatcher)
        page = reader.call("GET", "/api/v1/workorders?limit=50")
        assert len(page["items"]) == 50
        listing, details, deep = [], [], []
        for i in range(args.samples):
            t = time.perf_counter()
            reader.call("GET", "/api/v1/workorders?limit=50")
            listing.append(time.perf_counter() - t)
            t = time.perf_counter()
            reader.call("GET", f"/api/v1/workorders/{rng.choice(numbers)}")
            details.append(time.perf_counter() - t)
            if page["next"] and i < args.samples // 4:
                t = time.perf_counter()
                page = reader.call("GET", f"/api/v1/workorders?limit=50&cursor={page['next']}")
                deep.append(time.perf_counter() - t)
        print(f"with {total} orders stored, as city_dispatcher, {args.samples} requests each:")
        print(f"  list (limit=50, first page): {_percentiles(listing)}")
        if deep:
            print(f"  list, following pages:       {_percentiles(deep)}")
        print(f"  detail with timeline:        {_percentiles(details)}")
        _time_kpis()
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
