"""Writing geography: the only code that creates or replaces Regions, Grids and the
GeographyVersion.

Two entry points: ``load_geography()`` stores a generated ``Geography`` (the demo), and
``import_geojson()`` stores a city's own FeatureCollection after checking every feature. Both
write in one transaction with one audit record, and bump the version so long-lived processes
rebuild their locator index.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import shapely
from django.db import transaction
from django.db.models import ForeignObjectRel, ProtectedError, RestrictedError
from django.utils import timezone
from shapely.geometry.base import BaseGeometry

from yiwang.core.audit import record_audit
from yiwang.core.errors import Conflict, ValidationFailed
from yiwang.geo.choices import GridKind, RegionKind, RegionLevel, SiteType
from yiwang.geo.generate import (
    Geography,
    GridSpec,
    RegionSpec,
    area_km2,
    geojson_geometry,
    geometry_from_geojson,
    polygonal,
)
from yiwang.geo.models import GeographyVersion, Grid, Region

ProgressCallback = Callable[[str, int, int], None]

LEVEL_ORDER = (RegionLevel.CITY, RegionLevel.COUNTY, RegionLevel.TOWN, RegionLevel.COMMUNITY)
BATCH_SIZE = 500


@dataclass(frozen=True)
class LoadStats:
    """What a load or import wrote."""

    cities: int
    counties: int
    towns: int
    communities: int
    comprehensive_grids: int
    special_grids: int
    version: int
    seconds: float

    @property
    def regions(self) -> int:
        return self.cities + self.counties + self.towns + self.communities

    @property
    def grids(self) -> int:
        return self.comprehensive_grids + self.special_grids

    def as_dict(self) -> dict[str, int]:
        return {
            "cities": self.cities,
            "counties": self.counties,
            "towns": self.towns,
            "communities": self.communities,
            "comprehensive_grids": self.comprehensive_grids,
            "special_grids": self.special_grids,
            "version": self.version,
        }


def load_geography(
    geo: Geography,
    *,
    actor: Any | None,
    source: str = "demo",
    replace: bool = False,
    progress: ProgressCallback | None = None,
) -> LoadStats:
    """Store a whole generated city (regions and grids) in one transaction.

    Refuses when geography is already stored unless ``replace=True``; replacing deletes the old
    grids and regions first and fails with Conflict while other records still refer to them.
    """
    started = time.perf_counter()
    report = progress or _silent
    with transaction.atomic():
        replaced = _clear_for_load(replace, what="regions and grids")
        region_counts = _write_regions(geo.regions, report)
        grid_counts = _write_grids(geo.grids, report)
        version = _bump_version(source)
        stats = _stats(region_counts, grid_counts, version.version, started)
        record_audit(
            "geo.geography_loaded",
            actor=actor,
            obj=version,
            after={"source": source, **stats.as_dict(), "replaced": replaced},
        )
        transaction.on_commit(_forget_locator)
    return stats


def import_geojson(
    path_or_dict: str | Path | dict[str, Any],
    *,
    actor: Any | None,
    level: Literal["region", "grid"],
    replace: bool = False,
    progress: ProgressCallback | None = None,
) -> LoadStats:
    """Import a city's own regions or grids from a GeoJSON FeatureCollection.

    Every feature is checked before anything is written; if any is bad, ValidationFailed lists
    each problem as ``{"feature": index, "code": ..., "problem": ...}`` and nothing changes.
    Regions (properties ``code, name, level, kind, parent_code``) are added to the stored tree,
    or with ``replace=True`` replace it together with all grids. Grids (properties ``code,
    name, kind, site_type, community_code`` or ``town_code``) are added, or with
    ``replace=True`` replace all stored grids.
    """
    if level not in ("region", "grid"):
        raise ValidationFailed("level must be 'region' or 'grid'.", field="level")
    started = time.perf_counter()
    report = progress or _silent
    source, features = _read_features(path_or_dict)
    with transaction.atomic():
        if level == "region":
            region_specs = _RegionChecker(replace).check(features, report)
            replaced = _clear_for_load(True, what="regions and grids") if replace else {}
            region_counts = _write_regions(region_specs, report)
            grid_counts: dict[str, int] = {}
        else:
            grid_specs = _GridChecker(replace).check(features, report)
            replaced = _clear_grids() if replace else {}
            region_counts = {}
            grid_counts = _write_grids(grid_specs, report)
        version = _bump_version(source)
        stats = _stats(region_counts, grid_counts, version.version, started)
        record_audit(
            "geo.geojson_imported",
            actor=actor,
            obj=version,
            after={"source": source, "level": level, **stats.as_dict(), "replaced": replaced},
        )
        transaction.on_commit(_forget_locator)
    return stats


# --- writing -------------------------------------------------------------------------------


def _silent(stage: str, done: int, total: int) -> None:
    return None


def _forget_locator() -> None:
    from yiwang.geo.locator import reset_locator

    reset_locator()


def _stats(
    regions: dict[str, int], grids: dict[str, int], version: int, started: float
) -> LoadStats:
    return LoadStats(
        cities=regions.get(RegionLevel.CITY, 0),
        counties=regions.get(RegionLevel.COUNTY, 0),
        towns=regions.get(RegionLevel.TOWN, 0),
        communities=regions.get(RegionLevel.COMMUNITY, 0),
        comprehensive_grids=grids.get(GridKind.COMPREHENSIVE, 0),
        special_grids=grids.get(GridKind.SPECIAL, 0),
        version=version,
        seconds=time.perf_counter() - started,
    )


def _geometry_columns(geoms: Sequence[BaseGeometry]) -> list[dict[str, Any]]:
    """GeoJSON, bounding box, centroid and area of each shape, computed in one vectorised pass."""
    arr = np.array(geoms, dtype=object)
    bounds = shapely.bounds(arr)
    centroids = shapely.get_coordinates(shapely.centroid(arr))
    areas = area_km2(arr)
    return [
        {
            "geometry": geojson_geometry(geom),
            "min_lon": float(b[0]),
            "min_lat": float(b[1]),
            "max_lon": float(b[2]),
            "max_lat": float(b[3]),
            "centroid_lon": round(float(c[0]), 6),
            "centroid_lat": round(float(c[1]), 6),
            "area_km2": round(float(a), 4),
        }
        for geom, b, c, a in zip(arr, bounds, centroids, areas, strict=True)
    ]


def _write_regions(specs: Sequence[RegionSpec], report: ProgressCallback) -> dict[str, int]:
    """Insert regions level by level (parents first); parents may already be stored."""
    known = {
        code: (pk, path) for pk, code, path in Region.objects.values_list("id", "code", "path")
    }
    total, done = len(specs), 0
    counts: dict[str, int] = {}
    report("Regions", 0, total)
    for level in LEVEL_ORDER:
        batch = sorted((s for s in specs if s.level == level), key=lambda s: s.code)
        if not batch:
            continue
        columns = _geometry_columns([s.geometry for s in batch])
        rows = []
        for spec, cols in zip(batch, columns, strict=True):
            parent_id, parent_path = known[spec.parent_code] if spec.parent_code else (None, "")
            rows.append(
                Region(
                    code=spec.code,
                    name=spec.name,
                    level=spec.level,
                    kind=spec.kind,
                    parent_id=parent_id,
                    path=f"{parent_path}{spec.code}/",
                    synthetic=spec.synthetic,
                    **cols,
                )
            )
        for start in range(0, len(rows), BATCH_SIZE):
            Region.objects.bulk_create(rows[start : start + BATCH_SIZE])
            done += len(rows[start : start + BATCH_SIZE])
            report("Regions", done, total)
        codes = [s.code for s in batch]
        for start in range(0, len(codes), BATCH_SIZE):
            chunk = codes[start : start + BATCH_SIZE]
            for pk, code, path in Region.objects.filter(code__in=chunk).values_list(
                "id", "code", "path"
            ):
                known[code] = (pk, path)
        counts[level] = len(batch)
    return counts


def _write_grids(specs: Sequence[GridSpec], report: ProgressCallback) -> dict[str, int]:
    """Insert grids; each one's town and county follow from its community (or town)."""
    parents = _grid_parents()
    ordered = sorted(specs, key=lambda s: s.code)
    total = len(ordered)
    counts: dict[str, int] = {}
    report("Grids", 0, total)
    for start in range(0, total, BATCH_SIZE):
        batch = ordered[start : start + BATCH_SIZE]
        columns = _geometry_columns([s.geometry for s in batch])
        rows = []
        for spec, cols in zip(batch, columns, strict=True):
            community_id, path, town_id, county_id = parents[spec.community_code]
            rows.append(
                Grid(
                    code=spec.code,
                    name=spec.name,
                    kind=spec.kind,
                    site_type=spec.site_type,
                    community_id=community_id,
                    town_id=town_id,
                    county_id=county_id,
                    path=path,
                    households=spec.households,
                    synthetic=spec.synthetic,
                    **cols,
                )
            )
            counts[spec.kind] = counts.get(spec.kind, 0) + 1
        Grid.objects.bulk_create(rows)
        report("Grids", start + len(batch), total)
    return counts


def _grid_parents() -> dict[str, tuple[int, str, Any, Any]]:
    """code → (community id, path, town id, county id) for every region a grid can hang from.

    A city without a community level hangs grids directly from towns: the town then stands in
    as the grid's community.
    """
    out: dict[str, tuple[int, str, Any, Any]] = {}
    rows = Region.objects.filter(level__in=(RegionLevel.TOWN, RegionLevel.COMMUNITY)).values_list(
        "id", "code", "path", "level", "parent_id", "parent__parent_id"
    )
    for pk, code, path, level, parent_id, grandparent_id in rows:
        if level == RegionLevel.COMMUNITY:
            out[code] = (pk, path, parent_id, grandparent_id)
        else:
            out[code] = (pk, path, pk, parent_id)
    return out


def _bump_version(source: str) -> GeographyVersion:
    GeographyVersion.objects.get_or_create(pk=1)
    version = GeographyVersion.objects.select_for_update().get(pk=1)
    version.version += 1
    version.source = source[:200]
    version.imported_at = timezone.now()
    version.save(update_fields=["version", "source", "imported_at"])
    return version


# --- replacing -----------------------------------------------------------------------------


def _clear_for_load(replace: bool, *, what: str) -> dict[str, int]:
    regions, grids = Region.objects.count(), Grid.objects.count()
    if not regions and not grids:
        return {}
    if not replace:
        raise ValidationFailed(
            f"Geography is already stored ({regions} regions, {grids} grids); "
            f"import with replace to replace the {what}.",
            field="replace",
        )
    _refuse_if_referenced(Region, Grid)
    _delete_all(Grid.objects.only("id"))
    for level in reversed(LEVEL_ORDER):
        _delete_all(Region.objects.filter(level=level).only("id"))
    return {"regions": regions, "grids": grids}


def _clear_grids() -> dict[str, int]:
    grids = Grid.objects.count()
    if grids:
        _refuse_if_referenced(Grid)
        _delete_all(Grid.objects.only("id"))
    return {"grids": grids}


def _refuse_if_referenced(*models: type[Region] | type[Grid]) -> None:
    """Conflict when records outside geography point at what would be deleted (role
    assignments, departments, command centers, later work orders) — including many-to-many
    links, which Django would otherwise drop silently."""
    in_use: list[dict[str, Any]] = []
    for model in models:
        for rel in model._meta.get_fields(include_hidden=True):
            # Many-to-many links show up as their through model's foreign key.
            if not isinstance(rel, ForeignObjectRel) or rel.many_to_many:
                continue
            related = rel.related_model
            if related._meta.app_label == "geo":
                continue
            field_name = rel.field.name
            count = related._default_manager.filter(**{f"{field_name}__isnull": False}).count()
            if count:
                in_use.append({"model": related._meta.label, "field": field_name, "count": count})
    if in_use:
        listing = ", ".join(f"{u['count']} {u['model']}.{u['field']}" for u in in_use)
        raise Conflict(
            f"The stored geography is in use ({listing}); remove those references before "
            "replacing it.",
            details=in_use,
        )


def _delete_all(qs: Any) -> None:
    try:
        qs.delete()
    except (ProtectedError, RestrictedError) as exc:
        blocking = sorted({obj._meta.label for obj in exc.args[1]}) if len(exc.args) > 1 else []
        raise Conflict(
            "The stored geography is in use and cannot be replaced.",
            details={"referenced_by": blocking},
        ) from exc


# --- reading and checking GeoJSON ----------------------------------------------------------


def _read_features(path_or_dict: str | Path | dict[str, Any]) -> tuple[str, list[Any]]:
    if isinstance(path_or_dict, dict):
        data, source = path_or_dict, "geojson"
    else:
        path = Path(path_or_dict)
        source = f"geojson:{path.name}"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ValidationFailed(f"No such file: {path}", field="path") from exc
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValidationFailed(f"Cannot read {path} as JSON: {exc}", field="path") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ValidationFailed("Expected a GeoJSON FeatureCollection.", field="type")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise ValidationFailed("The FeatureCollection has no features.", field="features")
    return source, features


class _Problems:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, index: int, code: str | None, problem: str) -> None:
        self.items.append({"feature": index, "code": code, "problem": problem})

    def rejected(self) -> dict[str, int]:
        """code → index of the features rejected so far."""
        out: dict[str, int] = {}
        for p in self.items:
            if p["code"]:
                out.setdefault(p["code"], p["feature"])
        return out

    def raise_if_any(self, total: int) -> None:
        if self.items:
            bad = len({p["feature"] for p in self.items})
            raise ValidationFailed(
                f"{bad} of {total} features are invalid; nothing was imported.",
                details=self.items,
            )


class _FeatureChecker:
    """Checks shared by regions and grids: properties, code, geometry."""

    def __init__(self, replace: bool) -> None:
        self.replace = replace
        self.problems = _Problems()

    def _properties(self, index: int, feature: Any) -> dict[str, Any] | None:
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            self.problems.add(index, None, "not a GeoJSON Feature")
            return None
        props = feature.get("properties")
        if not isinstance(props, dict):
            self.problems.add(index, None, "missing properties")
            return None
        return props

    def _text(
        self,
        index: int,
        code: str | None,
        props: dict[str, Any],
        key: str,
        max_length: int,
        required: bool = True,
    ) -> str:
        value = props.get(key)
        if value is None or value == "":
            if required:
                self.problems.add(index, code, f"missing property '{key}'")
            return ""
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            self.problems.add(index, code, f"property '{key}' must be text")
            return ""
        text = str(value).strip()
        if len(text) > max_length:
            self.problems.add(index, code, f"property '{key}' is longer than {max_length}")
        return text

    def _code(self, index: int, props: dict[str, Any], lengths: Iterable[int]) -> str | None:
        code = self._text(index, None, props, "code", 15)
        if not code:
            return None
        allowed = sorted(set(lengths))
        if not code.isascii() or not code.isdigit() or len(code) not in allowed:
            digits = " or ".join(str(n) for n in allowed)
            self.problems.add(index, code, f"code must be {digits} digits")
            return None
        return code

    def _geometry(
        self, index: int, code: str | None, feature: dict[str, Any]
    ) -> BaseGeometry | None:
        data = feature.get("geometry")
        if not isinstance(data, dict) or data.get("type") not in ("Polygon", "MultiPolygon"):
            kind = data.get("type") if isinstance(data, dict) else None
            self.problems.add(
                index, code, f"geometry must be a Polygon or MultiPolygon, not {kind}"
            )
            return None
        try:
            geom = shapely.from_geojson(json.dumps(data))
        except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
            self.problems.add(index, code, f"malformed geometry: {exc}")
            return None
        if geom.is_empty:
            self.problems.add(index, code, "geometry is empty")
            return None
        coords = shapely.get_coordinates(geom)
        if (
            not np.isfinite(coords).all()
            or (np.abs(coords[:, 0]) > 180).any()
            or (np.abs(coords[:, 1]) > 90).any()
        ):
            self.problems.add(index, code, "coordinates are not longitude/latitude in degrees")
            return None
        if not shapely.is_valid(geom):
            self.problems.add(index, code, f"invalid geometry: {shapely.is_valid_reason(geom)}")
            return None
        return geom

    def _parent_contains(
        self,
        index: int,
        code: str,
        geom: BaseGeometry,
        parent: BaseGeometry | None,
        parent_code: str,
    ) -> None:
        if parent is not None and not shapely.intersects(
            parent.buffer(1e-4), shapely.point_on_surface(geom)
        ):
            self.problems.add(index, code, f"lies outside its parent {parent_code}")


_REGION_CODE_LENGTH = {
    RegionLevel.CITY: 6,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWN: 9,
    RegionLevel.COMMUNITY: 12,
}
_KINDS_BY_LEVEL = {
    RegionLevel.CITY: {RegionKind.CITY},
    RegionLevel.COUNTY: {
        RegionKind.DISTRICT,
        RegionKind.COUNTY,
        RegionKind.COUNTY_CITY,
        RegionKind.FUNCTIONAL_ZONE,
    },
    RegionLevel.TOWN: {RegionKind.STREET, RegionKind.TOWN},
    RegionLevel.COMMUNITY: {RegionKind.COMMUNITY, RegionKind.VILLAGE},
}


class _RegionChecker(_FeatureChecker):
    def check(self, features: list[Any], report: ProgressCallback) -> list[RegionSpec]:
        stored = (
            {}
            if self.replace
            else {code: level for code, level in Region.objects.values_list("code", "level")}
        )
        seen: dict[str, int] = {}
        candidates: list[tuple[int, dict[str, Any], str, str, BaseGeometry]] = []
        for index, feature in enumerate(features):
            if index % 500 == 0:
                report("Checking regions", index, len(features))
            props = self._properties(index, feature)
            if props is None:
                continue
            code = self._code(index, props, _REGION_CODE_LENGTH.values())
            level = self._text(index, code, props, "level", 16)
            if level and level not in RegionLevel.values:
                self.problems.add(index, code, f"unknown level '{level}'")
                level = ""
            kind = self._text(index, code, props, "kind", 24)
            if kind and level and kind not in _KINDS_BY_LEVEL[RegionLevel(level)]:
                self.problems.add(index, code, f"kind '{kind}' does not fit level '{level}'")
            if code and level and len(code) != _REGION_CODE_LENGTH[RegionLevel(level)]:
                self.problems.add(
                    index,
                    code,
                    f"a {level} code has {_REGION_CODE_LENGTH[RegionLevel(level)]} digits",
                )
            self._text(index, code, props, "name", 64)
            geom = self._geometry(index, code, feature)
            if code:
                if code in seen:
                    self.problems.add(index, code, f"duplicate code (also feature {seen[code]})")
                elif code in stored:
                    self.problems.add(index, code, "code already exists")
                seen.setdefault(code, index)
            if code and level and geom is not None:
                candidates.append((index, props, code, level, geom))
        report("Checking regions", len(features), len(features))
        levels = {c[2]: c[3] for c in candidates} | stored
        rejected = self.problems.rejected()
        geoms = {c[2]: c[4] for c in candidates}
        specs = []
        for index, props, code, level, geom in candidates:
            parent_code = str(props.get("parent_code") or "") or None
            if level == RegionLevel.CITY:
                if parent_code:
                    self.problems.add(index, code, "a city has no parent_code")
            elif parent_code is None:
                self.problems.add(index, code, "missing property 'parent_code'")
            else:
                wanted = LEVEL_ORDER[LEVEL_ORDER.index(RegionLevel(level)) - 1]
                if parent_code in rejected:
                    self.problems.add(
                        index,
                        code,
                        f"parent {parent_code} is rejected (feature {rejected[parent_code]})",
                    )
                elif parent_code not in levels:
                    self.problems.add(index, code, f"unknown parent {parent_code}")
                elif levels[parent_code] != wanted:
                    self.problems.add(index, code, f"parent {parent_code} is not a {wanted}")
                else:
                    parent = geoms.get(parent_code)
                    if parent is None:
                        parent = _stored_geometry(parent_code)
                    self._parent_contains(index, code, geom, parent, parent_code)
            specs.append(
                RegionSpec(
                    code=code,
                    name=str(props["name"]).strip() if props.get("name") else "",
                    level=level,
                    kind=str(props.get("kind") or ""),
                    parent_code=parent_code,
                    geometry=polygonal(geom),
                    synthetic=bool(props.get("synthetic", False)),
                )
            )
        if (
            sum(1 for s in specs if s.level == RegionLevel.CITY)
            + sum(1 for level in stored.values() if level == RegionLevel.CITY)
            > 1
        ):
            self.problems.add(0, None, "more than one city")
        self.problems.raise_if_any(len(features))
        return specs


class _GridChecker(_FeatureChecker):
    def check(self, features: list[Any], report: ProgressCallback) -> list[GridSpec]:
        stored = set() if self.replace else set(Grid.objects.values_list("code", flat=True))
        parents = {
            code: level
            for code, level in Region.objects.filter(
                level__in=(RegionLevel.TOWN, RegionLevel.COMMUNITY)
            ).values_list("code", "level")
        }
        parent_geoms: dict[str, BaseGeometry | None] = {}
        seen: dict[str, int] = {}
        specs: list[GridSpec] = []
        for index, feature in enumerate(features):
            if index % 500 == 0:
                report("Checking grids", index, len(features))
            props = self._properties(index, feature)
            if props is None:
                continue
            code = self._code(index, props, (15,))
            name = self._text(index, code, props, "name", 80)
            kind = self._text(index, code, props, "kind", 16)
            if kind and kind not in GridKind.values:
                self.problems.add(index, code, f"unknown kind '{kind}'")
            site_type = self._text(index, code, props, "site_type", 24, required=False)
            if kind == GridKind.SPECIAL and site_type not in SiteType.values:
                self.problems.add(
                    index,
                    code,
                    f"a special grid needs a site_type, one of {', '.join(SiteType.values)}",
                )
            if kind == GridKind.COMPREHENSIVE and site_type:
                self.problems.add(index, code, "only special grids have a site_type")
            households = props.get("households", 0) or 0
            if not isinstance(households, int) or isinstance(households, bool) or households < 0:
                self.problems.add(index, code, "households must be a whole number ≥ 0")
                households = 0
            parent_code = self._text(index, code, props, "community_code", 12, required=False) or (
                self._text(index, code, props, "town_code", 9, required=False)
            )
            geom = self._geometry(index, code, feature)
            if code:
                if code in seen:
                    self.problems.add(index, code, f"duplicate code (also feature {seen[code]})")
                elif code in stored:
                    self.problems.add(index, code, "code already exists")
                seen.setdefault(code, index)
            if not parent_code:
                self.problems.add(index, code, "missing property 'community_code' or 'town_code'")
            elif parent_code not in parents:
                self.problems.add(index, code, f"unknown community or town {parent_code}")
            elif code and not code.startswith(parent_code):
                self.problems.add(
                    index, code, f"code does not start with its parent's code {parent_code}"
                )
            elif code and geom is not None:
                if parent_code not in parent_geoms:
                    parent_geoms[parent_code] = _stored_geometry(parent_code)
                self._parent_contains(index, code, geom, parent_geoms[parent_code], parent_code)
            if code and geom is not None and parent_code:
                specs.append(
                    GridSpec(
                        code=code,
                        name=name,
                        kind=kind,
                        site_type=site_type,
                        community_code=parent_code,
                        geometry=polygonal(geom),
                        households=households,
                        synthetic=bool(props.get("synthetic", False)),
                    )
                )
        report("Checking grids", len(features), len(features))
        self.problems.raise_if_any(len(features))
        return specs


def _stored_geometry(code: str) -> BaseGeometry | None:
    data = Region.objects.filter(code=code).values_list("geometry", flat=True).first()
    return geometry_from_geojson(data) if data else None
