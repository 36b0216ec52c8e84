"""The category taxonomy (大类 → 小类) and the dispatch catalogue (派单目录): reading and checking
the two data files, loading them in one transaction, and the audited edits the admin site makes.

Both files live under ``workorders/data/`` and are described in ``docs/categories.md``. A city
replaces them by loading its own files (``load_taxonomy(categories_path=…, catalogue_path=…)``)
into a database without categories, then edits single records through the admin.

The catalogue names departments three ways: a city department (``ND027``), one county branch
(``320613-ND027``), or a branch template (``branch:ND027`` = "the branch of ND027 in the order's
county"). Loading expands a template into one rule per county that has the branch, plus one rule
for anywhere that routing resolves against the order's county (and falls back to the city
department where there is no branch).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.core.audit import record_audit, save_audited
from yiwang.core.errors import Conflict, ValidationFailed
from yiwang.core.progress import ProgressCallback
from yiwang.geo.choices import RegionLevel
from yiwang.geo.models import Region
from yiwang.org.choices import Tier
from yiwang.org.models import Department
from yiwang.workorders.choices import CategoryKind, TimeUnit
from yiwang.workorders.models import Category, DispatchRule
from yiwang.workorders.routing import invalidate_routing

DATA_DIR = Path(__file__).resolve().parent / "data"
CATEGORIES_PATH = DATA_DIR / "categories.json"
DISPATCH_PATH = DATA_DIR / "dispatch_catalogue.json"

BRANCH_PREFIX = "branch:"
DISPATCH_TIERS = (Tier.CITY, Tier.COUNTY, Tier.TOWN)
DEFAULT_PRIORITY = 100
MAX_TIME_LIMIT = Decimal("99999.9")  # Category.time_limit: 6 digits, 1 decimal place
MAX_KEYWORDS_LENGTH = 200
KEYWORD_SEPARATOR = ","
_CODE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_CATEGORY_FIELDS = frozenset(
    {
        "code",
        "name",
        "kind",
        "parent",
        "time_limit",
        "time_limit_unit",
        "closing_condition",
        "default_department",
        "keywords",
        "active",
    }
)
_RULE_FIELDS = frozenset(
    {"category", "region", "tier", "department", "direct", "priority", "active", "note"}
)


# --- the two files ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryEntry:
    """One row of ``categories.json``: a class (``parent`` empty) or a subclass, which has its
    class's kind."""

    line: int
    code: str
    name: str
    kind: str
    parent: str | None
    time_limit: Decimal | None
    time_limit_unit: str
    closing_condition: str
    default_department: str | None
    keywords: tuple[str, ...]
    active: bool


@dataclass(frozen=True)
class RuleEntry:
    """One line of ``dispatch_catalogue.json``, as written (templates not yet expanded)."""

    line: int
    category: str
    region: str | None
    tier: str
    department: str
    direct: bool
    priority: int
    active: bool
    note: str

    @property
    def template(self) -> str | None:
        """The city department of a ``branch:`` template, or None for a named department."""
        if self.department.startswith(BRANCH_PREFIX):
            return self.department[len(BRANCH_PREFIX) :]
        return None


@dataclass(frozen=True)
class PlannedRule:
    """A rule as it will be stored: templates expanded to concrete departments."""

    line: int
    category: str
    region: str | None
    department: str
    tier: str
    direct: bool
    priority: int
    active: bool


@dataclass(frozen=True)
class KnownCodes:
    """What the catalogue files may name: from the organisation data files before anything is
    stored (``from_files``), or from the database when loading (``from_database``)."""

    categories: frozenset[str]
    # department code → (tier, county code of a county department, else None)
    departments: Mapping[str, tuple[str, str | None]]
    # city department code → {county code: code of its branch there}
    branches: Mapping[str, Mapping[str, str]]
    # county or town code → the code of its county
    regions: Mapping[str, str]

    @classmethod
    def from_files(cls) -> KnownCodes:
        from yiwang.org.demo import load_branch_catalogue, load_department_catalogue

        entries = load_department_catalogue()
        catalogue = load_branch_catalogue(departments=entries)
        departments: dict[str, tuple[str, str | None]] = {
            e.code: (Tier.CITY, None) for e in entries
        }
        branches: dict[str, dict[str, str]] = defaultdict(dict)
        for region in catalogue.regions.values():
            for template in catalogue.branches:
                if region.style in template.forms and region.code not in template.skip_regions:
                    code = f"{region.code}-{template.parent}"
                    departments[code] = (Tier.COUNTY, region.code)
                    branches[template.parent][region.code] = code
        categories = frozenset(e.code for e in load_category_catalogue(departments=departments))
        return cls(
            categories=categories,
            departments=departments,
            branches=dict(branches),
            regions={code: code for code in catalogue.regions},
        )

    @classmethod
    def from_database(cls) -> KnownCodes:
        departments: dict[str, tuple[str, str | None]] = {}
        branches: dict[str, dict[str, str]] = defaultdict(dict)
        rows = Department.objects.filter(is_active=True).values_list(
            "code", "tier", "region__code", "parent__code"
        )
        for code, tier, region_code, parent_code in rows:
            departments[code] = (tier, region_code if tier == Tier.COUNTY else None)
            if parent_code and tier == Tier.COUNTY:
                branches[parent_code][region_code] = code
        regions: dict[str, str] = {}
        for code, level, parent_code in Region.objects.filter(
            level__in=(RegionLevel.COUNTY, RegionLevel.TOWN)
        ).values_list("code", "level", "parent__code"):
            regions[code] = code if level == RegionLevel.COUNTY else parent_code
        return cls(
            categories=frozenset(Category.objects.values_list("code", flat=True)),
            departments=departments,
            branches=dict(branches),
            regions=regions,
        )


def _read_json(path: Path, key: str) -> tuple[list[Any], list[int]]:
    """The list under ``key`` and the line each of its entries starts on."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(
            _("Cannot read %(path)s: %(error)s") % {"path": path.name, "error": exc},
            details={"path": path.name, "problems": [str(exc)]},
        ) from exc
    rows = data.get(key) if isinstance(data, dict) else None
    if not isinstance(rows, list):
        raise ValidationFailed(
            _("%(path)s has no %(key)s list.") % {"path": path.name, "key": key},
            details={"path": path.name, "problems": [f"no {key} list"]},
        )
    lines = _entry_lines(text, key)
    if len(lines) != len(rows):  # an entry that is not an object: number them instead
        lines = []
    return rows, lines


def _entry_lines(text: str, key: str) -> list[int]:
    """The line on which each object of the top-level array ``key`` starts, so problems can
    be named by line. ``text`` is already known to be valid JSON."""
    lines: list[int] = []
    stack: list[str] = []
    root_key: str | None = None
    last_string = ""
    line = 1
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            last_string = text[i + 1 : j]
            i = j + 1
            continue
        if char == "\n":
            line += 1
        elif char == ":" and len(stack) == 1:
            root_key = last_string
        elif char in "{[":
            if char == "{" and stack == ["{", "["] and root_key == key:
                lines.append(line)
            stack.append(char)
        elif char in "}]":
            stack.pop()
        i += 1
    return lines


def _fail(path: Path, problems: list[str]) -> None:
    if problems:
        raise ValidationFailed(
            _("%(path)s is not valid (%(n)d problems), first: %(first)s")
            % {"path": path.name, "n": len(problems), "first": problems[0]},
            details={"path": path.name, "problems": problems},
        )


class _Row:
    """Typed access to one JSON object, collecting problems under the entry's name."""

    def __init__(self, raw: Mapping[str, Any], where: str, problems: list[str]) -> None:
        self.raw = raw
        self.where = where
        self.problems = problems

    def problem(self, text: str) -> None:
        self.problems.append(f"{self.where}: {text}")

    def text(self, key: str, max_length: int, *, required: bool = True) -> str:
        value = self.raw.get(key)
        if value is None or value == "":
            if required:
                self.problem(f"{key} is required")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problem(f"{key} must be text")
            return ""
        if len(value) > max_length:
            self.problem(f"{key} is longer than {max_length} characters")
        return value.strip()

    def flag(self, key: str, default: bool) -> bool:
        value = self.raw.get(key, default)
        if not isinstance(value, bool):
            self.problem(f"{key} must be true or false")
            return default
        return value


def load_category_catalogue(
    path: Path = CATEGORIES_PATH, *, departments: Collection[str] | None = None
) -> list[CategoryEntry]:
    """Read and check the taxonomy: codes unique and well formed, every subclass under a class
    of the same kind with a positive time limit, a unit, a closing condition and a default
    department, departments known (the city's, from ``departments.json``, unless given)."""
    if departments is None:
        from yiwang.org.demo import load_department_catalogue

        departments = {e.code for e in load_department_catalogue()}
    rows, lines = _read_json(path, "categories")
    problems: list[str] = []
    entries: list[CategoryEntry] = []
    for index, raw in enumerate(rows):
        line = lines[index] if lines else index + 1
        where = f"line {line}" if lines else f"category #{line}"
        if not isinstance(raw, dict):
            problems.append(f"{where}: not an object")
            continue
        row = _Row(raw, where, problems)
        unknown = set(raw) - _CATEGORY_FIELDS
        if unknown:
            row.problem(f"unknown field(s) {', '.join(sorted(unknown))}")
        code = row.text("code", 16)
        if code and not _CODE.match(code):
            row.problem(f"code {code!r} may hold only letters, digits, '-' and '_'")
        row.where = f"{where} ({code})" if code else where
        parent = row.text("parent", 16, required=False) or None
        kind = row.text("kind", 16, required=parent is None)
        if kind and kind not in CategoryKind.values:
            row.problem(f"unknown kind {kind!r}; use one of {', '.join(CategoryKind.values)}")
        limit, unit = _time_limit(row, required=parent is not None)
        closing = row.text("closing_condition", 2000, required=parent is not None)
        department = row.text("default_department", 24, required=parent is not None) or None
        if department and department not in departments:
            row.problem(f"unknown department {department}")
        entries.append(
            CategoryEntry(
                line=line,
                code=code,
                name=row.text("name", 64),
                kind=kind,
                parent=parent,
                time_limit=limit,
                time_limit_unit=unit,
                closing_condition=closing,
                default_department=department,
                keywords=_keywords(row),
                active=row.flag("active", True),
            )
        )
    _check_tree(entries, problems)
    _fail(path, problems)
    kinds = {e.code: e.kind for e in entries if e.parent is None}
    return [replace(e, kind=kinds[e.parent]) if e.parent else e for e in entries]


def _time_limit(row: _Row, *, required: bool) -> tuple[Decimal | None, str]:
    raw_limit = row.raw.get("time_limit")
    unit = row.text("time_limit_unit", 16, required=required or raw_limit is not None)
    if unit and unit not in TimeUnit.values:
        row.problem(f"unknown time_limit_unit {unit!r}; use one of {', '.join(TimeUnit.values)}")
    if raw_limit is None:
        if required:
            row.problem("time_limit is required")
        elif unit:
            row.problem("time_limit_unit is given without a time_limit")
        return None, unit
    limit: Decimal | None = None
    if isinstance(raw_limit, (int, float)) and not isinstance(raw_limit, bool):
        try:
            limit = Decimal(str(raw_limit))
        except InvalidOperation:
            limit = None
    if limit is None or not limit.is_finite() or limit <= 0 or limit > MAX_TIME_LIMIT:
        row.problem(f"time_limit must be a positive number up to {MAX_TIME_LIMIT}")
        return None, unit
    if limit != limit.quantize(Decimal("0.1")):
        row.problem("time_limit may have at most one decimal place")
    return limit, unit


def _keywords(row: _Row) -> tuple[str, ...]:
    value = row.raw.get("keywords", [])
    if not isinstance(value, list) or not all(isinstance(k, str) and k.strip() for k in value):
        row.problem("keywords must be a list of words")
        return ()
    words = tuple(k.strip() for k in value)
    if any(KEYWORD_SEPARATOR in k for k in words):
        row.problem(f"a keyword may not contain {KEYWORD_SEPARATOR!r}")
    if len(KEYWORD_SEPARATOR.join(words)) > MAX_KEYWORDS_LENGTH:
        row.problem(f"keywords are longer than {MAX_KEYWORDS_LENGTH} characters in all")
    return words


def _check_tree(entries: list[CategoryEntry], problems: list[str]) -> None:
    """Codes unique; each subclass under a listed class of its kind, its code beginning with
    the class's; no two classes of a kind, nor two subclasses of a class, share a name."""
    first_code: dict[str, int] = {}
    first_name: dict[tuple[str, str], int] = {}
    for e in entries:
        where = f"line {e.line} ({e.code})"
        if e.code in first_code:
            problems.append(f"{where}: code already used on line {first_code[e.code]}")
        first_code.setdefault(e.code, e.line)
        # Siblings need distinct names; events and components both have a 市容环境 class.
        siblings = e.parent or f"kind:{e.kind}"
        if (siblings, e.name) in first_name and e.name:
            problems.append(
                f"{where}: name {e.name} already used on line {first_name[(siblings, e.name)]}"
            )
        first_name.setdefault((siblings, e.name), e.line)
    classes = {e.code: e for e in entries if e.parent is None}
    for e in entries:
        if e.parent is None:
            continue
        where = f"line {e.line} ({e.code})"
        parent = classes.get(e.parent)
        if parent is None:
            problems.append(
                f"{where}: parent {e.parent} is a subclass; only two levels are allowed"
                if e.parent in first_code
                else f"{where}: parent {e.parent} is not a class in the file"
            )
            continue
        if e.kind and e.kind != parent.kind:
            problems.append(f"{where}: kind {e.kind} differs from its class's {parent.kind}")
        if e.code and not e.code.startswith(e.parent):
            problems.append(f"{where}: a subclass code must begin with its class code {e.parent}")


def load_dispatch_catalogue(
    path: Path = DISPATCH_PATH, *, known: KnownCodes | None = None
) -> list[RuleEntry]:
    """Read and check the dispatch catalogue against the categories, departments, branches and
    regions it may name (``KnownCodes.from_files()`` unless given). Each problem names the line
    it is on; the rules must also expand without duplicates or ties (``expand_rules``)."""
    known = known if known is not None else KnownCodes.from_files()
    rows, lines = _read_json(path, "rules")
    problems: list[str] = []
    entries: list[RuleEntry] = []
    for index, raw in enumerate(rows):
        line = lines[index] if lines else index + 1
        where = f"line {line}" if lines else f"rule #{line}"
        if not isinstance(raw, dict):
            problems.append(f"{where}: not an object")
            continue
        row = _Row(raw, where, problems)
        entry = RuleEntry(
            line=line,
            category=row.text("category", 16),
            region=row.text("region", 12, required=False) or None,
            tier=row.text("tier", 8),
            department=row.text("department", 40),
            direct=row.flag("direct", False),
            priority=_priority(row),
            active=row.flag("active", True),
            note=row.text("note", 200, required=False),
        )
        unknown = set(raw) - _RULE_FIELDS
        if unknown:
            row.problem(f"unknown field(s) {', '.join(sorted(unknown))}")
        _check_rule(entry, row, known)
        entries.append(entry)
    if not problems:
        _plan(entries, known, problems)
    _fail(path, problems)
    return entries


def _priority(row: _Row) -> int:
    value = row.raw.get("priority", DEFAULT_PRIORITY)
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 32767:
        row.problem("priority must be a whole number from 1 to 32767")
        return DEFAULT_PRIORITY
    return value


def _check_rule(entry: RuleEntry, row: _Row, known: KnownCodes) -> None:
    if entry.category and entry.category not in known.categories:
        row.problem(f"unknown category {entry.category}")
    if entry.tier and entry.tier not in DISPATCH_TIERS:
        row.problem(f"unknown tier {entry.tier!r}; use one of {', '.join(DISPATCH_TIERS)}")
    county = None
    if entry.region is not None:
        county = known.regions.get(entry.region)
        if county is None:
            row.problem(f"unknown region {entry.region} (a county or town code)")
    if not entry.department:
        return
    template = entry.template
    if template is not None:
        if template not in known.branches:
            row.problem(f"{template} has no county branches ({entry.department})")
        elif county is not None and county not in known.branches[template]:
            row.problem(f"region {county} has no branch of {template}")
        if entry.tier == Tier.CITY:
            row.problem(f"{entry.department} names county branches; use tier county or town")
        return
    info = known.departments.get(entry.department)
    if info is None:
        row.problem(f"unknown department {entry.department}")
        return
    tier, department_county = info
    if entry.tier == Tier.CITY and tier != Tier.CITY:
        row.problem(f"{entry.department} is not a city department; tier city needs one")
    if entry.tier in (Tier.COUNTY, Tier.TOWN) and tier == Tier.CITY:
        row.problem(
            f"{entry.department} is a city department; write branch:{entry.department} "
            f"for its county branches, or use tier city"
        )
    if department_county is not None:
        if entry.region is None:
            row.problem(f"{entry.department} serves one county: name the region of the rule")
        elif county is not None and county != department_county:
            row.problem(f"{entry.department} does not serve region {entry.region}")


def expand_rules(entries: Iterable[RuleEntry], known: KnownCodes) -> list[PlannedRule]:
    """The rules to store: a ``branch:`` template becomes one rule per county that has the
    branch (unless the file has its own rule for that category and county) plus one rule for
    anywhere, naming the city department, that routing resolves per order."""
    problems: list[str] = []
    planned = _plan(list(entries), known, problems)
    if problems:
        raise ValidationFailed(problems[0], details={"problems": problems})
    return planned


def _planned(entry: RuleEntry, region: str | None, department: str) -> PlannedRule:
    return PlannedRule(
        line=entry.line,
        category=entry.category,
        region=region,
        department=department,
        tier=entry.tier,
        direct=entry.direct,
        priority=entry.priority,
        active=entry.active,
    )


def _plan(entries: list[RuleEntry], known: KnownCodes, problems: list[str]) -> list[PlannedRule]:
    explicit = {(e.category, e.region) for e in entries if e.region is not None}
    planned: list[PlannedRule] = []
    for e in entries:
        template = e.template
        if template is None:
            planned.append(_planned(e, e.region, e.department))
        elif e.region is not None:
            branch = known.branches[template][known.regions[e.region]]
            planned.append(_planned(e, e.region, branch))
        else:
            for county, branch in sorted(known.branches.get(template, {}).items()):
                if (e.category, county) not in explicit:
                    planned.append(_planned(e, county, branch))
            planned.append(_planned(e, None, template))
    seen: dict[tuple[str, str | None, str], int] = {}
    ties: dict[tuple[str, str | None, int], int] = {}
    reported: set[tuple[int, int]] = set()
    for p in planned:
        key = (p.category, p.region, p.department)
        first = seen.setdefault(key, p.line)
        if first != p.line and (first, p.line) not in reported:
            reported.add((first, p.line))
            problems.append(
                f"line {p.line}: {p.category} → {p.department}"
                f"{' in ' + p.region if p.region else ''} is already on line {first}"
            )
        if not p.active:
            continue
        first = ties.setdefault((p.category, p.region, p.priority), p.line)
        if first != p.line and (first, p.line) not in reported:
            reported.add((first, p.line))
            problems.append(
                f"line {p.line}: line {first} also routes {p.category}"
                f"{' in ' + p.region if p.region else ' anywhere'} at priority {p.priority}; "
                "give one of them another priority"
            )
    return planned


# --- loading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaxonomyStats:
    """What ``load_taxonomy`` created."""

    classes: int
    subclasses: int
    subclasses_by_kind: dict[str, int]
    catalogue_lines: int
    rules: int
    rules_by_tier: dict[str, int]
    direct_rules: int

    @property
    def categories(self) -> int:
        return self.classes + self.subclasses


def _silent(stage: str, done: int, total: int) -> None:
    return None


@dataclass(frozen=True)
class _Plan:
    classes: list[CategoryEntry]
    subclasses: list[CategoryEntry]
    kinds: dict[str, str]  # class code → kind
    lines: int
    rules: list[PlannedRule]

    def stats(self) -> TaxonomyStats:
        by_kind = Counter(self.kinds[e.parent or ""] for e in self.subclasses)
        return TaxonomyStats(
            classes=len(self.classes),
            subclasses=len(self.subclasses),
            subclasses_by_kind={k: by_kind[k] for k in CategoryKind.values},
            catalogue_lines=self.lines,
            rules=len(self.rules),
            rules_by_tier=dict(sorted(Counter(p.tier for p in self.rules).items())),
            direct_rules=sum(1 for p in self.rules if p.direct),
        )


def _plan_taxonomy(categories_path: Path, catalogue_path: Path) -> _Plan:
    """Both files read and checked against the stored organisation and geography."""
    known = KnownCodes.from_database()
    if not known.departments:
        raise ValidationFailed(
            _("Load the organisation first: there are no departments."),
            details={"field": "organisation", "missing": "departments"},
        )
    entries = load_category_catalogue(categories_path, departments=known.departments)
    known = replace(known, categories=frozenset(e.code for e in entries))
    rule_entries = load_dispatch_catalogue(catalogue_path, known=known)
    classes = [e for e in entries if e.parent is None]
    return _Plan(
        classes=classes,
        subclasses=[e for e in entries if e.parent is not None],
        kinds={e.code: e.kind for e in classes},
        lines=len(rule_entries),
        rules=expand_rules(rule_entries, known),
    )


def check_taxonomy(
    *, categories_path: Path = CATEGORIES_PATH, catalogue_path: Path = DISPATCH_PATH
) -> TaxonomyStats:
    """What ``load_taxonomy`` would store from these files, checked against the stored
    organisation and geography, without writing anything (a city's dry run)."""
    return _plan_taxonomy(categories_path, catalogue_path).stats()


def load_taxonomy(
    *,
    actor: Any | None,
    progress: ProgressCallback | None = None,
    categories_path: Path = CATEGORIES_PATH,
    catalogue_path: Path = DISPATCH_PATH,
) -> TaxonomyStats:
    """Store the categories, then the dispatch catalogue with its templates expanded, in one
    transaction with one audit record. Refuses when categories exist already or when the
    organisation the files name (departments, their branches, regions) is not loaded."""
    report = progress or _silent
    with transaction.atomic():
        if Category.objects.exists():
            raise Conflict(
                _("The categories are already loaded."),
                details={"categories": Category.objects.count()},
            )
        plan = _plan_taxonomy(categories_path, catalogue_path)
        categories = len(plan.classes) + len(plan.subclasses)

        departments = Department.objects.in_bulk(field_name="code")
        Category.objects.bulk_create(_category(e, None, departments) for e in plan.classes)
        stored = Category.objects.in_bulk(field_name="code")
        report("Categories", len(plan.classes), categories)
        Category.objects.bulk_create(
            _category(e, stored[e.parent or ""], departments) for e in plan.subclasses
        )
        stored = Category.objects.in_bulk(field_name="code")
        report("Categories", categories, categories)

        regions = Region.objects.in_bulk(
            {p.region for p in plan.rules if p.region is not None}, field_name="code"
        )
        DispatchRule.objects.bulk_create(
            DispatchRule(
                category=stored[p.category],
                region=regions[p.region] if p.region is not None else None,
                department=departments[p.department],
                tier=p.tier,
                direct=p.direct,
                priority=p.priority,
                is_active=p.active,
            )
            for p in plan.rules
        )
        report("Dispatch rules", len(plan.rules), len(plan.rules))

        stats = plan.stats()
        record_audit(
            "workorders.taxonomy_loaded",
            actor=actor,
            object_type="workorders.taxonomy",
            object_repr=f"{categories_path.name} + {catalogue_path.name}",
            after={**asdict(stats), "files": [categories_path.name, catalogue_path.name]},
        )
        invalidate_routing()
    return stats


def _category(
    entry: CategoryEntry, parent: Category | None, departments: Mapping[str, Department]
) -> Category:
    return Category(
        code=entry.code,
        name=entry.name,
        kind=entry.kind,
        parent=parent,
        time_limit=entry.time_limit,
        time_limit_unit=entry.time_limit_unit,
        closing_condition=entry.closing_condition,
        default_department=(
            departments[entry.default_department] if entry.default_department else None
        ),
        keywords=KEYWORD_SEPARATOR.join(entry.keywords),
        is_active=entry.active,
    )


# --- operators' edits (the admin site calls these) ------------------------------------------


def _value(obj: Any, field: str) -> Any:
    """A field's value for the audit log; related records by their code."""
    value = getattr(obj, field)
    if isinstance(value, (Category, Department, Region)):
        return value.code
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.1")))  # as stored: "2.0", whether typed 2 or 2.0
    return value


def check_category(category: Category, *, changed: Iterable[str] = ()) -> None:
    """The rules a category must keep beyond its fields' own: a code never changes (work
    orders and data files name it); a subclass sits under a class of its own kind and carries
    a positive time limit with its unit. Raises ValidationFailed naming the field."""
    if category.pk is not None and "code" in changed:
        raise ValidationFailed(
            _("A category's code cannot change: work orders and data files use it."),
            field="code",
        )
    parent = category.parent
    if parent is not None:
        if parent.parent_id is not None or parent.pk == category.pk:
            raise ValidationFailed(
                _("The parent must be a class (大类); only two levels are allowed."),
                field="parent",
            )
        if parent.kind != category.kind:
            raise ValidationFailed(
                _("A subclass has the kind of its class (%(kind)s).")
                % {"kind": parent.get_kind_display()},
                field="kind",
            )
    if category.pk is not None:
        children = Category.objects.filter(parent=category)
        if parent is not None and children.exists():
            raise ValidationFailed(
                _("%(category)s has subclasses and cannot become a subclass itself.")
                % {"category": category},
                field="parent",
            )
        if children.exclude(kind=category.kind).exists():
            raise ValidationFailed(_("Change the kind of its subclasses first."), field="kind")
    if (category.time_limit is None) != (not category.time_limit_unit):
        raise ValidationFailed(
            _("Give a time limit together with its unit."), field="time_limit_unit"
        )
    if category.time_limit is not None and category.time_limit <= 0:
        raise ValidationFailed(_("The time limit must be positive."), field="time_limit")
    if parent is not None and category.time_limit is None:
        raise ValidationFailed(_("A subclass needs a time limit."), field="time_limit")


def check_dispatch_rule(rule: DispatchRule) -> None:
    """Tier city takes a city department; tiers county and town take a county branch, or a
    city department meaning "its branch in the order's county". A region is a county or a
    town, and a county branch must serve it. Raises ValidationFailed naming the field."""
    department, region = rule.department, rule.region
    if rule.tier not in DISPATCH_TIERS:
        raise ValidationFailed(_("Dispatch goes to the city, county or town tier."), field="tier")
    if not department.is_active:
        raise ValidationFailed(
            _("%(department)s is no longer active.") % {"department": department},
            field="department",
        )
    if rule.tier == Tier.CITY and department.tier != Tier.CITY:
        raise ValidationFailed(_("Tier city needs a city department."), field="department")
    if rule.tier != Tier.CITY and department.tier not in (Tier.CITY, Tier.COUNTY):
        raise ValidationFailed(
            _("Tiers county and town need a county branch or a city department."),
            field="department",
        )
    county_id = None
    if region is not None:
        if region.level not in (RegionLevel.COUNTY, RegionLevel.TOWN):
            raise ValidationFailed(
                _("A rule applies to a county or a town; leave it empty for anywhere."),
                field="region",
            )
        county_id = region.pk if region.level == RegionLevel.COUNTY else region.parent_id
    if department.tier == Tier.COUNTY and county_id not in (None, department.region_id):
        raise ValidationFailed(
            _("%(department)s does not serve %(region)s.")
            % {"department": department, "region": region},
            field="department",
        )
    twins = DispatchRule.objects.filter(
        category=rule.category, region=region, department=department
    ).exclude(pk=rule.pk)
    if twins.exists():  # the unique constraint does not hold for an empty region
        raise ValidationFailed(_("The catalogue already has this rule."), field="department")


def save_category(
    category: Category, *, actor: Any | None, changed: Iterable[str] = ()
) -> Category:
    """Create a category, or save the fields named in ``changed``, with an audit record.
    Checked by ``check_category``."""
    changed = list(changed)
    save_audited(
        category,
        actor=actor,
        changed=changed,
        action="workorders.category",
        check=lambda: check_category(category, changed=changed),
        value=_value,
    )
    return category


def save_dispatch_rule(
    rule: DispatchRule, *, actor: Any | None, changed: Iterable[str] = ()
) -> DispatchRule:
    """Create a dispatch rule, or save the fields named in ``changed``, with an audit record.
    Checked by ``check_dispatch_rule``."""
    save_audited(
        rule,
        actor=actor,
        changed=changed,
        action="workorders.dispatch_rule",
        check=lambda: check_dispatch_rule(rule),
        value=_value,
    )
    return rule


def deactivate_dispatch_rule(
    rule: DispatchRule, *, actor: Any | None, reason: str = ""
) -> DispatchRule:
    """Stop a rule from routing, keeping it in the catalogue (work orders may name it)."""
    if not rule.is_active:
        return rule
    with transaction.atomic():
        rule.is_active = False
        rule.save(update_fields=["is_active"])
        record_audit(
            "workorders.dispatch_rule_deactivated",
            actor=actor,
            obj=rule,
            before={"is_active": True},
            after={"is_active": False, "reason": reason},
        )
    return rule
