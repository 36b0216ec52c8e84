"""The third level of the situation map: one town's grids with today's orders in each."""

from __future__ import annotations

import json
from datetime import datetime, time
from typing import Any

from django.db.models import Count
from django.utils import timezone

from yiwang.core.errors import NotFound
from yiwang.geo.models import Grid, Region
from yiwang.workorders.models import WorkOrder


def town_grids(user: Any, code: str) -> str:
    """A GeoJSON FeatureCollection of the town's comprehensive grids the user may see.

    Properties: ``code``, ``name``, ``today`` (orders received today in the grid, in scope).
    A town out of scope is the same 404 as a missing one.
    """
    town = Region.objects.visible_to(user).filter(level="town", code=code).first()
    if town is None:
        raise NotFound("town not found")
    grids = list(
        Grid.objects.visible_to(user)
        .filter(town=town, kind="comprehensive")
        .order_by("code")
        .values_list("id", "code", "name", "geometry")
    )
    start = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    counts = dict(
        WorkOrder.objects.visible_to(user)
        .filter(town=town, received_at__gte=start)
        .exclude(grid=None)
        .values("grid_id")
        .annotate(n=Count("id"))
        .values_list("grid_id", "n")
    )
    features = [
        {
            "type": "Feature",
            "properties": {"code": grid_code, "name": name, "today": counts.get(pk, 0)},
            "geometry": geometry,
        }
        for pk, grid_code, name, geometry in grids
    ]
    return json.dumps(
        {"type": "FeatureCollection", "features": features},
        ensure_ascii=False,
        separators=(",", ":"),
    )
