"""Latency of the agent's live advice while a request is typed: routing suggestion + knowledge-base
search + similar open orders together (``hotline.advice.advise``), as the call screen asks for it.

    .venv/bin/python bench/hotline_advice.py [--samples 400] [--orders 2000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/hotline_advice.py

Sets up a throw-away installation (a temporary VAR_DIR with SQLite, or with ``DATABASE_URL`` a
fresh PostgreSQL database ``yiwang_bench_hotline``), loads the full demo city (the knowledge base's
11,268 + 84 entries, the published routing model, the 240 sample orders) and ``--orders`` more
open orders through the bulk generator, so the similar-order search has neighbours to compare.
Then, in this process, it times ``advise()`` on prefixes of realistic requests — what the screen
sends as the agent types, every 250 ms — and prints p50/p95/p99 of the whole and of each part,
next to the baseline of the same call with the knowledge base and the model left out (the
similar-order query alone). Goal: p95 < 150 ms.
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
YIWANG = str(ROOT / ".venv" / "bin" / "yiwang")
BENCH_DB = "yiwang_bench_hotline"
REQUESTS = [
    "请问住房公积金怎么提取，需要带什么材料",
    "我家楼下的路灯坏了好几天了，晚上一片漆黑",
    "小区旁边的饭店油烟太大，熏得家里没法开窗",
    "孩子上小学的学区怎么划分，户口不在这边能不能上",
    "失业了怎么领取失业保险金",
    "马路上有个井盖不见了，很危险",
    "工地晚上十二点还在施工，噪音太大睡不着",
    "社保卡丢了怎么补办",
    "公交车站的站牌被撞坏了",
    "老年人优待证在哪里办理",
]


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


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


def _typed(rng: random.Random, samples: int) -> list[str]:
    """Prefixes of requests as they stand at each pause in typing (≥ 6 characters). Each
    request names a different place, as callers do, so no two texts are alike and no cache of
    a previous answer (or of a tokenised phrase) can serve it."""
    from yiwang.demo.request_texts import place

    texts = []
    while len(texts) < samples:
        request = f"我在{place(rng)}，{rng.choice(REQUESTS)}"
        cut = rng.randint(min(12, len(request)), len(request))
        texts.append(request[:cut])
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=12345)
    args = parser.parse_args()

    os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="yiwang-bench-hotline-"))
    where = _prepare_database()
    print(f"database: {where}")
    started = time.perf_counter()
    subprocess.run([YIWANG, "migrate", "--noinput", "-v", "0"], check=True)
    subprocess.run([YIWANG, "demo", "load"], check=True, stdout=subprocess.DEVNULL)
    if args.orders:
        subprocess.run(
            [YIWANG, "demo", "workorders", "--count", str(args.orders), "--days", "7"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    print(f"set-up: {time.perf_counter() - started:.0f} s")

    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.config.settings")
    import django

    django.setup()
    from yiwang.accounts.models import User
    from yiwang.hotline import advice

    agent = User.objects.get(username="hotline_agent")
    rng = random.Random(args.seed)
    texts = _typed(rng, args.samples)
    # Warm the per-process indexes (knowledge base, model, routing) as a running server has.
    for text in REQUESTS:
        advice.advise(agent, text)

    total: list[float] = []
    parts: dict[str, list[float]] = {"routing": [], "knowledge": [], "similar": []}
    suggested: list[str | None] = []
    for text in texts:
        begin = time.perf_counter()
        result: dict[str, Any] = advice.advise(agent, text)
        total.append((time.perf_counter() - begin) * 1000)
        for name, value in result["timings_ms"].items():
            parts[name].append(value)
        routing = result["routing"] or {}
        top = (routing.get("suggestions") or [{}])[0]
        suggested.append(top.get("category_code"))
    baseline: list[float] = []
    for text, category in zip(texts, suggested, strict=True):
        begin = time.perf_counter()
        advice.similar_open_orders(agent, text, category=category)
        baseline.append((time.perf_counter() - begin) * 1000)

    def line(name: str, values: list[float]) -> str:
        return (
            f"{name:<22} p50 {statistics.median(values):7.1f} ms   "
            f"p95 {_percentile(values, 0.95):7.1f} ms   p99 {_percentile(values, 0.99):7.1f} ms"
        )

    print(f"samples: {len(texts)} typed prefixes of {len(REQUESTS)} requests at random places")
    print(line("advice (all three)", total))
    for name, values in parts.items():
        print(line(f"  {name}", values))
    print(line("baseline (query only)", baseline))
    p95 = _percentile(total, 0.95)
    print(f"goal p95 < 150 ms: {'met' if p95 < 150 else 'NOT met'} ({p95:.1f} ms)")


if __name__ == "__main__":
    main()
