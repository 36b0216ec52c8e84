"""Nantong's organisation for the demo: the 65 city departments, their county-level branches,
the command centers of all three tiers and the departments stationed in them (部门进驻).

Everything comes from the two data files under ``org/data/`` and the geography already in the
database; nothing is random, so two loads of the same geography give the same organisation.

Stationing, by tier:
- city center: the city departments whose ``city_center_staff`` is set in ``departments.json``;
- county centers: the branches whose template sets ``county_center_staff``;
- town centers: the dispatched offices of the county's police, city-management (综合执法 in the
  functional zones) and market-regulation branches (派出所, 城管中队, 市场监管所). Those offices
  are not departments of their own here, so the county branch is stationed with one person.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.core.audit import record_audit
from yiwang.core.errors import Conflict, ValidationFailed
from yiwang.core.progress import ProgressCallback
from yiwang.geo.choices import RegionKind, RegionLevel
from yiwang.geo.models import Region
from yiwang.org.choices import DepartmentKind, Tier
from yiwang.org.models import CommandCenter, Department, Stationing

DATA_DIR = Path(__file__).resolve().parent / "data"
DEPARTMENTS_PATH = DATA_DIR / "departments.json"
BRANCHES_PATH = DATA_DIR / "branches.json"

CITY_DEPARTMENT_COUNT = 65  # the seed's "65个机关部门和单位"
CENTER_SUFFIX = "区域治理现代化指挥中心"  # the seed's name for every tier's center
CITY_CENTER_SUFFIX = "市域治理现代化指挥中心"
# When departments moved in; demo values (the city center opened in 2020, per the seed's
# "成立一年多来" in autumn 2021).
STATIONED_SINCE = {
    Tier.CITY: date(2020, 6, 1),
    Tier.COUNTY: date(2020, 9, 1),
    Tier.TOWN: date(2020, 12, 1),
}
BRANCH_STYLES = ("district", "county", "zone")
_PLACEHOLDERS = ("full", "infix", "abbr")


# --- the catalogue files -------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentEntry:
    """One city department as ``departments.json`` describes it."""

    code: str
    name: str
    short_name: str
    kind: str
    duties: str
    offers_online_services: bool
    legacy_hotlines: tuple[str, ...]
    retained_hotline: str
    emergency_number: str
    city_center_staff: int

    @property
    def primary_hotline(self) -> str:
        """The number stored on the department: its first line merged into 12345, or else the
        national line it kept (12366, 95598 …), so callers quoting either can be routed."""
        return self.legacy_hotlines[0] if self.legacy_hotlines else self.retained_hotline


@dataclass(frozen=True)
class RegionNaming:
    """How department names are formed for one county-level region."""

    code: str
    style: str
    full: str
    infix: str
    abbr: str

    def format(self, pattern: str) -> str:
        return pattern.format(full=self.full, infix=self.infix, abbr=self.abbr)


@dataclass(frozen=True)
class BranchForm:
    name: str
    short_name: str
    duties: str = ""


@dataclass(frozen=True)
class BranchTemplate:
    """The county-level branches of one city department, per region style."""

    parent: str
    forms: Mapping[str, BranchForm]
    county_center_staff: int
    town_center_staff: int
    skip_regions: frozenset[str]


@dataclass(frozen=True)
class BranchCatalogue:
    regions: Mapping[str, RegionNaming]
    branches: tuple[BranchTemplate, ...]


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValidationFailed(
            _("Cannot read %(path)s: %(error)s") % {"path": path.name, "error": exc},
            details={"path": path.name, "problems": [str(exc)]},
        ) from exc


def _fail(path: Path, problems: list[str]) -> None:
    if problems:
        raise ValidationFailed(
            _("%(path)s is not valid (%(n)d problems), first: %(first)s")
            % {"path": path.name, "n": len(problems), "first": problems[0]},
            details={"problems": problems},
        )


def _text(
    raw: Mapping[str, Any], key: str, where: str, problems: list[str], max_length: int
) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: {key} is required")
        return ""
    if len(value) > max_length:
        problems.append(f"{where}: {key} is longer than {max_length} characters")
    return value


def _number(value: Any, where: str, problems: list[str]) -> str:
    if not isinstance(value, str) or not value.isdigit() or not 3 <= len(value) <= 8:
        problems.append(f"{where}: {value!r} is not a service number")
        return ""
    return value


def _staff(raw: Mapping[str, Any], key: str, where: str, problems: list[str]) -> int:
    value = raw.get(key, 0)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10:
        problems.append(f"{where}: {key} must be a whole number from 0 to 10")
        return 0
    return value


def load_department_catalogue(path: Path = DEPARTMENTS_PATH) -> list[DepartmentEntry]:
    """Read and check the city departments: 65 of them, unique codes and names, every required
    field present, kinds known, hotlines written as digits."""
    data = _read_json(path)
    rows = data.get("departments") if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise ValidationFailed(_("%(path)s has no departments list.") % {"path": path.name})
    problems: list[str] = []
    entries: list[DepartmentEntry] = []
    for index, raw in enumerate(rows, 1):
        where = f"department #{index}"
        if not isinstance(raw, dict):
            problems.append(f"{where}: not an object")
            continue
        code = _text(raw, "code", where, problems, 24)
        where = f"department {code or index}"
        kind = _text(raw, "kind", where, problems, 16)
        if kind and kind not in DepartmentKind.values:
            problems.append(f"{where}: unknown kind {kind!r}")
        online = raw.get("offers_online_services")
        if not isinstance(online, bool):
            problems.append(f"{where}: offers_online_services must be true or false")
        legacy = raw.get("legacy_hotlines", [])
        if not isinstance(legacy, list):
            problems.append(f"{where}: legacy_hotlines must be a list")
            legacy = []
        entries.append(
            DepartmentEntry(
                code=code,
                name=_text(raw, "name", where, problems, 80),
                short_name=_text(raw, "short_name", where, problems, 40),
                kind=kind,
                duties=_text(raw, "duties", where, problems, 2000),
                offers_online_services=bool(online),
                legacy_hotlines=tuple(_number(n, where, problems) for n in legacy),
                retained_hotline=(
                    _number(raw["retained_hotline"], where, problems)
                    if "retained_hotline" in raw
                    else ""
                ),
                emergency_number=(
                    _number(raw["emergency_number"], where, problems)
                    if "emergency_number" in raw
                    else ""
                ),
                city_center_staff=_staff(raw, "city_center_staff", where, problems),
            )
        )
    if len(entries) != CITY_DEPARTMENT_COUNT:
        problems.append(f"expected {CITY_DEPARTMENT_COUNT} departments, found {len(entries)}")
    for label, values in (
        ("code", [e.code for e in entries]),
        ("name", [e.name for e in entries]),
        ("short name", [e.short_name for e in entries]),
        ("hotline", [n for e in entries for n in (*e.legacy_hotlines, e.retained_hotline) if n]),
    ):
        repeated = sorted(v for v, n in Counter(values).items() if n > 1 and v)
        if repeated:
            problems.append(f"repeated {label}: {', '.join(repeated)}")
    _fail(path, problems)
    return entries


def load_branch_catalogue(
    path: Path = BRANCHES_PATH, *, departments: Iterable[DepartmentEntry] | None = None
) -> BranchCatalogue:
    """Read and check the branch templates against the city departments they belong to."""
    known = {e.code for e in (departments if departments is not None else [])}
    data = _read_json(path)
    if not isinstance(data, dict):
        raise ValidationFailed(_("%(path)s is not a JSON object.") % {"path": path.name})
    problems: list[str] = []
    regions: dict[str, RegionNaming] = {}
    for raw in data.get("regions", []):
        code = _text(raw, "code", "region", problems, 12)
        style = raw.get("style")
        if style not in BRANCH_STYLES:
            problems.append(f"region {code}: unknown style {style!r}")
        regions[code] = RegionNaming(
            code=code,
            style=str(style),
            **{key: _text(raw, key, f"region {code}", problems, 40) for key in _PLACEHOLDERS},
        )
    templates: list[BranchTemplate] = []
    seen: set[str] = set()
    for raw in data.get("branches", []):
        parent = _text(raw, "parent", "branch", problems, 24)
        where = f"branch of {parent}"
        if known and parent not in known:
            problems.append(f"{where}: no city department has that code")
        if parent in seen:
            problems.append(f"{where}: listed twice")
        seen.add(parent)
        forms: dict[str, BranchForm] = {}
        for style, form in (raw.get("forms") or {}).items():
            if style not in BRANCH_STYLES:
                problems.append(f"{where}: unknown style {style!r}")
                continue
            forms[style] = BranchForm(
                name=_text(form, "name", where, problems, 60),
                short_name=_text(form, "short_name", where, problems, 30),
                duties=str(form.get("duties", "")),
            )
            for pattern in (forms[style].name, forms[style].short_name):
                try:
                    pattern.format(full="", infix="", abbr="")
                except (KeyError, IndexError, ValueError):
                    problems.append(f"{where}: bad placeholder in {pattern!r}")
        if not forms:
            problems.append(f"{where}: no forms")
        templates.append(
            BranchTemplate(
                parent=parent,
                forms=forms,
                county_center_staff=_staff(raw, "county_center_staff", where, problems),
                town_center_staff=_staff(raw, "town_center_staff", where, problems),
                skip_regions=frozenset(raw.get("skip_regions", [])),
            )
        )
    _fail(path, problems)
    return BranchCatalogue(regions=regions, branches=tuple(templates))


# --- loading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgStats:
    """What ``load_organisation`` created."""

    city_departments: int
    county_departments: int
    city_centers: int
    county_centers: int
    town_centers: int
    stationings: int
    staff_stationed: int
    branches_per_county: dict[str, int] = field(default_factory=dict)

    @property
    def departments(self) -> int:
        return self.city_departments + self.county_departments

    @property
    def centers(self) -> int:
        return self.city_centers + self.county_centers + self.town_centers


def _silent(stage: str, done: int, total: int) -> None:
    return None


def _duty_phone(region_code: str) -> str:
    """A synthetic duty number: 0513 (Nantong's area code), 8, then the region's code digits."""
    return f"0513-8{(region_code[2:] + '0000000')[:7]}"


def _derived_naming(county: Region, city: Region) -> RegionNaming:
    """Naming for a county-level region the branch file does not list."""
    styles: dict[str, str] = {RegionKind.DISTRICT: "district", RegionKind.FUNCTIONAL_ZONE: "zone"}
    style = styles.get(county.kind, "county")
    short = (
        county.name[:-1] if len(county.name) > 2 and county.name[-1] in "区市县" else county.name
    )
    full = f"{city.name}{county.name}" if style == "district" else county.name
    return RegionNaming(code=county.code, style=style, full=full, infix=short, abbr=short)


def _geography() -> tuple[Region, list[Region], dict[int | None, list[Region]]]:
    """The city, its county-level regions and their towns (keyed by county id), or a refusal
    saying which level is missing."""
    cities = list(Region.objects.filter(level=RegionLevel.CITY))
    if len(cities) != 1:
        raise ValidationFailed(
            _("Load the geography first: expected one city region, found %(n)d.")
            % {"n": len(cities)},
            details={"field": "geography", "missing": "city"},
        )
    city = cities[0]
    counties = list(Region.objects.filter(level=RegionLevel.COUNTY, parent=city).order_by("code"))
    if not counties:
        raise ValidationFailed(
            _("Load the geography first: %(city)s has no county-level regions.")
            % {"city": city.name},
            details={"field": "geography", "missing": "counties"},
        )
    towns: dict[int | None, list[Region]] = {c.pk: [] for c in counties}
    for town in Region.objects.filter(level=RegionLevel.TOWN, parent__in=counties).order_by("code"):
        towns[town.parent_id].append(town)
    if not any(towns.values()):
        raise ValidationFailed(
            _("Load the geography first: %(city)s has no towns or streets.") % {"city": city.name},
            details={"field": "geography", "missing": "towns"},
        )
    return city, counties, towns


def _branch(
    template: BranchTemplate, naming: RegionNaming, county: Region, parent: Department
) -> Department:
    form = template.forms[naming.style]
    duties = form.duties or (
        f"{parent.short_name}在{county.name}的对口机构。{parent.duties.replace('全市', '辖区')}"
    )
    return Department(
        code=f"{county.code}-{parent.code}",
        name=naming.format(form.name),
        short_name=naming.format(form.short_name),
        kind=parent.kind,
        tier=Tier.COUNTY,
        region=county,
        parent=parent,
        duties=duties,
        legacy_hotline="",
        offers_online_services=False,
    )


def load_organisation(*, actor: Any | None, progress: ProgressCallback | None = None) -> OrgStats:
    """Create the departments, command centers and stationing on top of a loaded geography,
    in one transaction, with one audit record. Refuses if an organisation already exists."""
    report = progress or _silent
    entries = load_department_catalogue()
    catalogue = load_branch_catalogue(departments=entries)
    with transaction.atomic():
        city, counties, towns = _geography()
        if Department.objects.exists() or CommandCenter.objects.exists():
            raise Conflict(
                _("The organisation is already loaded."),
                details={"departments": Department.objects.count()},
            )
        namings = {
            c.pk: catalogue.regions.get(c.code) or _derived_naming(c, city) for c in counties
        }

        # Departments: the city's, then each county's branches of them.
        planned: list[tuple[Department, BranchTemplate]] = []
        city_departments = [
            Department(
                code=e.code,
                name=e.name,
                short_name=e.short_name,
                kind=e.kind,
                tier=Tier.CITY,
                region=city,
                duties=e.duties,
                legacy_hotline=e.primary_hotline,
                offers_online_services=e.offers_online_services,
            )
            for e in entries
        ]
        Department.objects.bulk_create(city_departments)
        by_code = Department.objects.in_bulk(field_name="code")
        for county in counties:
            naming = namings[county.pk]
            for template in catalogue.branches:
                if naming.style in template.forms and county.code not in template.skip_regions:
                    parent = by_code[template.parent]
                    planned.append((_branch(template, naming, county, parent), template))
        total = len(city_departments) + len(planned)
        report("Departments", len(city_departments), total)
        Department.objects.bulk_create([d for d, _t in planned])
        by_code = Department.objects.in_bulk(field_name="code")
        report("Departments", total, total)

        # Command centers: city → county → town.
        all_towns = [t for c in counties for t in towns[c.pk]]
        center_total = 1 + len(counties) + len(all_towns)
        city_center = CommandCenter.objects.create(
            name=f"{city.name}{CITY_CENTER_SUFFIX}",
            tier=Tier.CITY,
            region=city,
            duty_phone=_duty_phone(city.code),
        )
        CommandCenter.objects.bulk_create(
            CommandCenter(
                name=f"{namings[c.pk].full}{CENTER_SUFFIX}",
                tier=Tier.COUNTY,
                region=c,
                parent=city_center,
                duty_phone=_duty_phone(c.code),
            )
            for c in counties
        )
        county_centers = {c.region_id: c for c in CommandCenter.objects.filter(tier=Tier.COUNTY)}
        report("Command centers", 1 + len(counties), center_total)
        CommandCenter.objects.bulk_create(
            CommandCenter(
                name=f"{namings[c.pk].full}{t.name}{CENTER_SUFFIX}",
                tier=Tier.TOWN,
                region=t,
                parent=county_centers[c.pk],
                duty_phone=_duty_phone(t.code),
            )
            for c in counties
            for t in towns[c.pk]
        )
        town_centers = {c.region_id: c for c in CommandCenter.objects.filter(tier=Tier.TOWN)}
        report("Command centers", center_total, center_total)

        # Stationing (部门进驻).
        stationings = [
            Stationing(
                center=city_center,
                department=by_code[e.code],
                staff_count=e.city_center_staff,
                since=STATIONED_SINCE[Tier.CITY],
            )
            for e in entries
            if e.city_center_staff
        ]
        for branch, template in planned:
            department = by_code[branch.code]
            if template.county_center_staff:
                stationings.append(
                    Stationing(
                        center=county_centers[branch.region.pk],
                        department=department,
                        staff_count=template.county_center_staff,
                        since=STATIONED_SINCE[Tier.COUNTY],
                    )
                )
            if template.town_center_staff:
                stationings.extend(
                    Stationing(
                        center=town_centers[town.pk],
                        department=department,
                        staff_count=template.town_center_staff,
                        since=STATIONED_SINCE[Tier.TOWN],
                    )
                    for town in towns[branch.region.pk]
                )
        report("Stationing", 0, len(stationings))
        Stationing.objects.bulk_create(stationings)
        report("Stationing", len(stationings), len(stationings))

        per_county = Counter(branch.region.code for branch, _t in planned)
        stats = OrgStats(
            city_departments=len(city_departments),
            county_departments=len(planned),
            city_centers=1,
            county_centers=len(counties),
            town_centers=len(all_towns),
            stationings=len(stationings),
            staff_stationed=sum(s.staff_count for s in stationings),
            branches_per_county={c.code: per_county[c.code] for c in counties},
        )
        record_audit(
            "org.organisation_loaded",
            actor=actor,
            object_type="org.organisation",
            object_repr=f"{city.name} organisation",
            after=asdict(stats),
        )
    return stats
