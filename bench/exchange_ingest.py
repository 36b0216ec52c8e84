"""The exchange's figures on PostgreSQL: bulk ingest through the HTTP API next to a plain COPY
of the same rows, pull with projection and masking, ingest-to-NATS-subscriber latency, and
storage per record with the projection to 30.4 billion records.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/exchange_ingest.py [--batches 5] [--batch-size 100000] \
        [--latency-samples 50] [--workers 2]

Creates a fresh database ``yiwang_bench_exchange`` on that server (dropped and re-created),
migrates, creates two departments, a resource of seven items (two personal), a provider and a
consumer token and a grant of five items with two masked, then starts ``yiwang serve``:

1. ingest: ``--batches`` POSTs of ``--batch-size`` JSON Lines records (~165 bytes each) to
   ``/api/v1/exchange/resources/{code}/batches``, one after another, timed end to end (HTTP,
   validation, sequence numbers, COPY, audit); baseline: a plain ``COPY`` of the same lines into
   a table of the same shape (same columns, key and hash partitions) in the same run;
2. pull: one consumer reads every record back in ``limit=10000`` pages (projection + masking),
   a thread following the cursor headers while the main thread parses the pages it has;
3. latency: the server restarted with ``NATS_URL``; a NATS subscriber on the resource's subject;
   ``--latency-samples`` batches of 10 records, each timed from the POST to the subscriber
   receiving the message (p50/p95);
4. storage: ``pg_total_relation_size`` of the record partitions over the record count, and that
   figure times 30.4 billion.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
YIWANG = str(ROOT / ".venv" / "bin" / "yiwang")
BENCH_DB = "yiwang_bench_exchange"
CODE = "BENCH-PERMIT"
ITEMS: list[dict[str, Any]] = [
    {"name": "permit_no", "type": "string", "required": True},
    {"name": "holder", "type": "string", "personal": "name"},
    {"name": "phone", "type": "string", "personal": "phone"},
    {"name": "issued_on", "type": "date"},
    {"name": "area_m2", "type": "number"},
    {"name": "floors", "type": "integer"},
    {"name": "district", "type": "string"},
]


def _prepare_database() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL server (the figures are for it)")
    import psycopg

    base, _, _ = url.rpartition("/")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    os.environ["DATABASE_URL"] = f"{base}/{BENCH_DB}"
    return os.environ["DATABASE_URL"]


def _lines(start: int, count: int) -> list[str]:
    districts = ["崇川区", "通州区", "海门区", "如皋市", "启东市", "海安市", "如东县"]
    return [
        json.dumps(
            {
                "permit_no": f"320600{n:010d}",
                "holder": "张三丰",
                "phone": f"138{n % 100_000_000:08d}",
                "issued_on": f"2026-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
                "area_m2": round(100 + (n % 9000) * 1.25, 2),
                "floors": n % 30 + 1,
                "district": districts[n % 7],
            },
            ensure_ascii=False,
            separators=(",", ": "),
        )
        for n in range(start, start + count)
    ]


def _setup() -> tuple[str, str, int]:
    from yiwang.accounts.services import create_user
    from yiwang.exchange import services
    from yiwang.geo.models import Region
    from yiwang.org.models import Department
    from yiwang.org.services import assign_role

    square = {"type": "Polygon", "coordinates": [[[120, 32], [121, 32], [121, 33], [120, 32]]]}
    city = Region.objects.create(
        code="320600", name="南通市", level="city", kind="city", path="320600/",
        geometry=square, min_lon=120, min_lat=32, max_lon=121, max_lat=33,
        centroid_lon=120.5, centroid_lat=32.5, area_km2=1.0,
    )  # fmt: skip
    provider, consumer = (
        Department.objects.create(
            code=code,
            name=name,
            short_name=name,
            kind="bureau",
            tier="city",
            region=city,
            duties="—",
        )
        for code, name in (("NT-ZJJ", "市住建局"), ("NT-GAJ", "市公安局"))
    )
    steward = create_user(actor=None, username="bench_steward", password="Qx7-tide-Harbour-93!")
    assign_role(steward, "data_steward", actor=None)
    resource = services.register_resource(
        actor=steward, provider=provider, code=CODE, name="施工许可", items=ITEMS,
        key_item="permit_no",
    )  # fmt: skip
    services.grant_resource(
        resource, actor=steward, consumer=consumer,
        items=["permit_no", "holder", "phone", "issued_on", "district"],
        masked_items=["holder", "phone"], rate_limit="100000/m",
    )  # fmt: skip
    _c, push_token = services.issue_client(provider, actor=steward, name="push")
    _c, pull_token = services.issue_client(consumer, actor=steward, name="pull")
    return push_token, pull_token, resource.pk


def _serve(port: int, workers: int, extra: dict[str, str]) -> subprocess.Popen[bytes]:
    env = {**os.environ, **extra}
    server = subprocess.Popen(
        [YIWANG, "serve", "--port", str(port), "--workers", str(workers)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("the server did not start")


def _post(base: str, token: str, batch_id: str, body: bytes) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{base}/api/v1/exchange/resources/{CODE}/batches",
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Batch-Id": batch_id,
            "Content-Type": "application/x-ndjson",
        },
    )
    with urllib.request.urlopen(request, timeout=300) as reply:
        return dict(json.loads(reply.read()))


def _copy_baseline(lines: list[str]) -> float:
    """A plain COPY of the same lines into a same-shape table; seconds."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute(
            "CREATE TABLE bench_copy (LIKE exchange_record INCLUDING DEFAULTS, "
            "PRIMARY KEY (resource_id, seq)) PARTITION BY HASH (resource_id)"
        )
        for n in range(16):
            cursor.execute(
                f"CREATE TABLE bench_copy_p{n:02d} PARTITION OF bench_copy "
                f"FOR VALUES WITH (MODULUS 16, REMAINDER {n})"
            )
    # The rows ready in COPY's text format before the clock starts: the baseline is the
    # database's side of a COPY, with no Python work per row.
    chunks = [
        "".join(
            f"1\t{seq}\tk{seq}\t1\t{text.replace(chr(92), chr(92) * 2)}\n"
            for seq, text in enumerate(lines[i : i + 100_000], i + 1)
        ).encode()
        for i in range(0, len(lines), 100_000)
    ]
    started = time.perf_counter()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(
            "COPY bench_copy (resource_id, seq, record_key, batch_id, data) FROM STDIN"
        ) as copy,
    ):
        for chunk in chunks:
            copy.write(chunk)
    elapsed = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE bench_copy")
    return elapsed


def _pull_all(base: str, token: str) -> tuple[int, float, dict[str, Any]]:
    """One consumer reading everything: a fetching thread follows the cursor in the response
    headers while the main thread parses the pages it already has."""
    import queue

    pages: queue.Queue[bytes | None] = queue.Queue(maxsize=4)

    def fetch() -> None:
        after = 0
        while True:
            request = urllib.request.Request(
                f"{base}/api/v1/exchange/resources/{CODE}/records?after={after}&limit=10000",
                headers={"Authorization": f"Bearer {token}"},
            )
            with urllib.request.urlopen(request, timeout=120) as reply:
                body = reply.read()
                after = int(reply.headers["Yiwang-Next-After"])
                more = reply.headers["Yiwang-Has-More"] == "true"
            pages.put(body)
            if not more:
                break
        pages.put(None)

    count = 0
    first: dict[str, Any] = {}
    started = time.perf_counter()
    fetcher = threading.Thread(target=fetch)
    fetcher.start()
    while (body := pages.get()) is not None:
        page = json.loads(body)
        first = first or page["records"][0]
        count += len(page["records"])
    fetcher.join()
    return count, time.perf_counter() - started, first


def _latency(base: str, token: str, samples: int, nats_url: str, stream: str) -> list[float]:
    import nats

    received: dict[str, float] = {}
    ready = threading.Event()
    stop = threading.Event()

    async def listen() -> None:
        nc = await nats.connect(nats_url)

        async def on_message(msg: Any) -> None:
            payload = json.loads(msg.data)
            received[payload["records"][0]["data"]["permit_no"]] = time.perf_counter()

        await nc.subscribe(f"{stream}.{CODE}", cb=on_message)
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.01)
        await nc.close()

    thread = threading.Thread(target=lambda: asyncio.run(listen()), daemon=True)
    thread.start()
    ready.wait(10)
    latencies = []
    for n in range(samples):
        lines = _lines(10_000_000 + n * 10, 10)
        marker = json.loads(lines[0])["permit_no"]
        sent = time.perf_counter()
        _post(base, token, f"lat-{n}", "\n".join(lines).encode())
        while marker not in received and time.perf_counter() - sent < 10:
            time.sleep(0.001)
        latencies.append(received.get(marker, float("inf")) - sent)
        time.sleep(0.05)
    stop.set()
    thread.join(5)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=100_000)
    parser.add_argument("--latency-samples", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args()

    os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="yiwang_bench_exchange_")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.config.settings")
    os.environ["NATS_URL"] = ""
    print(f"database: {_prepare_database()}")
    started = time.perf_counter()
    subprocess.run([YIWANG, "migrate", "-v0"], check=True)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    push_token, pull_token, resource_id = _setup()
    setup_seconds = time.perf_counter() - started
    print(f"set-up (migrate, departments, resource, grant, tokens): {setup_seconds:.1f} s")

    total = args.batches * args.batch_size
    lines = _lines(0, total)
    row_bytes = sum(len(line.encode()) for line in lines) / total
    print(f"rows: {total:,} JSON Lines records, {row_bytes:.0f} bytes each on average")

    copy_seconds = _copy_baseline(lines)
    copy_rate = total / copy_seconds
    print(f"baseline plain COPY: {copy_rate:,.0f} rows/s ({copy_seconds:.2f} s)")

    base = f"http://127.0.0.1:{args.port}"
    server = _serve(args.port, args.workers, {})
    try:
        bodies = [
            "\n".join(lines[i : i + args.batch_size]).encode()
            for i in range(0, total, args.batch_size)
        ]
        # Warm the workers up (imports, connections, the first COPY) before timing.
        for n in range(4 * args.workers):
            warm = "\n".join(_lines(90_000_000 + n * 10, 10)).encode()
            _post(base, push_token, f"warm-{n}", warm)
        started = time.perf_counter()
        for n, body in enumerate(bodies):
            result = _post(base, push_token, f"bench-{n}", body)
            assert result["records"] == args.batch_size, result
        ingest_seconds = time.perf_counter() - started
        ingest_rate = total / ingest_seconds
        print(
            f"ingest through the HTTP API: {ingest_rate:,.0f} records/s ({ingest_seconds:.2f} s, "
            f"{args.batches} batches of {args.batch_size:,}) = {ingest_rate / copy_rate:.2f}× COPY"
        )
        # Warm the workers up (imports, connections) before timing the pull.
        for _ in range(4 * args.workers):
            urllib.request.urlopen(
                urllib.request.Request(
                    f"{base}/api/v1/exchange/resources/{CODE}/records?after=0&limit=10",
                    headers={"Authorization": f"Bearer {pull_token}"},
                ),
                timeout=60,
            ).read()
        count, pull_seconds, first = _pull_all(base, pull_token)
        assert count == total + 40 * args.workers, count
        print(
            f"pull with projection (5 of 7 items) and masking (2): {count / pull_seconds:,.0f} "
            f"records/s ({pull_seconds:.2f} s); first record as delivered: "
            f"{json.dumps(first['data'], ensure_ascii=False)}"
        )
    finally:
        server.terminate()
        server.wait(30)

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits "
            "WHERE inhparent = 'exchange_record'::regclass"
        )
        (size,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM exchange_record")
        (stored,) = cursor.fetchone()
    per_record = int(size) / stored
    projected = per_record * 30.4e9
    print(
        f"storage: {per_record:.0f} bytes per record (table, TOAST and primary key, "
        f"{stored:,} records); 30.4 billion records ≈ {projected / 1e12:.1f} TB"
    )

    nats_url = os.environ.get("BENCH_NATS_URL", "nats://127.0.0.1:4222")
    stream = "YWBENCH"
    base = f"http://127.0.0.1:{args.port + 1}"
    server = _serve(
        args.port + 1, args.workers, {"NATS_URL": nats_url, "EXCHANGE_NATS_STREAM": stream}
    )
    try:
        # Let the server publish the backlog first (the catch-up runs on the next commit).
        from django.db import connection as conn

        conn.close()
        _post(base, push_token, "warm-up", "\n".join(_lines(20_000_000, 1)).encode())
        deadline = time.monotonic() + 300
        from yiwang.exchange.models import Resource

        while time.monotonic() < deadline:
            resource = Resource.objects.get(pk=resource_id)
            if resource.published_sequence >= resource.last_sequence:
                break
            time.sleep(0.5)
        samples = _latency(base, push_token, args.latency_samples, nats_url, stream)
        ms = sorted(s * 1000 for s in samples)
        p95 = ms[min(len(ms) - 1, int(len(ms) * 0.95))]
        print(
            f"ingest → NATS subscriber latency ({len(ms)} batches of 10): "
            f"p50 {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms"
        )
    finally:
        server.terminate()
        server.wait(30)
        from yiwang.exchange.nats_bridge import bridge

        bridge(nats_url).delete_stream(stream)


if __name__ == "__main__":
    main()
