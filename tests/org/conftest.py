"""A small Nantong for organisation tests: the city, its ten county-level regions with their
real codes, and two towns in each — tiny squares, not real boundaries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from yiwang.geo.choices import RegionKind, RegionLevel
from yiwang.geo.models import Region
from yiwang.org.demo import OrgStats, load_organisation

CITY_CODE = "320600"
COUNTIES = [
    ("320612", "通州区", RegionKind.DISTRICT, ("金沙街道", "兴仁镇")),
    ("320613", "崇川区", RegionKind.DISTRICT, ("城东街道", "和平桥街道")),
    ("320614", "海门区", RegionKind.DISTRICT, ("海门街道", "三厂街道")),
    ("320623", "如东县", RegionKind.COUNTY, ("掘港街道", "栟茶镇")),
    ("320681", "启东市", RegionKind.COUNTY_CITY, ("汇龙镇", "吕四港镇")),
    ("320682", "如皋市", RegionKind.COUNTY_CITY, ("如城街道", "白蒲镇")),
    ("320685", "海安市", RegionKind.COUNTY_CITY, ("海安街道", "曲塘镇")),
    ("320671", "南通经济技术开发区", RegionKind.FUNCTIONAL_ZONE, ("竹行街道", "小海街道")),
    ("320672", "苏锡通科技产业园区", RegionKind.FUNCTIONAL_ZONE, ("江海街道", "兴仁分区")),
    ("320673", "通州湾示范区", RegionKind.FUNCTIONAL_ZONE, ("三余镇", "海晏镇")),
]
DISTRICTS_AND_COUNTIES = [code for code, _n, kind, _t in COUNTIES if kind != "functional_zone"]
ZONES = [code for code, _n, kind, _t in COUNTIES if kind == "functional_zone"]


@dataclass
class Geography:
    city: Region
    counties: dict[str, Region]
    towns: list[Region]

    def county(self, name: str) -> Region:
        return next(c for c in self.counties.values() if c.name == name)


def _square(x: float, y: float, size: float = 0.01) -> dict[str, Any]:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "min_lon": x,
        "min_lat": y,
        "max_lon": x + size,
        "max_lat": y + size,
        "centroid_lon": x + size / 2,
        "centroid_lat": y + size / 2,
        "area_km2": 1.0,
    }


def make_region(code: str, name: str, level: str, kind: str, parent: Region | None) -> Region:
    path = f"{parent.path if parent else ''}{code}/"
    offset = int(code[-3:]) / 1000
    return Region.objects.create(
        code=code,
        name=name,
        level=level,
        kind=kind,
        parent=parent,
        path=path,
        **_square(120.8 + offset, 32.0 + offset),
    )


def build_geography() -> Geography:
    city = make_region(CITY_CODE, "南通市", RegionLevel.CITY, RegionKind.CITY, None)
    counties: dict[str, Region] = {}
    towns: list[Region] = []
    for code, name, kind, town_names in COUNTIES:
        county = make_region(code, name, RegionLevel.COUNTY, kind, city)
        counties[code] = county
        for index, town_name in enumerate(town_names, 1):
            town_kind = RegionKind.TOWN if town_name.endswith("镇") else RegionKind.STREET
            towns.append(
                make_region(f"{code}{index:03d}", town_name, RegionLevel.TOWN, town_kind, county)
            )
    return Geography(city=city, counties=counties, towns=towns)


@pytest.fixture
def geography(db: Any) -> Geography:
    return build_geography()


@pytest.fixture
def organisation(geography: Geography) -> OrgStats:
    return load_organisation(actor=None)
