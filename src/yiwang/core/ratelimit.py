"""Fixed-window rate limits kept in the shared cache (file cache by default, Redis if set)."""

from __future__ import annotations

import time

from django.core.cache import cache

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"10/m"`` -> (10, 60). A rate of ``0/…`` or an empty string disables the limit."""
    if not rate:
        return 0, 1
    count, _, unit = rate.partition("/")
    try:
        return int(count), _UNITS[unit.strip().lower()[:1] or "m"]
    except (KeyError, ValueError) as exc:
        raise ValueError(f"rate limit {rate!r} is not of the form N/s|m|h|d") from exc


def allow(key: str, rate: str) -> bool:
    """Count one hit against ``key``; False once the window's allowance is used up."""
    limit, window = parse_rate(rate)
    if limit <= 0:
        return True
    bucket = f"rl:{key}:{int(time.time() // window)}"
    cache.add(bucket, 0, timeout=window + 1)
    try:
        hits = cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.set(bucket, 1, timeout=window + 1)
        hits = 1
    return hits <= limit
