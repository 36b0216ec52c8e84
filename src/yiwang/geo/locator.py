"""Point → grid lookups, in process, without PostGIS.

A ``Locator`` holds two STRtrees (comprehensive grids, special grids) over prepared shapely
polygons, and arrays that map each grid to its community, town and county. ``locate()`` answers
one point, ``locate_many()`` a whole array at once (one tree query, numpy post-processing).

A point outside every grid is a valid answer, not an error: the Location has ``inside=False``
and status ``outside_jurisdiction``. A point on the border of two grids belongs to the one with
the lower code, so every caller gets the same answer.

The process-wide locator is built lazily from the database on first use and rebuilt when
``GeographyVersion`` changes (checked at most every ``CHECK_SECONDS``).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from yiwang.core.errors import ErrorCode, ValidationFailed

if TYPE_CHECKING:
    from yiwang.geo.generate import Geography

CHECK_SECONDS = 5.0
INSIDE = "inside"
OUTSIDE_JURISDICTION = str(ErrorCode.OUTSIDE_JURISDICTION)
_NONE = np.iinfo(np.int64).max

Stamp = tuple[int, str]


@dataclass(frozen=True)
class Place:
    """A region or grid as a lookup answer; ``id`` is None for a locator built without a DB."""

    code: str
    name: str
    id: int | None = None


@dataclass(frozen=True)
class SpecialPlace(Place):
    site_type: str = ""


@dataclass(frozen=True)
class Location:
    """Where a point lies: its grid and the regions above it, or nothing (outside)."""

    lon: float
    lat: float
    grid: Place | None = None
    special_grid: SpecialPlace | None = None
    community: Place | None = None
    town: Place | None = None
    county: Place | None = None

    @property
    def inside(self) -> bool:
        return self.grid is not None

    @property
    def status(self) -> str:
        return INSIDE if self.inside else OUTSIDE_JURISDICTION


@dataclass(frozen=True)
class GridRow:
    """What the locator needs to know about one grid."""

    code: str
    name: str
    kind: str
    site_type: str
    geometry: BaseGeometry
    community: Place
    town: Place
    county: Place
    id: int | None = None


class _Index:
    """One STRtree over one kind of grid, with the grids' attributes in parallel arrays."""

    def __init__(self, rows: Sequence[GridRow], regions: dict[str, int]) -> None:
        self.rows = list(rows)
        self.geoms = np.array([r.geometry for r in self.rows], dtype=object)
        shapely.prepare(self.geoms)
        self.tree = shapely.STRtree(self.geoms)
        self.community = np.array([regions[r.community.code] for r in self.rows], dtype=np.int64)
        self.town = np.array([regions[r.town.code] for r in self.rows], dtype=np.int64)
        self.county = np.array([regions[r.county.code] for r in self.rows], dtype=np.int64)

    def query(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Index of the grid each point lies in (lowest index on shared borders), or -1."""
        out = np.full(len(xs), -1, dtype=np.int64)
        if not self.rows or not len(xs):
            return out
        inputs, candidates = self.tree.query(shapely.points(xs, ys))
        hit = shapely.intersects_xy(self.geoms[candidates], xs[inputs], ys[inputs])
        best = np.full(len(xs), _NONE, dtype=np.int64)
        np.minimum.at(best, inputs[hit], candidates[hit])
        found = best != _NONE
        out[found] = best[found]
        return out

    def first(self, point: BaseGeometry) -> int:
        """Index of the grid one point lies in (lowest on shared borders), or -1."""
        if not self.rows:
            return -1
        hits = self.tree.query(point, predicate="intersects")
        return int(hits.min()) if len(hits) else -1


class Locator:
    """An immutable index of one version of the geography."""

    def __init__(self, rows: Sequence[GridRow], *, stamp: Stamp = (0, "")) -> None:
        self.stamp = stamp
        places: dict[str, Place] = {}
        for row in rows:
            for place in (row.community, row.town, row.county):
                places.setdefault(place.code, place)
        self.regions = [places[code] for code in sorted(places)]
        index = {place.code: i for i, place in enumerate(self.regions)}
        ordered = sorted(rows, key=lambda r: r.code)
        self.comprehensive = _Index([r for r in ordered if r.kind == "comprehensive"], index)
        self.special = _Index([r for r in ordered if r.kind == "special"], index)
        # GEOS prepared geometries build their point-in-polygon index lazily and are not safe to
        # share between threads while they do; queries are microseconds, so serialise them.
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.comprehensive.rows) + len(self.special.rows)

    @classmethod
    def from_geography(cls, geo: Geography, *, stamp: Stamp = (0, "")) -> Locator:
        """A locator straight from generated specs, without a database (benchmarks, tests)."""
        regions = {r.code: r for r in geo.regions}

        def place(code: str) -> Place:
            return Place(code, regions[code].name)

        rows = []
        for grid in geo.grids:
            community = regions[grid.community_code]
            town = community if community.level == "town" else regions[str(community.parent_code)]
            rows.append(
                GridRow(
                    code=grid.code,
                    name=grid.name,
                    kind=grid.kind,
                    site_type=grid.site_type,
                    geometry=grid.geometry,
                    community=place(community.code),
                    town=place(town.code),
                    county=place(str(town.parent_code)),
                )
            )
        return cls(rows, stamp=stamp)

    @classmethod
    def from_database(cls, *, stamp: Stamp | None = None) -> Locator:
        """A locator over every stored grid (reads geometry once, ~1 s at Nantong's scale)."""
        from yiwang.geo.models import Grid, Region

        if stamp is None:
            stamp = geography_stamp()
        places = {
            pk: Place(code, name, pk)
            for pk, code, name in Region.objects.exclude(level="city").values_list(
                "id", "code", "name"
            )
        }
        rows = [
            GridRow(
                code=code,
                name=name,
                kind=kind,
                site_type=site_type,
                geometry=shape(geometry),
                community=places[community_id],
                town=places[town_id],
                county=places[county_id],
                id=pk,
            )
            for pk, code, name, kind, site_type, geometry, community_id, town_id, county_id in (
                Grid.objects.order_by("code")
                .values_list(
                    "id",
                    "code",
                    "name",
                    "kind",
                    "site_type",
                    "geometry",
                    "community_id",
                    "town_id",
                    "county_id",
                )
                .iterator(chunk_size=2000)
            )
        ]
        return cls(rows, stamp=stamp)

    @property
    def version(self) -> int:
        return self.stamp[0]

    def locate(self, lon: float, lat: float) -> Location:
        """The grid (and special grid, community, town, county) at one point."""
        x, y = check_point(lon, lat)
        point = shapely.Point(x, y)
        with self._lock:
            grid = self.comprehensive.first(point)
            special = self.special.first(point) if grid >= 0 else -1
        return self.location(x, y, grid, special)

    def locate_many(self, lons: Any, lats: Any, *, checked: bool = False) -> Locations:
        """Vectorised ``locate`` over arrays of longitudes and latitudes."""
        xs, ys = (lons, lats) if checked else check_coordinates(lons, lats)
        special = np.full(len(xs), -1, dtype=np.int64)
        with self._lock:
            grid = self.comprehensive.query(xs, ys)
            # Special grids lie inside comprehensive ones: only points inside need asking.
            inside = np.flatnonzero(grid >= 0)
            special[inside] = self.special.query(xs[inside], ys[inside])
        return Locations(self, xs, ys, grid, special)

    def location(self, lon: float, lat: float, grid: int, special: int) -> Location:
        """The Location for indexes into the comprehensive and special grids (-1: none)."""
        special_place = None
        if special >= 0:
            row = self.special.rows[special]
            special_place = SpecialPlace(row.code, row.name, row.id, row.site_type)
        if grid < 0:
            return Location(lon, lat, special_grid=special_place)
        row = self.comprehensive.rows[grid]
        return Location(
            lon,
            lat,
            grid=Place(row.code, row.name, row.id),
            special_grid=special_place,
            community=row.community,
            town=row.town,
            county=row.county,
        )


@dataclass(frozen=True)
class Locations:
    """The answers for many points: index arrays into the locator, turned into Location
    objects only when asked (building 100,000 Python objects costs more than the lookup)."""

    locator: Locator
    lons: np.ndarray
    lats: np.ndarray
    grid_index: np.ndarray
    special_index: np.ndarray

    @property
    def inside(self) -> np.ndarray:
        return self.grid_index >= 0

    def grid_codes(self) -> list[str | None]:
        rows = self.locator.comprehensive.rows
        return [rows[i].code if i >= 0 else None for i in self.grid_index.tolist()]

    def __len__(self) -> int:
        return len(self.grid_index)

    def __iter__(self) -> Iterator[Location]:
        for i in range(len(self)):
            yield self[i]

    def __getitem__(self, i: int) -> Location:
        return self.locator.location(
            float(self.lons[i]),
            float(self.lats[i]),
            int(self.grid_index[i]),
            int(self.special_index[i]),
        )


_LIMITS = (("lon", 180.0), ("lat", 90.0))


def check_point(lon: Any, lat: Any) -> tuple[float, float]:
    """``(lon, lat)`` as floats, or ValidationFailed naming the bad field."""
    out = []
    for (name, limit), value in zip(_LIMITS, (lon, lat), strict=True):
        try:
            number = float(value)
        except (TypeError, ValueError) as exc:
            raise ValidationFailed(f"{name} must be a number.", field=name) from exc
        if not math.isfinite(number) or abs(number) > limit:
            raise ValidationFailed(
                f"{name} must be a finite number between -{limit:g} and {limit:g}.", field=name
            )
        out.append(number)
    return out[0], out[1]


def check_coordinates(lons: Any, lats: Any) -> tuple[np.ndarray, np.ndarray]:
    """Float arrays of longitudes and latitudes, or ValidationFailed naming the bad field and
    the first bad point."""
    arrays = []
    for (name, limit), values in zip(_LIMITS, (lons, lats), strict=True):
        try:
            arr = np.asarray(values, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError) as exc:
            raise ValidationFailed(f"{name} must be numbers.", field=name) from exc
        bad = np.flatnonzero(~np.isfinite(arr) | (np.abs(arr) > limit))
        if len(bad):
            i = int(bad[0])
            raise ValidationFailed(
                f"{name} must be finite numbers between -{limit:g} and {limit:g} (point {i}).",
                details={"field": name, "index": i},
                field=name,
            )
        arrays.append(arr)
    if len(arrays[0]) != len(arrays[1]):
        raise ValidationFailed("lon and lat must have the same length.", field="lat")
    return arrays[0], arrays[1]


# --- the process-wide locator --------------------------------------------------------------

_lock = threading.Lock()
_current: Locator | None = None
_checked_at = 0.0


def geography_stamp() -> Stamp:
    """(version, import time) of the stored geography; one small query. The time tells two
    loads apart even when a database reset starts the version count again."""
    from yiwang.geo.models import GeographyVersion

    row = GeographyVersion.objects.order_by("-version").values_list("version", "imported_at")
    first = row.first()
    if first is None:
        return (0, "")
    version, imported_at = first
    return (int(version), imported_at.isoformat() if imported_at else "")


def current_version() -> int:
    """The stored geography's version (0 before anything is loaded)."""
    return geography_stamp()[0]


def get_locator() -> Locator:
    """The locator for the stored geography, rebuilt when the geography version changes."""
    global _current, _checked_at
    locator = _current
    if locator is not None and time.monotonic() - _checked_at < CHECK_SECONDS:
        return locator
    with _lock:
        if _current is not None and time.monotonic() - _checked_at < CHECK_SECONDS:
            return _current
        # Read the stamp before the grids: a load in between makes the next check rebuild.
        stamp = geography_stamp()
        if _current is None or _current.stamp != stamp:
            _current = Locator.from_database(stamp=stamp)
        _checked_at = time.monotonic()
        return _current


def reset_locator() -> None:
    """Forget the process-wide locator; the next lookup rebuilds it (after loads, in tests)."""
    global _current, _checked_at
    with _lock:
        _current = None
        _checked_at = 0.0


def locate(lon: float, lat: float) -> Location:
    """Locate one point against the stored geography; never raises for an outside point."""
    check_point(lon, lat)
    return get_locator().locate(lon, lat)


def locate_many(lons: Any, lats: Any) -> Locations:
    xs, ys = check_coordinates(lons, lats)
    return get_locator().locate_many(xs, ys, checked=True)
