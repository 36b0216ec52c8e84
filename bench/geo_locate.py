"""Point → grid lookups per second at Nantong's scale (9,295 grids), without a database.

    .venv/bin/python bench/geo_locate.py [--points 100000] [--single 20000] [--naive 200]

Builds the locator straight from ``generate_nantong()``, draws seeded random points in the
city's bounding box (about half fall outside the city: realistic for a noisy feed, and the
slow case for a naive scan), and times:

- ``Locator.locate_many`` on all points (one STRtree query, numpy post-processing);
- ``Locator.locate`` point by point;
- a naive baseline: every grid polygon's ``contains`` per point, on a small sample,
  extrapolated.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import shapely


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=320600)
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--single", type=int, default=20_000)
    parser.add_argument("--naive", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3, help="best of N for locate_many")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

    from yiwang.geo.generate import generate_nantong
    from yiwang.geo.locator import Locator

    started = time.perf_counter()
    geo = generate_nantong(args.seed)
    print(f"generate_nantong: {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    locator = Locator.from_geography(geo)
    print(f"Locator.from_geography: {time.perf_counter() - started:.3f} s, {len(locator)} grids")

    city = geo.regions[0].geometry
    min_x, min_y, max_x, max_y = city.bounds
    rng = np.random.default_rng(args.seed)
    lons = rng.uniform(min_x, max_x, args.points)
    lats = rng.uniform(min_y, max_y, args.points)

    best = float("inf")
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = locator.locate_many(lons, lats)
        best = min(best, time.perf_counter() - started)
    many_rate = args.points / best
    inside = float(result.inside.mean())
    in_special = float((result.special_index >= 0).mean())

    n_single = min(args.single, args.points)
    started = time.perf_counter()
    singles = [
        locator.locate(float(x), float(y))
        for x, y in zip(lons[:n_single], lats[:n_single], strict=True)
    ]
    single_rate = n_single / (time.perf_counter() - started)
    agree = sum(
        (s.grid.code if s.grid else None) == c
        for s, c in zip(singles, result.grid_codes()[:n_single], strict=True)
    )

    grids = locator.comprehensive.rows
    polygons = [g.geometry for g in grids]
    shapely.destroy_prepared(np.array(polygons, dtype=object))  # a naive scan prepares nothing
    n_naive = min(args.naive, args.points)
    started = time.perf_counter()
    naive_codes = []
    for x, y in zip(lons[:n_naive], lats[:n_naive], strict=True):
        point = shapely.Point(x, y)
        naive_codes.append(next((g.code for g in grids if g.geometry.contains(point)), None))
    naive_rate = n_naive / (time.perf_counter() - started)
    shapely.prepare(np.array(polygons, dtype=object))
    naive_agree = sum(
        a == b for a, b in zip(naive_codes, result.grid_codes()[:n_naive], strict=True)
    )

    print(
        f"{args.points:,} random points in the city's bounding box; {inside:.1%} inside a grid, "
        f"{in_special:.2%} inside a special grid"
    )
    print(
        f"  locate_many  {many_rate:>12,.0f} lookups/s   "
        f"(best of {args.repeat}: {best * 1000:.1f} ms)"
    )
    print(
        f"  locate       {single_rate:>12,.0f} lookups/s   ({n_single:,} points; "
        f"{agree}/{n_single} agree with locate_many)"
    )
    print(
        f"  naive scan   {naive_rate:>12,.0f} lookups/s   ({n_naive} points, extrapolated; "
        f"{naive_agree}/{n_naive} agree)"
    )
    print(
        f"  locate_many / naive: {many_rate / naive_rate:,.0f}x   "
        f"locate / naive: {single_rate / naive_rate:,.0f}x   "
        f"locate_many / locate: {many_rate / single_rate:,.1f}x"
    )


if __name__ == "__main__":
    main()
