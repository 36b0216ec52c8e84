"""The taxonomy API: categories and the dispatch catalogue. Reference data: any signed-in user
may read all of it; changes go through ``workorders.taxonomy`` (the admin site)."""

from __future__ import annotations

from typing import Any, Literal

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from yiwang.core.errors import NotFound
from yiwang.org.schemas import PageFilters
from yiwang.workorders.models import Category, DispatchRule
from yiwang.workorders.taxonomy import KEYWORD_SEPARATOR

router = Router(tags=["work orders"])

KindName = Literal["event", "component", "hotline"]
TierName = Literal["city", "county", "town"]


class CategoryFilters(Schema):
    kind: KindName | None = None
    parent: str | None = Field(None, max_length=16, description="a class code: list its subclasses")
    level: Literal["class", "subclass"] | None = Field(
        None, description="class: classes (大类) only; subclass: subclasses (小类) only"
    )
    active: bool | None = None
    q: str | None = Field(None, max_length=50, description="text in the name or keywords")


class CategorySchema(Schema):
    """A class (``parent_code`` null) or subclass with its time limit and default unit."""

    code: str
    name: str
    kind: str
    parent_code: str | None
    time_limit: float | None
    time_limit_unit: str
    closing_condition: str
    default_department_code: str | None
    default_department_name: str | None
    keywords: list[str]
    is_active: bool


class CategoryPage(Schema):
    count: int
    items: list[CategorySchema]


class DispatchRuleFilters(PageFilters):
    category: str | None = Field(None, max_length=16, description="category code, e.g. E0101")
    region: str | None = Field(None, max_length=12, description="region code, e.g. 320613")
    tier: TierName | None = None
    active: bool | None = None


class DispatchRuleSchema(Schema):
    """A line of the dispatch catalogue. ``region_code`` null: anywhere. A county- or
    town-tier rule naming a city department means its branch in the order's county."""

    id: int
    category_code: str
    category_name: str
    region_code: str | None
    region_name: str | None
    department_code: str
    department_name: str
    tier: str
    direct: bool
    priority: int
    is_active: bool


class DispatchRulePage(Schema):
    count: int
    items: list[DispatchRuleSchema]


class CategoryDetail(CategorySchema):
    """A category with its subclasses and its own dispatch rules."""

    parent_name: str | None
    children: list[CategorySchema]
    rules: list[DispatchRuleSchema]


def _category(category: Category) -> dict[str, Any]:
    department = category.default_department
    return {
        "code": category.code,
        "name": category.name,
        "kind": category.kind,
        "parent_code": category.parent.code if category.parent is not None else None,
        "time_limit": float(category.time_limit) if category.time_limit is not None else None,
        "time_limit_unit": category.time_limit_unit,
        "closing_condition": category.closing_condition,
        "default_department_code": department.code if department is not None else None,
        "default_department_name": department.name if department is not None else None,
        "keywords": [k for k in category.keywords.split(KEYWORD_SEPARATOR) if k],
        "is_active": category.is_active,
    }


def _rule(rule: DispatchRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "category_code": rule.category.code,
        "category_name": rule.category.name,
        "region_code": rule.region.code if rule.region is not None else None,
        "region_name": rule.region.name if rule.region is not None else None,
        "department_code": rule.department.code,
        "department_name": rule.department.name,
        "tier": rule.tier,
        "direct": rule.direct,
        "priority": rule.priority,
        "is_active": rule.is_active,
    }


def _categories() -> QuerySet[Category]:
    return Category.objects.select_related("parent", "default_department")


def _rules() -> QuerySet[DispatchRule]:
    return DispatchRule.objects.select_related("category", "region", "department").order_by(
        "category__code", "priority", "region__code", "pk"
    )


@router.get("/categories", response=CategoryPage, summary="List categories")
def list_categories(request: HttpRequest, filters: Query[CategoryFilters]) -> dict[str, Any]:
    """The taxonomy by code: classes and subclasses of events, components and hotline
    requests, with time limits, closing conditions and default departments."""
    categories = _categories()
    if filters.kind:
        categories = categories.filter(kind=filters.kind)
    if filters.parent:
        categories = categories.filter(parent__code=filters.parent)
    if filters.level:
        categories = categories.filter(parent__isnull=filters.level == "class")
    if filters.active is not None:
        categories = categories.filter(is_active=filters.active)
    if filters.q and filters.q.strip():
        text = filters.q.strip()
        categories = categories.filter(Q(name__icontains=text) | Q(keywords__icontains=text))
    items = [_category(c) for c in categories]
    return {"count": len(items), "items": items}


@router.get("/categories/{code}", response=CategoryDetail, summary="One category")
def get_category(request: HttpRequest, code: str) -> dict[str, Any]:
    """A category with its subclasses and the dispatch rules that name it."""
    category = _categories().filter(code=code).first()
    if category is None:
        raise NotFound(_("No category %(code)s.") % {"code": code})
    return {
        **_category(category),
        "parent_name": category.parent.name if category.parent is not None else None,
        "children": [_category(c) for c in _categories().filter(parent=category)],
        "rules": [_rule(r) for r in _rules().filter(category=category)],
    }


@router.get("/dispatch-rules", response=DispatchRulePage, summary="List dispatch rules")
def list_dispatch_rules(
    request: HttpRequest, filters: Query[DispatchRuleFilters]
) -> dict[str, Any]:
    """The dispatch catalogue by category code, then priority."""
    rules = _rules()
    if filters.category:
        rules = rules.filter(category__code=filters.category)
    if filters.region:
        rules = rules.filter(region__code=filters.region)
    if filters.tier:
        rules = rules.filter(tier=filters.tier)
    if filters.active is not None:
        rules = rules.filter(is_active=filters.active)
    page = rules[filters.offset : filters.offset + filters.limit]
    return {"count": rules.count(), "items": [_rule(r) for r in page]}
