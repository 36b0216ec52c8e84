"""Automatic routing from the dispatch catalogue: the most specific active rule wins, branches
are found in the order's county, and the city department takes over where there is none."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache

from yiwang.core.errors import ValidationFailed
from yiwang.geo.models import Region
from yiwang.org.models import Department
from yiwang.org.services import save_department
from yiwang.workorders import routing
from yiwang.workorders.models import Category, DispatchRule
from yiwang.workorders.routing import RoutingDecision, explain_route, route
from yiwang.workorders.taxonomy import (
    TaxonomyStats,
    deactivate_dispatch_rule,
    save_category,
    save_dispatch_rule,
)

pytestmark = pytest.mark.django_db

ZONES = ("320671", "320672", "320673")


def _region(code: str) -> Region:
    return Region.objects.get(code=code)


def _route(code: str, county: str | None, town: Region | None = None) -> RoutingDecision:
    category = Category.objects.get(code=code)
    return route(category, county=_region(county) if county else None, town=town)


def _deactivate(**filters: Any) -> None:
    for rule in DispatchRule.objects.filter(**filters):
        deactivate_dispatch_rule(rule, actor=None)


def test_the_branch_in_the_orders_county(taxonomy: TaxonomyStats) -> None:
    for county in Region.objects.filter(level="county"):
        decision = route(Category.objects.get(code="E0201"), county=county)
        assert decision.department.code == f"{county.code}-ND027"
        assert decision.department.region_id == county.pk
        assert (decision.tier, decision.fallback, decision.direct) == ("county", False, False)
        assert decision.rule is not None and decision.rule.region_id == county.pk


def test_a_region_rule_beats_the_general_one(taxonomy: TaxonomyStats) -> None:
    # 违法建设: the town acts in districts and counties; in a zone its 综合行政执法局 does.
    general = _route("E0105", "320612")
    assert (general.department.code, general.tier) == ("320612-ND027", "town")
    for zone in ZONES:
        special = _route("E0105", zone)
        assert (special.department.code, special.tier) == (f"{zone}-ND027", "county")
    # 不动产登记: the city center serves 崇川区, the county's 资源规划 branch elsewhere.
    assert _route("H0106", "320613").department.code == "ND044"
    assert _route("H0106", "320682").department.code == "320682-ND010"


def test_a_subclass_rule_beats_its_class(taxonomy: TaxonomyStats) -> None:
    water = _route("E0104", "320612")  # 水域不洁 → 水利, not the class's 城管
    assert water.department.code == "320612-ND014"
    assert water.rule is not None and water.rule.category.code == "E0104"
    other = _route("E0108", "320612")  # 废弃家具设备 has no rule of its own
    assert other.department.code == "320612-ND027"
    assert other.rule is not None and other.rule.category.code == "E01"
    assert "市容环境" in other.reason and "废弃家具设备" in other.reason


def test_a_town_rule_beats_the_county_rule(taxonomy: TaxonomyStats) -> None:
    county = _region("320613")
    town, other_town = Region.objects.filter(parent=county).order_by("code")[:2]
    save_dispatch_rule(
        DispatchRule(
            category=Category.objects.get(code="E0101"),
            region=town,
            department=Department.objects.get(code="320613-ND012"),
            tier="town",
        ),
        actor=None,
    )
    assert route(Category.objects.get(code="E0101"), county=county, town=town).department.code == (
        "320613-ND012"
    )
    elsewhere = route(Category.objects.get(code="E0101"), county=county, town=other_town)
    assert elsewhere.department.code == "320613-ND027"
    # The town alone is enough: its county is found from it.
    assert route(
        Category.objects.get(code="E0101"), county=None, town=other_town
    ).department.code == ("320613-ND027")


def test_no_branch_in_the_county_falls_back_to_the_city_department(
    taxonomy: TaxonomyStats,
) -> None:
    decision = _route("H0804", "320613")  # 停电: 崇川区 is served by the city company
    assert (decision.department.code, decision.tier) == ("ND055", "city")
    assert decision.fallback and decision.direct
    assert "崇川区" in decision.reason and "国网南通供电公司" in decision.reason
    branch = _route("H0804", "320682")
    assert (branch.department.code, branch.tier, branch.fallback) == (
        "320682-ND055",
        "county",
        False,
    )
    labour = _route("H0501", "320671")  # no 人社 branch in a functional zone
    assert (labour.department.code, labour.fallback) == ("ND009", True)


def test_an_unknown_county_goes_to_the_city_department(taxonomy: TaxonomyStats) -> None:
    decision = _route("E0101", None)
    assert (decision.department.code, decision.tier, decision.fallback) == ("ND027", "city", True)
    assert decision.reason
    utilities = _route("H0801", None)  # a city rule needs no county
    assert (utilities.department.code, utilities.fallback, utilities.direct) == (
        "ND056",
        False,
        True,
    )


def test_inactive_rules_are_ignored(taxonomy: TaxonomyStats) -> None:
    assert _route("E0105", "320671").tier == "county"
    _deactivate(category__code="E0105", region__code="320671")
    # The template for anywhere now applies: the zone's branch, at town tier.
    assert (_route("E0105", "320671").department.code, _route("E0105", "320671").tier) == (
        "320671-ND027",
        "town",
    )
    _deactivate(category__code="H0601")  # 旅游投诉 → the class 商贸旅游's 商务局
    decision = _route("H0601", "320612")
    assert decision.department.code == "ND016"
    assert decision.rule is not None and decision.rule.category.code == "H06"


def test_the_lower_priority_number_wins(taxonomy: TaxonomyStats) -> None:
    category = Category.objects.get(code="H0601")
    rule = save_dispatch_rule(
        DispatchRule(
            category=category, department=Department.objects.get(code="ND023"), tier="city"
        ),
        actor=None,
    )
    assert _route("H0601", "320612").department.code == "ND017"  # 100 each: the older rule
    rule.priority = 50
    save_dispatch_rule(rule, actor=None, changed=["priority"])
    assert _route("H0601", "320612").department.code == "ND023"


def test_without_rules_the_default_department(taxonomy: TaxonomyStats) -> None:
    _deactivate(category__code__in=["E0112", "E01"])
    decision = _route("E0112", "320612")
    assert (decision.department.code, decision.tier, decision.rule) == ("ND027", "city", None)
    assert "动物尸体" in decision.reason
    # A new subclass with no default department of its own takes its class's.
    utilities = Category.objects.get(code="H08")
    save_category(
        Category(
            code="H0899",
            name="其他水电气问题",
            kind="hotline",
            parent=utilities,
            time_limit=Decimal("24"),
            time_limit_unit="hours",
        ),
        actor=None,
    )
    assert _route("H0899", "320612").department.code == "ND056"


def test_no_rule_and_no_default_is_refused(taxonomy: TaxonomyStats) -> None:
    lonely = save_category(Category(code="Z01", name="未归类", kind="hotline"), actor=None)
    with pytest.raises(ValidationFailed) as exc:
        route(lonely, county=_region("320612"))
    assert exc.value.field == "category"


def test_an_inactive_branch_takes_no_orders(taxonomy: TaxonomyStats) -> None:
    assert _route("E0201", "320613").department.code == "320613-ND027"
    branch = Department.objects.get(code="320613-ND027")
    branch.is_active = False
    save_department(branch, actor=None, changed=["is_active"])
    decision = _route("E0201", "320613")
    assert (decision.department.code, decision.fallback) == ("ND027", True)


def test_warm_routing_reads_nothing_and_sees_saves(
    taxonomy: TaxonomyStats, django_assert_num_queries: Any
) -> None:
    category = Category.objects.get(code="E0201")
    county = _region("320612")
    route(category, county=county)
    with django_assert_num_queries(0):
        for _ in range(100):
            route(category, county=county)
    _deactivate(category__code="E02", region=county)
    assert route(category, county=county).rule.region_id is None  # type: ignore[union-attr]


def test_other_processes_changes_are_seen_through_the_cache(
    taxonomy: TaxonomyStats, django_assert_num_queries: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    category = Category.objects.get(code="E0201")
    county = _region("320612")
    monkeypatch.setattr(routing, "CHECK_SECONDS", 0.0)  # check the shared version every time
    route(category, county=county)
    with django_assert_num_queries(0):  # unchanged: the index stays
        route(category, county=county)
    cache.set(routing.VERSION_KEY, "another process saved a rule")
    with django_assert_num_queries(7):  # departments, categories, counties, rules,
        # and intake's lookups: active categories, counties and towns, centers
        route(category, county=county)


def test_explain_route_lists_the_steps(taxonomy: TaxonomyStats) -> None:
    category = Category.objects.get(code="E0108")
    decision, steps = explain_route(category, county=_region("320612"))
    assert decision.department.code == "320612-ND027"
    assert len(steps) == 3  # the subclass in the county, the subclass anywhere, then the class
    assert steps[-1] == decision.reason
