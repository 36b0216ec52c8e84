"""Nantong's demo geography: real county boundaries, synthetic everything below them.

The city and its seven counties/districts are the real boundaries in ``data/nantong.geojson``
(see ``data/SOURCE.md``). The three functional zones (南通经济技术开发区, 苏锡通科技产业园区,
通州湾示范区) have no published boundary there; they are *approximations*: a rectangle around
where each zone lies, cut out of the counties it takes land from. Towns, communities and grids
are synthetic: Lloyd-relaxed Voronoi cells of seeded random points, clipped to their parent, so
each level tiles the one above it without gaps or overlaps.

Pure geometry: no database. The same seed and totals always give the same codes and shapes
(each region draws from its own random stream keyed by the seed and its code). The helpers at
the bottom (GeoJSON output, areas) are shared with the services, the locator and the API.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from yiwang.geo.choices import GridKind, RegionKind, RegionLevel, SiteType

DATA_FILE = Path(__file__).resolve().parent / "data" / "nantong.geojson"
CITY_CODE = "320600"
CITY_NAME = "南通市"
# Coordinates are kept on a 1e-6° grid (~0.1 m): what the database stores is what was tiled.
GRID_SIZE = 1e-6
COORDINATE_DECIMALS = 6
KM_PER_DEGREE = 111.32
GRIDS_PER_COMMUNITY = 10
MAX_COMPREHENSIVE_PER_COMMUNITY = 499  # sequence 001–499; special grids number from 501
LLOYD_ITERATIONS = 2

COUNTY_KINDS: dict[str, str] = {
    "320612": RegionKind.DISTRICT,  # 通州区
    "320613": RegionKind.DISTRICT,  # 崇川区
    "320614": RegionKind.DISTRICT,  # 海门区
    "320623": RegionKind.COUNTY,  # 如东县
    "320681": RegionKind.COUNTY_CITY,  # 启东市
    "320682": RegionKind.COUNTY_CITY,  # 如皋市
    "320685": RegionKind.COUNTY_CITY,  # 海安市
}
# Towns of districts and zones are streets (街道); those of counties and county-level cities
# are towns (镇). A street's communities are 社区, a town's are villages (村).
URBAN_KINDS = frozenset({RegionKind.DISTRICT, RegionKind.FUNCTIONAL_ZONE})


@dataclass(frozen=True)
class FunctionalZone:
    """An approximate functional zone: a lon/lat rectangle intersected with its donors."""

    code: str
    name: str
    bounds: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat
    donors: tuple[str, ...]


FUNCTIONAL_ZONES: tuple[FunctionalZone, ...] = (
    # South-east of the urban core, between 崇川区 and 通州区 (about 105 km²).
    FunctionalZone(
        "320671", "南通经济技术开发区", (120.95, 31.90, 121.05, 32.00), ("320612", "320613")
    ),
    # Along the Yangtze south of the city. The published county boundaries run to the middle
    # of the river, so the rectangle includes river frontage; taken from 崇川区 and 海门区 only
    # (about 103 km²).
    FunctionalZone(
        "320672", "苏锡通科技产业园区", (121.00, 31.80, 121.12, 31.90), ("320613", "320614")
    ),
    # On the coast where 通州区 meets 海门区; with the corner of 通州区 that the rectangle cuts
    # off east of it (about 216 km²).
    FunctionalZone("320673", "通州湾示范区", (121.32, 32.06, 121.48, 32.18), ("320612", "320614")),
)

# Relative frequency of special-grid sites; schools, markets and hospitals are the most common
# special grids in practice, hazardous-chemical sites and ports the rarest.
SITE_WEIGHTS: dict[str, int] = {
    SiteType.SCHOOL: 30,
    SiteType.MARKET: 12,
    SiteType.HOSPITAL: 9,
    SiteType.INDUSTRIAL_PARK: 10,
    SiteType.CONSTRUCTION_SITE: 10,
    SiteType.GOVERNMENT_COMPOUND: 8,
    SiteType.CHEMICAL_PLANT: 6,
    SiteType.TRANSPORT_HUB: 5,
    SiteType.SCENIC_AREA: 5,
    SiteType.PORT: 5,
}
SITE_NAMES: dict[str, tuple[str, ...]] = {
    SiteType.SCHOOL: ("小学", "初级中学", "中学", "实验学校", "幼儿园"),
    SiteType.MARKET: ("农贸市场", "综合市场", "菜市场"),
    SiteType.HOSPITAL: ("人民医院", "中心卫生院", "中医院", "社区卫生服务中心"),
    SiteType.INDUSTRIAL_PARK: ("工业集中区", "产业园", "科创园"),
    SiteType.CONSTRUCTION_SITE: ("安置房项目工地", "道路改造工程工地", "商住项目工地"),
    SiteType.GOVERNMENT_COMPOUND: ("便民服务中心", "行政中心", "综合执法大院"),
    SiteType.CHEMICAL_PLANT: ("化工有限公司", "精细化工厂", "新材料化工有限公司"),
    SiteType.TRANSPORT_HUB: ("汽车客运站", "公交枢纽站", "高速服务区"),
    SiteType.SCENIC_AREA: ("湿地公园", "风景区", "生态园"),
    SiteType.PORT: ("港区码头", "渔港", "作业区码头"),
}
# Donor land cut off by a zone's rectangle, smaller than this, joins the zone.
MAX_CUT_OFF_KM2 = 50.0
SITE_RADIUS_M = (150.0, 600.0)
# A special grid covers at most this share of the comprehensive grid it lies in.
SITE_MAX_SHARE = 0.4

# Place-name stems: a first character and a place-like second character (沙 sand, 港 harbour,
# 桥 bridge, 圩 polder …), as in the names of the Jianghai plain's towns and villages.
_STEM_FIRST = "金石平兴东西南北新双丰永长安和福宝富华明清白青通顺盛泰瑞嘉祥春朝昌荣德仁义利康乐建胜"
_STEM_SECOND = "沙港桥湾河园庄埠坝口塘集岗圩墩滩洲泾溪垛店灶"


@dataclass(frozen=True)
class RegionSpec:
    """One node of the administrative tree, before it is stored."""

    code: str
    name: str
    level: str
    kind: str
    parent_code: str | None
    geometry: BaseGeometry
    synthetic: bool


@dataclass(frozen=True)
class GridSpec:
    """One grid, before it is stored; ``site_type`` is "" for comprehensive grids."""

    code: str
    name: str
    kind: str
    site_type: str
    community_code: str
    geometry: BaseGeometry
    households: int
    synthetic: bool = True


@dataclass(frozen=True)
class Geography:
    """A whole city: regions (city, counties, towns, communities) and grids, in code order."""

    regions: tuple[RegionSpec, ...]
    grids: tuple[GridSpec, ...]

    def by_level(self, level: str) -> list[RegionSpec]:
        return [r for r in self.regions if r.level == level]

    def counts(self) -> dict[str, int]:
        counts = {level.value: 0 for level in RegionLevel}
        for region in self.regions:
            counts[region.level] += 1
        for kind in GridKind:
            counts[kind.value] = sum(1 for g in self.grids if g.kind == kind)
        return counts


def generate_nantong(
    seed: int = 320600,
    *,
    towns_total: int = 96,
    comprehensive_total: int = 8450,
    special_total: int = 845,
) -> Geography:
    """Nantong's 10 county-level regions with synthetic towns, communities and grids.

    Deterministic in ``seed`` and the totals. Each town, community and grid layout draws from
    its own random stream, so the towns depend only on ``seed`` and ``towns_total``: a small
    test geography has the same towns as the full one (up to the last 1e-6° of rounding).
    Raises ValueError for totals that cannot be honoured.
    """
    counties = list(_county_regions())
    # Every zone gets at least 2 towns and every other county at least 1.
    fewest_towns = len(counties) + len(FUNCTIONAL_ZONES)
    if towns_total < fewest_towns:
        raise ValueError(f"towns_total must be at least {fewest_towns}")
    if comprehensive_total < towns_total:
        raise ValueError("comprehensive_total must be at least towns_total (one grid per town)")
    if special_total < 0:
        raise ValueError("special_total must not be negative")

    towns = _towns(seed, counties, towns_total)
    grid_counts = allocate(_areas(t.geometry for t in towns), comprehensive_total, minimum=1)
    communities: list[RegionSpec] = []
    grids: list[GridSpec] = []
    for town, n_grids in zip(towns, grid_counts, strict=True):
        town_communities, per_community = _communities(seed, town, int(n_grids))
        communities += town_communities
        for community, n in zip(town_communities, per_community, strict=True):
            grids += _comprehensive_grids(seed, community, int(n))
    grids = _clean_coverage(grids)
    # Every region is the union of the grids below it, so each level tiles the next exactly.
    communities = _unions(communities, grids, lambda g: g.community_code)
    towns = _unions(towns, communities, lambda c: c.parent_code)
    counties_ = _unions(counties, towns, lambda t: t.parent_code)
    city = RegionSpec(
        CITY_CODE,
        CITY_NAME,
        RegionLevel.CITY,
        RegionKind.CITY,
        None,
        _union([c.geometry for c in counties_]),
        False,
    )
    grids += _special_grids(seed, grids, communities, towns, special_total)
    grids.sort(key=lambda g: g.code)
    return Geography(regions=(city, *counties_, *towns, *communities), grids=tuple(grids))


def _clean_coverage(grids: list[GridSpec]) -> list[GridSpec]:
    """Make neighbouring grids share identical edges, then put them on the storage grid.

    Cells clipped to different parents meet along the parents' border with vertices that only
    one side has; rounding such a vertex would open a sliver. ``coverage_clean`` nodes the
    whole coverage first, so rounding moves both sides of every edge alike.
    """
    geoms = np.array([g.geometry for g in grids], dtype=object)
    cleaned = snap_all(shapely.coverage_clean(geoms))
    return [replace(g, geometry=polygonal(geom)) for g, geom in zip(grids, cleaned, strict=True)]


def _unions(
    parents: Sequence[RegionSpec], children: Sequence[Any], parent_of: Callable[[Any], Any]
) -> list[RegionSpec]:
    members: dict[str, list[BaseGeometry]] = {}
    for child in children:
        members.setdefault(parent_of(child), []).append(child.geometry)
    return [replace(p, geometry=_union(members[p.code])) for p in parents]


def _union(geoms: list[BaseGeometry]) -> BaseGeometry:
    return polygonal(shapely.coverage_union_all(np.array(geoms, dtype=object)))


# --- counties and functional zones ---------------------------------------------------------


@cache
def _source_features() -> dict[str, tuple[str, BaseGeometry]]:
    with DATA_FILE.open(encoding="utf-8") as fh:
        collection = json.load(fh)
    out: dict[str, tuple[str, BaseGeometry]] = {}
    for feature in collection["features"]:
        props = feature["properties"]
        geom = shapely.from_geojson(json.dumps(feature["geometry"]))
        out[str(props["adcode"])] = (str(props["name"]), snap(polygonal(geom)))
    return out


@cache
def _county_regions() -> tuple[RegionSpec, ...]:
    """The 7 real counties made disjoint, minus the 3 zones carved out of them, in code order."""
    source = _source_features()
    geoms: dict[str, BaseGeometry] = {}
    taken: BaseGeometry = shapely.Polygon()
    for code in sorted(COUNTY_KINDS):
        geom = polygonal(shapely.difference(source[code][1], taken))
        geoms[code] = geom
        taken = shapely.union(taken, geom)
    zones: dict[str, BaseGeometry] = {}
    carved: BaseGeometry = shapely.Polygon()
    for zone in FUNCTIONAL_ZONES:
        rect = shapely.box(*zone.bounds)
        donors = shapely.union_all([geoms[d] for d in zone.donors])
        zone_geom = snap(polygonal(shapely.difference(shapely.intersection(rect, donors), carved)))
        for donor in zone.donors:
            rest = snap(polygonal(shapely.difference(geoms[donor], zone_geom)))
            # A sliver of the donor cut off by the rectangle joins the zone.
            parts = sorted(shapely.get_parts(rest), key=lambda p: -p.area)
            cut_off = [
                p
                for p in parts[1:]
                if shapely.intersection(p.boundary, zone_geom.boundary).length > 0
                and float(area_km2([p])[0]) < MAX_CUT_OFF_KM2
            ]
            if cut_off:
                zone_geom = snap(polygonal(shapely.union_all([zone_geom, *cut_off])))
                rest = snap(polygonal(shapely.difference(geoms[donor], zone_geom)))
            geoms[donor] = rest
        zones[zone.code] = zone_geom
        carved = shapely.union(carved, zone_geom)
    specs = [
        RegionSpec(code, source[code][0], RegionLevel.COUNTY, kind, CITY_CODE, geoms[code], False)
        for code, kind in COUNTY_KINDS.items()
    ]
    specs += [
        RegionSpec(
            z.code,
            z.name,
            RegionLevel.COUNTY,
            RegionKind.FUNCTIONAL_ZONE,
            CITY_CODE,
            zones[z.code],
            True,
        )
        for z in FUNCTIONAL_ZONES
    ]
    return tuple(sorted(specs, key=lambda r: r.code))


# --- towns, communities, grids --------------------------------------------------------------


def _towns(seed: int, counties: Sequence[RegionSpec], total: int) -> list[RegionSpec]:
    is_zone = np.array([c.kind == RegionKind.FUNCTIONAL_ZONE for c in counties])
    per_zone = int(np.clip(round(total / 32), 2, 4))
    counts = np.zeros(len(counties), dtype=np.int64)
    counts[is_zone] = per_zone
    areas = _areas(c.geometry for c in counties)
    counts[~is_zone] = allocate(areas[~is_zone], total - per_zone * int(is_zone.sum()), minimum=1)
    stems = iter(_stems(_rng(seed, 5), total))
    towns: list[RegionSpec] = []
    for county, n in zip(counties, counts, strict=True):
        urban = county.kind in URBAN_KINDS
        cells = partition(county.geometry, int(n), _rng(seed, 1, int(county.code)))
        for k, cell in enumerate(cells, start=1):
            towns.append(
                RegionSpec(
                    code=f"{county.code}{k:03d}",
                    name=next(stems) + ("街道" if urban else "镇"),
                    level=RegionLevel.TOWN,
                    kind=RegionKind.STREET if urban else RegionKind.TOWN,
                    parent_code=county.code,
                    geometry=cell,
                    synthetic=True,
                )
            )
    return towns


def _communities(seed: int, town: RegionSpec, n_grids: int) -> tuple[list[RegionSpec], np.ndarray]:
    n = max(1, int(n_grids / GRIDS_PER_COMMUNITY + 0.5))
    if n > 999:
        raise ValueError(f"town {town.code} would need {n} communities (at most 999)")
    cells = partition(town.geometry, n, _rng(seed, 2, int(town.code)))
    street = town.kind == RegionKind.STREET
    town_stem = town.name.removesuffix("街道").removesuffix("镇")
    stems = [s for s in _stems(_rng(seed, 6, int(town.code)), n + 1) if s != town_stem][:n]
    communities = [
        RegionSpec(
            code=f"{town.code}{k:03d}",
            name=stem + ("社区" if street else "村"),
            level=RegionLevel.COMMUNITY,
            kind=RegionKind.COMMUNITY if street else RegionKind.VILLAGE,
            parent_code=town.code,
            geometry=cell,
            synthetic=True,
        )
        for k, (cell, stem) in enumerate(zip(cells, stems, strict=True), start=1)
    ]
    per_community = allocate(_areas(cells), n_grids, minimum=1)
    if per_community.max() > MAX_COMPREHENSIVE_PER_COMMUNITY:
        raise ValueError(f"a community of town {town.code} would need more than 499 grids")
    return communities, per_community


def _comprehensive_grids(seed: int, community: RegionSpec, n: int) -> list[GridSpec]:
    rng = _rng(seed, 3, int(community.code))
    cells = partition(community.geometry, n, rng)
    households = rng.integers(300, 501, size=n)
    return [
        GridSpec(
            code=f"{community.code}{k:03d}",
            name=f"{community.name}第{k}网格",
            kind=GridKind.COMPREHENSIVE,
            site_type="",
            community_code=community.code,
            geometry=cell,
            households=int(hh),
        )
        for k, (cell, hh) in enumerate(zip(cells, households, strict=True), start=1)
    ]


def _special_grids(
    seed: int,
    comprehensive: Sequence[GridSpec],
    communities: Sequence[RegionSpec],
    towns: Sequence[RegionSpec],
    total: int,
) -> list[GridSpec]:
    """Small sites (a disc of 150–600 m, at most 40% of its grid) inside comprehensive grids."""
    if total == 0:
        return []
    rng = _rng(seed, 4)
    hosts = np.sort(rng.choice(len(comprehensive), size=total, replace=total > len(comprehensive)))
    site_types = list(SITE_WEIGHTS)
    weights = np.array(list(SITE_WEIGHTS.values()), dtype=float)
    types = rng.choice(len(site_types), size=total, p=weights / weights.sum())
    patterns = rng.integers(0, 1 << 30, size=total)
    radii_m = rng.uniform(*SITE_RADIUS_M, size=total)

    host_geoms = np.array([comprehensive[i].geometry for i in hosts], dtype=object)
    centres = np.array([_points_inside(g, 1, rng)[0] for g in host_geoms])
    host_area_m2 = area_km2(host_geoms) * 1e6
    radii_m = np.minimum(radii_m, np.sqrt(SITE_MAX_SHARE * host_area_m2 / math.pi))
    discs = _discs(centres, radii_m)
    sites = snap_all(shapely.intersection(discs, host_geoms))

    stem_of = {c.code: c.name.removesuffix("社区").removesuffix("村") for c in communities}
    stem_of |= {t.code: t.name.removesuffix("街道").removesuffix("镇") for t in towns}
    sequence: dict[str, int] = {}
    used_names: set[str] = set()
    out: list[GridSpec] = []
    for i, host_index in enumerate(hosts):
        host = comprehensive[host_index]
        community = host.community_code
        sequence[community] = sequence.get(community, 500) + 1
        if sequence[community] > 999:
            raise ValueError(f"community {community} would hold more than 499 special grids")
        site_type = site_types[types[i]]
        options = SITE_NAMES[site_type]
        suffix = options[patterns[i] % len(options)]
        # "<village><site>", else "<town><village><site>", else numbered: unique in the city.
        site_name = stem_of[community] + suffix
        if site_name in used_names:
            site_name = stem_of[community[:9]] + site_name
        base, k = site_name, 1
        while site_name in used_names:
            k += 1
            site_name = f"{base}（{k}）"
        used_names.add(site_name)
        out.append(
            GridSpec(
                code=f"{community}{sequence[community]:03d}",
                name=f"{site_name}专属网格",
                kind=GridKind.SPECIAL,
                site_type=site_type,
                community_code=community,
                geometry=polygonal(sites[i]),
                households=0,
            )
        )
    return out


def _discs(centres: np.ndarray, radii_m: np.ndarray, vertices: int = 24) -> np.ndarray:
    """Circles of the given radius in metres, as lon/lat polygons (wider in lon by 1/cos lat)."""
    angles = np.linspace(0.0, 2 * math.pi, vertices, endpoint=False)
    unit = np.column_stack([np.cos(angles), np.sin(angles)])
    unit = np.vstack([unit, unit[:1]])
    dlat = radii_m / (KM_PER_DEGREE * 1000.0)
    dlon = dlat / np.cos(np.radians(centres[:, 1]))
    coords = centres[:, None, :] + unit[None, :, :] * np.column_stack([dlon, dlat])[:, None, :]
    return shapely.polygons(coords)


# --- partitioning ---------------------------------------------------------------------------


def partition(geom: BaseGeometry, n: int, rng: np.random.Generator) -> list[BaseGeometry]:
    """Split ``geom`` into ``n`` cells that tile it: Voronoi cells of seeded points, relaxed
    twice towards their centroids (Lloyd) so sizes even out, clipped to ``geom``, numbered
    north to south, then west to east. Full precision: the caller cleans and rounds."""
    if n <= 1:
        return [geom]
    points = _points_inside(geom, n, rng)
    cells = _voronoi_cells(geom, points)
    for _ in range(LLOYD_ITERATIONS):
        points = _inner_centroids(geom, cells)
        cells = _voronoi_cells(geom, points)
    cells = _merge_fragments(cells)
    centroids = shapely.get_coordinates(shapely.centroid(cells))
    order = np.lexsort((np.round(centroids[:, 0], 4), -np.round(centroids[:, 1], 2)))
    return [polygonal(cells[i]) for i in order]


def _voronoi_cells(geom: BaseGeometry, points: np.ndarray) -> np.ndarray:
    diagram = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=geom, ordered=True)
    parts = shapely.get_parts(diagram)
    if len(parts) != len(points):
        raise ValueError("coincident seed points; try another seed")
    return shapely.intersection(parts, geom)


def _merge_fragments(cells: np.ndarray) -> np.ndarray:
    """Give each cell's stray pieces to the neighbour they share the longest border with.

    A convex Voronoi cell clipped to a concave parent can fall apart; a town or grid in two
    pieces a bay apart looks wrong on a map. Pieces that border no other cell (islands) stay.
    """
    cells = np.array(cells, dtype=object)
    boundaries = shapely.boundary(cells)
    for i in range(len(cells)):
        parts = sorted(shapely.get_parts(cells[i]), key=lambda p: -p.area)
        if len(parts) < 2:
            continue
        keep = [parts[0]]
        for part in parts[1:]:
            shared = shapely.length(shapely.intersection(part.boundary, boundaries))
            shared[i] = 0.0
            j = int(np.argmax(shared))
            if shared[j] > 0:
                cells[j] = polygonal(shapely.union(cells[j], part))
                boundaries[j] = cells[j].boundary
            else:
                keep.append(part)
        cells[i] = keep[0] if len(keep) == 1 else shapely.MultiPolygon(keep)
        boundaries[i] = cells[i].boundary
    return cells


def _inner_centroids(geom: BaseGeometry, cells: np.ndarray) -> np.ndarray:
    centroids = shapely.get_coordinates(shapely.centroid(cells))
    outside = ~shapely.contains_xy(geom, centroids[:, 0], centroids[:, 1])
    if outside.any():
        centroids[outside] = shapely.get_coordinates(shapely.point_on_surface(cells[outside]))
    return centroids


def _points_inside(geom: BaseGeometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` uniformly random points inside ``geom`` (rejection sampling in its bounding box)."""
    min_x, min_y, max_x, max_y = geom.bounds
    fill = max(geom.area / max((max_x - min_x) * (max_y - min_y), 1e-18), 0.02)
    shapely.prepare(geom)
    found: list[np.ndarray] = []
    need = n
    while need > 0:
        m = int(need / fill * 1.5) + 8
        xs = rng.uniform(min_x, max_x, m)
        ys = rng.uniform(min_y, max_y, m)
        keep = shapely.contains_xy(geom, xs, ys)
        pts = np.column_stack([xs[keep], ys[keep]])[:need]
        found.append(pts)
        need -= len(pts)
    return np.vstack(found)


def allocate(weights: np.ndarray, total: int, *, minimum: int = 0) -> np.ndarray:
    """Split ``total`` in proportion to ``weights`` with at least ``minimum`` each (largest
    remainder; ties go to the earlier entry, so the result is deterministic)."""
    weights = np.asarray(weights, dtype=float)
    rest = total - minimum * len(weights)
    if rest < 0:
        raise ValueError(f"cannot give {len(weights)} parts at least {minimum} out of {total}")
    quota = weights / weights.sum() * rest if weights.sum() > 0 else np.zeros(len(weights))
    base = np.floor(quota).astype(np.int64)
    short = rest - int(base.sum())
    order = np.argsort(-(quota - base), kind="stable")
    base[order[:short]] += 1
    return base + minimum


def _stems(rng: np.random.Generator, n: int) -> list[str]:
    pool = [a + b for a in _STEM_FIRST for b in _STEM_SECOND if a != b]
    if n > len(pool):
        raise ValueError(f"only {len(pool)} distinct place-name stems")
    return [pool[i] for i in rng.permutation(len(pool))[:n]]


def _rng(seed: int, *keys: int) -> np.random.Generator:
    """A random stream for one purpose and one region, independent of every other stream."""
    return np.random.default_rng([seed, *keys])


# --- geometry helpers shared by services, locator and API -----------------------------------


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The polygonal part of ``geom`` (made valid first): a Polygon or a MultiPolygon."""
    if not shapely.is_valid(geom):
        geom = shapely.make_valid(geom)
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    polygons = [q for p in parts for q in shapely.get_parts(p)]
    if not polygons:
        return shapely.Polygon()
    return polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)


def snap(geom: BaseGeometry) -> BaseGeometry:
    """``geom`` with its coordinates on the 1e-6° storage grid."""
    return polygonal(shapely.set_precision(geom, GRID_SIZE))


def snap_all(geoms: np.ndarray) -> np.ndarray:
    return shapely.set_precision(geoms, GRID_SIZE)


def _areas(geoms: Iterable[BaseGeometry]) -> np.ndarray:
    return area_km2(np.array(list(geoms), dtype=object))


def area_km2(geoms: Any) -> np.ndarray:
    """Areas in km², by scaling each shape's degree² area with the length of a degree at its
    centroid's latitude (equal-area approximation, well under 1% off at a city's size)."""
    arr = np.asarray(geoms, dtype=object)
    lat = shapely.get_y(shapely.centroid(arr))
    scale = KM_PER_DEGREE**2 * np.cos(np.radians(np.nan_to_num(lat)))
    return np.asarray(shapely.area(arr) * scale, dtype=float)


def geojson_geometry(geom: BaseGeometry, decimals: int = COORDINATE_DECIMALS) -> dict[str, Any]:
    """A GeoJSON geometry object (RFC 7946 ring orientation) with rounded coordinates."""
    geom = shapely.orient_polygons(geom)
    if geom.geom_type == "Polygon":
        return {"type": "Polygon", "coordinates": _rings(geom, decimals)}
    if geom.geom_type == "MultiPolygon":
        return {
            "type": "MultiPolygon",
            "coordinates": [_rings(p, decimals) for p in shapely.get_parts(geom)],
        }
    raise ValueError(f"expected a Polygon or MultiPolygon, got {geom.geom_type}")


def _rings(polygon: Any, decimals: int) -> list[Any]:
    rings = [polygon.exterior, *polygon.interiors]
    return [np.round(shapely.get_coordinates(r), decimals).tolist() for r in rings]


def geometry_from_geojson(data: dict[str, Any]) -> BaseGeometry:
    """A shapely geometry from a GeoJSON geometry object (as stored in the database)."""
    return shapely.from_geojson(json.dumps(data))
