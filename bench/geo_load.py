"""Time and peak memory of generating Nantong's geography and loading it into a fresh SQLite DB.

    .venv/bin/python bench/geo_load.py [--seed N] [--comprehensive 8450] [--special 845]

Runs against a temporary VAR_DIR (a new SQLite database, migrated first); it never touches the
project's own database.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path


def _maxrss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=320600)
    parser.add_argument("--towns", type=int, default=96)
    parser.add_argument("--comprehensive", type=int, default=8450)
    parser.add_argument("--special", type=int, default=845)
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="yiwang-bench-")
    os.environ["VAR_DIR"] = tmp.name
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.config.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from yiwang.geo.generate import generate_nantong
    from yiwang.geo.locator import Locator
    from yiwang.geo.services import load_geography

    print(
        f"Nantong geography: seed {args.seed}, {args.towns} towns, "
        f"{args.comprehensive} comprehensive + {args.special} special grids"
    )
    totals = {
        "towns_total": args.towns,
        "comprehensive_total": args.comprehensive,
        "special_total": args.special,
    }
    rss_before = _maxrss_mb()

    # Timed passes run without tracemalloc (it slows allocation-heavy code about twofold);
    # a second, traced pass measures the peak Python heap. GEOS's own memory is C heap: only
    # max RSS sees it.
    started = time.perf_counter()
    geo = generate_nantong(args.seed, **totals)
    generate_s = time.perf_counter() - started
    rss_generate = _maxrss_mb()
    tracemalloc.start()
    generate_nantong(args.seed, **totals)
    generate_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(
        f"  generate_nantong        {generate_s:6.2f} s   peak Python heap {generate_peak:6.1f} MB"
        f"   max RSS {rss_generate:6.1f} MB   {geo.counts()}"
    )

    started = time.perf_counter()
    stats = load_geography(geo, actor=None, source="bench")
    load_s = time.perf_counter() - started
    rss_load = _maxrss_mb()
    print(
        f"  load_geography          {load_s:6.2f} s                            "
        f"max RSS {rss_load:6.1f} MB   {stats.regions} regions, {stats.grids} grids"
    )

    tracemalloc.start()
    started = time.perf_counter()
    load_geography(geo, actor=None, source="bench", replace=True)
    replace_s = time.perf_counter() - started
    load_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(
        f"  load_geography replace  {replace_s:6.2f} s   peak Python heap {load_peak:6.1f} MB"
        "   (traced: slower than untraced)"
    )

    started = time.perf_counter()
    locator = Locator.from_database()
    print(
        f"  Locator.from_database   {time.perf_counter() - started:6.2f} s   {len(locator)} grids"
    )

    db = Path(tmp.name) / "yiwang.sqlite3"
    size = sum(p.stat().st_size for p in db.parent.glob("yiwang.sqlite3*"))
    print(f"  SQLite database         {size / 2**20:6.1f} MB")
    print(
        f"  max RSS at the end      {_maxrss_mb():6.1f} MB "
        f"(after Django set-up: {rss_before:.1f} MB)"
    )
    tmp.cleanup()


if __name__ == "__main__":
    main()
