"""Automatic routing (自动派单): which department a work order of a category goes to, from the
dispatch catalogue.

The most specific active rule wins, in this order:

1. the subclass in the order's town, then in its county, then anywhere;
2. the class (大类) in the town, the county, anywhere;
3. the subclass's default department, then its class's.

Within one step the lowest ``priority`` wins (then the oldest rule). A county- or town-tier rule
that names a city department means "its branch in the order's county"; where that county has
no such branch (or the county is not known) the order goes to the city department, and the
decision's ``reason`` says so.

Routing runs on every intake, so the rules live in a per-process index. Saves through the
services (and any save of a category, rule, department, region or command center) invalidate it
at once in this process and, through the shared cache, in the others within ``CHECK_SECONDS``.
The same index answers intake's other reference lookups (active category by code, the county
and town of a located point, the command center of a region), so an intake reads none of them
from the database.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext as _

from yiwang.core.errors import ValidationFailed
from yiwang.geo.choices import RegionLevel
from yiwang.geo.models import Grid, Region
from yiwang.org.choices import Tier
from yiwang.org.models import CommandCenter, Department
from yiwang.workorders.models import Category, DispatchRule, WorkOrder

CHECK_SECONDS = 5.0
VERSION_KEY = "workorders:routing-version"


@dataclass(frozen=True)
class RoutingDecision:
    """Where an order goes and why. ``rule`` is None when a default department was used;
    ``fallback`` is set when a branch was wanted but the city department had to take it;
    ``direct`` marks direct dispatch (直派): send at intake, skipping pre-review and the
    county center's re-dispatch."""

    department: Department
    tier: str
    rule: DispatchRule | None
    reason: str
    direct: bool = False
    fallback: bool = False


@dataclass(frozen=True)
class _Node:
    code: str
    name: str
    parent_id: int | None
    default_department_id: int | None


class _Index:
    """One snapshot of the catalogue, shared read-only by all threads of the process."""

    def __init__(self, local_version: int, shared_version: Any) -> None:
        self.local_version = local_version
        self.shared_version = shared_version
        self.fresh_until = 0.0
        departments = Department.objects.select_related("region").defer("region__geometry")
        self.departments: dict[int, Department] = {d.pk: d for d in departments}
        self.by_code: dict[str, Department] | None = None
        self.branches: dict[tuple[int, int], Department] = {
            (d.parent_id, d.region_id): d
            for d in self.departments.values()
            if d.parent_id is not None and d.tier == Tier.COUNTY and d.is_active
        }
        self.categories: dict[int, _Node] = {
            pk: _Node(code, name, parent_id, department_id)
            for pk, code, name, parent_id, department_id in Category.objects.values_list(
                "pk", "code", "name", "parent_id", "default_department_id"
            )
        }
        self.county_names: dict[int, str] = dict(
            Region.objects.filter(level=RegionLevel.COUNTY).values_list("pk", "name")
        )
        # Intake's reference data: shared read-only model instances, never saved from here.
        self.category_objects: dict[int, Category] = {c.pk: c for c in Category.objects.all()}
        self.active_categories: dict[str, Category] = {
            c.code: c for c in self.category_objects.values() if c.is_active
        }
        self.areas: dict[int, Region] = {
            r.pk: r for r in Region.objects.filter(level__in=[RegionLevel.COUNTY, RegionLevel.TOWN])
        }
        self.centers: dict[int | None, CommandCenter] = {}
        self.centers_by_pk: dict[int, CommandCenter] = {}
        centers = CommandCenter.objects.select_related("region").defer("region__geometry")
        for center in centers.order_by("-pk"):
            if center.tier == Tier.CITY:
                self.centers[None] = center
            self.centers[center.region_id] = center
            self.centers_by_pk[center.pk] = center
        rules: dict[tuple[int, int | None], list[DispatchRule]] = defaultdict(list)
        for rule in DispatchRule.objects.filter(is_active=True).order_by("priority", "pk"):
            department = self.departments.get(rule.department_id)
            if department is None or not department.is_active:
                continue  # an inactive department takes no new orders
            rule.department = department
            rules[(rule.category_id, rule.region_id)].append(rule)
        self.rules = dict(rules)


_build_lock = threading.Lock()
_index: _Index | None = None
_local_version = 0


def _bump() -> None:
    global _local_version
    _local_version += 1
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def invalidate_routing() -> None:
    """Forget the index now (this transaction's reads see the change) and again when the
    transaction commits (so other threads do not keep a snapshot taken before it)."""
    _bump()
    transaction.on_commit(_bump)


def forget_routing() -> None:
    """Drop this process's index without telling others (tests, after loads)."""
    global _index
    with _build_lock:
        _index = None


def _current() -> _Index:
    global _index
    index = _index
    if (
        index is not None
        and index.local_version == _local_version
        and time.monotonic() < index.fresh_until
    ):
        return index
    with _build_lock:
        index = _index
        local = _local_version
        shared = cache.get(VERSION_KEY)
        if index is None or index.local_version != local or index.shared_version != shared:
            index = _Index(local, shared)
        index.fresh_until = time.monotonic() + CHECK_SECONDS
        _index = index
        return index


def active_category(code: str) -> Category | None:
    """The active category with ``code`` (None when unknown or retired)."""
    return _current().active_categories.get(code)


def attach_references(orders: list[WorkOrder]) -> None:
    """Give each order its category, town, county, center and lead unit from the index (shared
    instances, never saved from here) and its grid from one query, instead of joining five
    tables into every page of orders — on PostgreSQL, planning a ten-table join cost more than
    running it. Anything the index does not hold yet is left to load on access."""
    index = _current()
    for order in orders:
        for field, table in (
            ("category", index.category_objects),
            ("town", index.areas),
            ("county", index.areas),
            ("center", index.centers_by_pk),
            ("lead_department", index.departments),
        ):
            pk = getattr(order, f"{field}_id")
            if pk is not None and pk in table:
                setattr(order, field, table[pk])
    grid_ids = {o.grid_id for o in orders if o.grid_id is not None}
    if grid_ids:
        grids = Grid.objects.filter(pk__in=grid_ids).defer("geometry").in_bulk()
        for order in orders:
            if order.grid_id in grids:
                order.grid = grids[order.grid_id]


def category_by_id(category_id: int) -> Category | None:
    """The category with ``category_id``, active or retired (a shared instance)."""
    return _current().category_objects.get(category_id)


def towns() -> list[Region]:
    """Every town (with its county loaded through ``parent_id``), by code."""
    return sorted(
        (r for r in _current().areas.values() if r.level == RegionLevel.TOWN),
        key=lambda r: r.code,
    )


def area_by_code(code: str) -> Region | None:
    """The county or town with ``code``."""
    return next((r for r in _current().areas.values() if r.code == code), None)


def category_code(category_id: int | None) -> str | None:
    node = _current().categories.get(category_id) if category_id is not None else None
    return node.code if node is not None else None


def department_by_code(code: str) -> Department | None:
    """The active department with ``code``."""
    index = _current()
    if index.by_code is None:
        index.by_code = {d.code: d for d in index.departments.values() if d.is_active}
    return index.by_code.get(code)


def department_code(department_id: int | None) -> str | None:
    department = _current().departments.get(department_id) if department_id is not None else None
    return department.code if department is not None else None


def area(region_id: int | None) -> Region | None:
    """The county or town with ``region_id``."""
    return _current().areas.get(region_id) if region_id is not None else None


def center_of(region: Region | None) -> CommandCenter | None:
    """The command center of ``region``; of the city when ``region`` is None."""
    return _current().centers.get(region.pk if region is not None else None)


def route(
    category: Category, *, county: Region | None, town: Region | None = None
) -> RoutingDecision:
    """The department an order of ``category`` in ``county`` (and ``town``) goes to. Raises
    ValidationFailed when neither a rule nor a default department applies."""
    return _route(_current(), category, county, town, None)


def explain_route(
    category: Category, *, county: Region | None, town: Region | None = None
) -> tuple[RoutingDecision, list[str]]:
    """The decision with the steps tried to reach it, for people checking the catalogue."""
    steps: list[str] = []
    return _route(_current(), category, county, town, steps), steps


def _route(
    index: _Index,
    category: Category,
    county: Region | None,
    town: Region | None,
    steps: list[str] | None,
) -> RoutingDecision:
    node = index.categories.get(category.pk) or _Node(
        category.code, category.name, category.parent_id, category.default_department_id
    )
    parent = index.categories.get(node.parent_id) if node.parent_id is not None else None
    county_id = county.pk if county is not None else (town.parent_id if town else None)
    region_ids: list[int | None] = [town.pk] if town is not None else []
    if county_id is not None:
        region_ids.append(county_id)
    region_ids.append(None)
    category_ids: list[int] = [category.pk]
    if parent is not None and node.parent_id is not None:
        category_ids.append(node.parent_id)

    for category_id in category_ids:
        for region_id in region_ids:
            rules = index.rules.get((category_id, region_id))
            if rules:
                return _apply(index, rules[0], category, parent, county, town, county_id, steps)
            if steps is not None:
                where = _where(index, region_id, county, town)
                what = _what(category, parent if category_id != category.pk else None)
                steps.append(
                    _("No rule for %(what)s (%(where)s).") % {"what": what, "where": where}
                )

    for owner, department_id in (
        (category.name, node.default_department_id),
        (parent.name if parent else "", parent.default_department_id if parent else None),
    ):
        department = index.departments.get(department_id or 0)
        if department is not None and department.is_active:
            reason = _("No catalogue rule for %(category)s: default department of %(owner)s.") % {
                "category": category.name,
                "owner": owner,
            }
            if steps is not None:
                steps.append(reason)
            return RoutingDecision(department, department.tier, None, reason)
    raise ValidationFailed(
        _(
            "%(category)s has no dispatch rule and no active default department; "
            "dispatch it by hand."
        )
        % {"category": category.name},
        field="category",
    )


def _what(category: Category, parent: _Node | None) -> str:
    if parent is None:
        return category.name
    return _("%(cls)s, the class of %(sub)s") % {"cls": parent.name, "sub": category.name}


def _where(index: _Index, region_id: int | None, county: Region | None, town: Region | None) -> str:
    if region_id is None:
        return _("whole city")
    if town is not None and region_id == town.pk:
        return town.name
    if county is not None:
        return county.name
    return index.county_names.get(region_id, "")


def _apply(
    index: _Index,
    rule: DispatchRule,
    category: Category,
    parent: _Node | None,
    county: Region | None,
    town: Region | None,
    county_id: int | None,
    steps: list[str] | None,
) -> RoutingDecision:
    department = rule.department
    found = _("Catalogue rule for %(what)s (%(where)s)") % {
        "what": _what(category, parent if rule.category_id != category.pk else None),
        "where": _where(index, rule.region_id, county, town),
    }
    if rule.tier != Tier.CITY and department.tier == Tier.CITY:
        branch = index.branches.get((department.pk, county_id)) if county_id else None
        if branch is None:
            if county_id is None:
                why = _("the order's county is not known")
            else:
                why = _("%(county)s has no branch of %(department)s") % {
                    "county": _where(index, county_id, county, None),
                    "department": department.short_name,
                }
            reason = _("%(found)s, but %(why)s: sent to the city department %(department)s.") % {
                "found": found,
                "why": why,
                "department": department.name,
            }
            if steps is not None:
                steps.append(reason)
            return RoutingDecision(department, Tier.CITY, rule, reason, rule.direct, True)
        department = branch
    reason = _("%(found)s: %(department)s (%(tier)s).") % {
        "found": found,
        "department": department.name,
        "tier": Tier(rule.tier).label,
    }
    if steps is not None:
        steps.append(reason)
    return RoutingDecision(department, rule.tier, rule, reason, rule.direct)


def _on_change(sender: Any, **kwargs: Any) -> None:
    invalidate_routing()


for _model in (Category, DispatchRule, Department, Region, CommandCenter):
    post_save.connect(_on_change, sender=_model, dispatch_uid=f"routing-save-{_model.__name__}")
    post_delete.connect(_on_change, sender=_model, dispatch_uid=f"routing-delete-{_model.__name__}")
