"""Hot topics over a month of requests: how long the analysis takes with the text sample capped
(``OPINION_TEXT_SAMPLE``) against reading every text of the month; and the surge detection over
the last nine weeks.

    .venv/bin/python bench/opinion_topics.py [--orders 20000] [--days 70] [--cap 5000]

Sets up a throw-away SQLite installation in a temporary VAR_DIR: migrates, loads the small demo
city and writes ``--orders`` demo orders over the last ``--days`` days with the bulk generator
(``demo/bulk.py``). Then, as the city-wide leader, over the last 30 days of all domains:

1. ``hot_topics`` with the sample capped at ``--cap`` texts (what the pages and reports do);
2. baseline: the same with the cap above the month's count (every text tokenised and clustered);
3. ``find_surges`` for today (one grouped query over 63 days, then the statistics).

Prints the month's orders, the seconds of each run, and the ratio of the baseline to the capped
run. At Nantong's full scale a month holds ≈ 170,000 requests; the capped run's cost grows only
with the counting queries beyond the cap, the baseline's with every text.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20000)
    parser.add_argument("--days", type=int, default=70)
    parser.add_argument("--cap", type=int, default=5000)
    parser.add_argument("--show", type=int, default=10, help="surges to list")
    args = parser.parse_args()

    os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="yiwang-bench-opinion-")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.config.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from yiwang.accounts.models import User
    from yiwang.demo.bulk import generate_bulk
    from yiwang.demo.services import load_demo
    from yiwang.opinion.analysis import hot_topics
    from yiwang.opinion.corpus import Period
    from yiwang.opinion.domains import get_domain
    from yiwang.opinion.surges import find_surges

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    load_demo(scale="small", password="Bench-Passw0rd!")
    generate_bulk(count=args.orders, seed=2026, days=args.days)
    seconds = time.perf_counter() - started
    print(f"set-up: {args.orders} orders over {args.days} days in {seconds:.1f} s")
    from yiwang.nlp.tokenize import tokenize

    tokenize("预热分词词典")  # the dictionary loads once per process: not part of either run

    leader = User.objects.get(username="leader")
    period = Period.last_days(30)
    domain = get_domain("all")

    def run(cap: int) -> tuple[float, int, int, int]:
        settings.OPINION_TEXT_SAMPLE = cap
        t0 = time.perf_counter()
        topics = hot_topics(leader, period, domain, use_cache=False)
        return time.perf_counter() - t0, topics.total, topics.sampled, len(topics.clusters)

    capped, total, sampled, clusters = run(args.cap)
    print(f"capped   (sample {sampled} of {total} texts): {capped:.2f} s, {clusters} clusters")
    full, total, sampled, clusters = run(10**9)
    print(f"baseline (all {sampled} texts):            {full:.2f} s, {clusters} clusters")
    print(f"ratio baseline / capped: {full / capped:.2f}")
    t0 = time.perf_counter()
    surges = find_surges(period.end)
    seconds = time.perf_counter() - t0
    print(f"surge detection over 63 days: {seconds:.2f} s, {len(surges)} surges")
    for surge in surges[: args.show]:
        check = surge.check
        print(
            f"  {surge.window} {surge.subject_key}: {check.count} (mean {check.mean:.1f}, "
            f"threshold {check.threshold:.1f})"
        )


if __name__ == "__main__":
    main()
