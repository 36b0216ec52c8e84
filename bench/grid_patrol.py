"""Patrol track ingestion for many simultaneous grid workers, and the grid report round trip.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/grid_patrol.py [--workers 10000] [--seconds 20] [--threads 8]
        [--http-workers 2] [--report-samples 40] [--skip-report]

Sets up a throw-away PostgreSQL database ``yiwang_bench_grid`` (dropped and re-created):
migrates, loads the small demo city (geography, organisation, accounts — ``yiwang demo load``),
then adds ``--workers`` grid workers (plain inserts: users, role assignments with a grid, one
running patrol each). Then:

1. the service: ``--threads`` threads call ``grid.services.add_track`` for the workers in turn,
   one position per call — what each phone sends every 30 s —, for ``--seconds``; the figure is
   positions accepted per second against the ``workers / 30`` the city needs;
2. baseline: the same number of positions as plain ``bulk_create`` of track rows (batches of
   500, no checks, no patrol update, no live position);
3. over HTTP: a real ``yiwang serve`` (gunicorn, ``--http-workers``) takes
   ``POST /api/v1/grid/patrols/{id}/track`` from ``--threads`` client threads, each request one
   position of one of 400 token-holding workers, for ``--seconds``;
4. the report round trip: ``POST /api/v1/grid/reports`` as the demo grid worker with one 2 MB
   JPEG (stored, hashed), created, located and sent up — p50/p95 over ``--report-samples``.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import UTC, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
YIWANG = str(ROOT / ".venv" / "bin" / "yiwang")
BENCH_DB = "yiwang_bench_grid"
TOKENS = 400


def _run(*args: str) -> str:
    done = subprocess.run([YIWANG, *args], capture_output=True, text=True, check=True)
    return done.stdout


def _prepare_database() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL server (postgres://…/postgres)")
    import psycopg

    base, _, _ = url.rpartition("/")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    os.environ["DATABASE_URL"] = f"{base}/{BENCH_DB}"


def _percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
    return f"p50 {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms (n={len(ms)})"


def _add_workers(n: int) -> list[tuple[int, int, float, float]]:
    """``n`` grid workers with a grid and a running patrol: (user id, patrol id, lon, lat)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from shapely.geometry import shape

    from yiwang.accounts.models import User
    from yiwang.geo.models import Grid
    from yiwang.grid.models import Patrol
    from yiwang.org.models import RoleAssignment

    grids = list(Grid.objects.filter(kind="comprehensive").order_by("code"))
    inside = {g.pk: shape(g.geometry).representative_point() for g in grids}
    password = make_password(None)
    users = User.objects.bulk_create(
        User(username=f"bench_gw{i:05d}", password=password, full_name=f"网格员{i}")
        for i in range(n)
    )
    assignments = RoleAssignment.objects.bulk_create(
        RoleAssignment(user=u, role="grid_worker", region_id=grids[i % len(grids)].town_id)
        for i, u in enumerate(users)
    )
    through = RoleAssignment.grids.through
    through.objects.bulk_create(
        through(roleassignment_id=a.pk, grid_id=grids[i % len(grids)].pk)
        for i, a in enumerate(assignments)
    )
    started = timezone.now() - timedelta(minutes=1)
    patrols = Patrol.objects.bulk_create(
        Patrol(
            worker=u,
            grid=grids[i % len(grids)],
            day=timezone.localdate(),
            started_at=started,
        )
        for i, u in enumerate(users)
    )
    return [
        (
            u.pk,
            p.pk,
            inside[grids[i % len(grids)].pk].x,
            inside[grids[i % len(grids)].pk].y,
        )
        for i, (u, p) in enumerate(zip(users, patrols, strict=True))
    ]


def _service_rate(
    workers: list[tuple[int, int, float, float]], seconds: float, threads: int
) -> int:
    from django.db import connection
    from django.utils import timezone

    from yiwang.accounts.models import User
    from yiwang.grid.services import add_track

    users = {u.pk: u for u in User.objects.filter(username__startswith="bench_gw")}
    counter = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def run(share: list[tuple[int, int, float, float]]) -> None:
        rng = random.Random(len(share))
        done = 0
        step = 0
        try:
            while time.perf_counter() < stop:
                for user_id, patrol_id, lon, lat in share:
                    if time.perf_counter() >= stop:
                        break
                    point = {
                        "lon": lon + rng.uniform(-3e-4, 3e-4),
                        "lat": lat + rng.uniform(-3e-4, 3e-4),
                        "at": (timezone.now() + timedelta(microseconds=step)).isoformat(),
                    }
                    add_track(patrol_id, actor=users[user_id], points=[point])
                    done += 1
                step += 1
        finally:
            connection.close()
            with lock:
                counter[0] += done

    shares = [workers[i::threads] for i in range(threads)]
    pool = [threading.Thread(target=run, args=(s,)) for s in shares]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return counter[0]


def _baseline_rate(workers: list[tuple[int, int, float, float]], count: int) -> float:
    from django.utils import timezone

    from yiwang.grid.models import TrackPoint

    now = timezone.now() + timedelta(hours=1)
    rows = [
        TrackPoint(
            patrol_id=workers[i % len(workers)][1],
            recorded_at=now + timedelta(seconds=i // len(workers)),
            lon=workers[i % len(workers)][2],
            lat=workers[i % len(workers)][3],
        )
        for i in range(count)
    ]
    started = time.perf_counter()
    for i in range(0, len(rows), 500):
        TrackPoint.objects.bulk_create(rows[i : i + 500])
    return count / (time.perf_counter() - started)


def _tokens(workers: list[tuple[int, int, float, float]]) -> list[tuple[str, int, float, float]]:
    from yiwang.accounts.models import User
    from yiwang.accounts.services import create_token

    out = []
    for user_id, patrol_id, lon, lat in workers[:TOKENS]:
        _token, secret = create_token(User.objects.get(pk=user_id), actor=None, name="bench")
        out.append((secret, patrol_id, lon, lat))
    return out


def _post(url: str, token: str, body: bytes, content_type: str, extra: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", content_type)
    for k, v in extra.items():
        request.add_header(k, v)
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
        return int(response.status)


def _http_rate(
    base: str,
    tokens: list[tuple[str, int, float, float]],
    seconds: float,
    threads: int,
    per_request: int,
) -> tuple[int, list[float], int]:
    """Positions accepted in ``seconds``: each request ``per_request`` positions of one worker
    (the phone uploads four at a time)."""
    from datetime import datetime

    counter = [0, 0]
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def run(share: list[tuple[str, int, float, float]]) -> None:
        done = failed = 0
        mine: list[float] = []
        while time.perf_counter() < stop:
            for token, patrol_id, lon, lat in share:
                if time.perf_counter() >= stop:
                    break
                at = datetime.now(UTC).isoformat()
                body = json.dumps({"points": [{"lon": lon, "lat": lat, "at": at}]}).encode()
                t0 = time.perf_counter()
                try:
                    _post(
                        f"{base}/api/v1/grid/patrols/{patrol_id}/track",
                        token,
                        body,
                        "application/json",
                        {},
                    )
                    done += per_request
                    mine.append(time.perf_counter() - t0)
                except Exception:
                    failed += 1
        with lock:
            counter[0] += done
            counter[1] += failed
            latencies.extend(mine)

    pool = [threading.Thread(target=run, args=(tokens[i::threads],)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return counter[0], latencies, counter[1]


def _multipart(fields: dict[str, str], files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for k, v in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n'.encode())
        out.write(v.encode() + b"\r\n")
    for name, filename, content in files:
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
        )
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def _report_round_trip(base: str, samples: int) -> list[float]:
    from shapely.geometry import shape

    from yiwang.accounts.models import User
    from yiwang.accounts.services import create_token
    from yiwang.geo.models import Grid
    from yiwang.grid.services import worker_grid_ids
    from yiwang.workorders.models import Category

    worker = User.objects.get(username="grid_worker")
    _t, token = create_token(worker, actor=None, name="bench")
    grid = Grid.objects.get(pk=min(worker_grid_ids(worker)))
    point = shape(grid.geometry).representative_point()
    category = (
        Category.objects.filter(is_active=True, parent__isnull=False, kind="event")
        .order_by("code")
        .first()
    )
    assert category is not None
    photo = b"\xff\xd8\xff\xe0" + os.urandom(2 * 1024 * 1024 - 4)
    times = []
    for i in range(samples):
        body, content_type = _multipart(
            {
                "description": f"基准测试：第{i}件，路面破损需修复。",
                "category": category.code,
                "lon": f"{point.x:.6f}",
                "lat": f"{point.y:.6f}",
                "mode": "escalate",
                "reason": "需专业维修",
            },
            [("photos", "现场.jpg", photo)],
        )
        t0 = time.perf_counter()
        status = _post(
            f"{base}/api/v1/grid/reports",
            token,
            body,
            content_type,
            {"Idempotency-Key": f"bench-{uuid.uuid4().hex[:24]}"},
        )
        times.append(time.perf_counter() - t0)
        assert status == 201, status
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--http-workers", type=int, default=2)
    parser.add_argument("--report-samples", type=int, default=40)
    parser.add_argument("--skip-report", action="store_true")
    parser.add_argument("--port", type=int, default=8731)
    args = parser.parse_args()

    _prepare_database()
    var_dir = tempfile.mkdtemp(prefix="yiwang-bench-grid-")
    os.environ["VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.config.settings")
    started = time.perf_counter()
    _run("migrate", "-v0")
    _run("demo", "load", "--scale", "small")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    workers = _add_workers(args.workers)
    print(
        f"set-up (migrate, small demo, {args.workers} workers): "
        f"{time.perf_counter() - started:.1f} s"
    )
    need = args.workers / 30

    _service_rate(workers[:200], 2, 2)  # warm-up: the process builds its grid index once
    count = _service_rate(workers[200:], args.seconds, args.threads)
    rate = count / args.seconds
    print(
        f"service add_track, {args.threads} threads: {rate:.0f} positions/s "
        f"({count} in {args.seconds:.0f} s); needed for {args.workers} workers every 30 s: "
        f"{need:.0f}/s → {'sustained' if rate >= need else 'BACKLOG'} ({rate / need:.1f}×)"
    )
    baseline = _baseline_rate(workers, max(count, 5000))
    print(
        f"baseline bulk_create of track rows: {baseline:.0f} rows/s "
        f"(service at {rate / baseline:.2%})"
    )

    tokens = _tokens(workers)
    server = subprocess.Popen(
        [YIWANG, "serve", "--port", str(args.port), "--workers", str(args.http_workers)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{args.port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/v1/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        _http_rate(base, tokens, 3, args.threads, 1)  # warm-up: each worker builds its index
        for per_request in (1, 4):
            done, latencies, failed = _http_rate(
                base, tokens, args.seconds, args.threads, per_request
            )
            http_rate = done / args.seconds
            print(
                f"HTTP POST …/track, {per_request} position(s) per request, "
                f"{args.http_workers} gunicorn workers, {args.threads} clients: "
                f"{http_rate:.0f} positions/s, requests {_percentiles(latencies)}, {failed} failed;"
                f" {'sustained' if http_rate >= need else 'BACKLOG'} for {args.workers} workers "
                f"({http_rate / need:.1f}×)"
            )
        if not args.skip_report:
            times = _report_round_trip(base, args.report_samples)
            print(f"report round trip (2 MB photo + create + locate + 上报): {_percentiles(times)}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
