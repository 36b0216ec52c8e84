"""The taxonomy and dispatch catalogue: the shipped files, loading them, editing them (services
and admin), and reading them through the API."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from yiwang.core.errors import Conflict, ValidationFailed
from yiwang.core.models import AuditRecord
from yiwang.geo.models import Region
from yiwang.org.models import Department
from yiwang.org.services import save_department
from yiwang.workorders.choices import CategoryKind, TimeUnit
from yiwang.workorders.models import Category, DispatchRule
from yiwang.workorders.taxonomy import (
    CATEGORIES_PATH,
    DISPATCH_PATH,
    KnownCodes,
    TaxonomyStats,
    check_taxonomy,
    deactivate_dispatch_rule,
    expand_rules,
    load_category_catalogue,
    load_dispatch_catalogue,
    load_taxonomy,
    save_category,
    save_dispatch_rule,
)

# The label set of the TipDM 2020 C message corpus (the evaluation set for text routing).
TIPDM_LABELS = {
    "城乡建设",
    "环境保护",
    "交通运输",
    "教育文体",
    "劳动和社会保障",
    "商贸旅游",
    "卫生计生",
}
EVENT_CLASSES = ["市容环境", "宣传广告", "施工管理", "街面秩序", "突发事件", "其他事件"]
COMPONENT_CLASSES = ["公用设施", "道路交通", "市容环境", "园林绿化", "房屋土地", "其他设施"]
PREFIX = {"event": "E", "component": "C", "hotline": "H"}


def _write(tmp_path: Path, name: str, rows: list[dict[str, Any]], key: str) -> Path:
    """A catalogue file in the shipped layout: a meta block, then one entry per line."""
    lines = ["{", '  "meta": {"about": "test"},', f'  "{key}": [']
    lines += [f"    {json.dumps(r, ensure_ascii=False)}," for r in rows]
    lines[-1] = lines[-1].rstrip(",")
    path = tmp_path / name
    path.write_text("\n".join([*lines, "  ]", "}"]) + "\n", encoding="utf-8")
    return path


def _problems(exc: pytest.ExceptionInfo[ValidationFailed]) -> list[str]:
    details = exc.value.details
    assert isinstance(details, dict)
    return list(details["problems"])


# --- the shipped files -----------------------------------------------------------------------


def test_the_category_file_is_complete_and_consistent() -> None:
    entries = load_category_catalogue()
    classes = [e for e in entries if e.parent is None]
    subclasses = [e for e in entries if e.parent is not None]
    kinds = {e.code: e.kind for e in classes}
    assert len({e.code for e in entries}) == len(entries) == 231
    assert [e.name for e in classes if e.kind == "event"] == EVENT_CLASSES
    assert [e.name for e in classes if e.kind == "component"] == COMPONENT_CLASSES
    hotline = {e.name for e in classes if e.kind == "hotline"}
    assert hotline >= TIPDM_LABELS and len(hotline) == 14
    assert {"水电气暖", "公共安全", "市场监管", "政策咨询"} <= hotline
    by_kind = {k: sum(1 for e in subclasses if kinds[e.parent or ""] == k) for k in PREFIX}
    assert by_kind == {"event": 59, "component": 52, "hotline": 94}
    for e in subclasses:
        assert e.time_limit is not None and e.time_limit > 0, e.code
        assert e.time_limit_unit in TimeUnit.values, e.code
        assert e.closing_condition and e.default_department, e.code
        assert e.code.startswith(PREFIX[kinds[e.parent or ""]]) and len(e.code) == 5, e.code
        assert e.keywords or e.code.endswith("99"), e.code
    limits = {e.name: (e.time_limit, e.time_limit_unit) for e in subclasses}
    assert limits["暴露垃圾"] == (Decimal(1), "working_days")
    assert limits["道路不洁"] == (Decimal(5), "working_hours")
    assert limits["违法建设"] == (Decimal(15), "working_days")
    assert limits["停水"] == limits["停电"] == (Decimal(24), "hours")
    assert next(e for e in subclasses if e.name == "上水井盖").code == "C0101"  # GB/T 30428.2


def test_the_dispatch_catalogue_routes_every_subclass() -> None:
    entries = load_dispatch_catalogue()
    assert len(entries) == 134
    assert sum(e.direct for e in entries) == 28
    assert {e.region for e in entries if e.region} == {"320613", "320671", "320672", "320673"}
    planned = expand_rules(entries, KnownCodes.from_files())
    routed = {p.category for p in planned}
    for category in load_category_catalogue():
        if category.parent is not None:
            assert category.code in routed or category.parent in routed, category.code


def test_a_bad_category_line_is_named(tmp_path: Path) -> None:
    sub = {"parent": "E01", "closing_condition": "清除", "default_department": "ND027"}
    rows: list[dict[str, Any]] = [
        {"code": "E01", "name": "市容环境", "kind": "event", "default_department": "ND027"},
        {**sub, "code": "E0101", "name": "暴露垃圾", "time_limit": 1,
         "time_limit_unit": "working_days", "default_department": "ND099"},
        {**sub, "code": "E0102", "parent": "E09", "name": "甲", "time_limit": -2,
         "time_limit_unit": "fortnights"},
        {**sub, "code": "E0101", "name": "乙", "time_limit": 1.25, "time_limit_unit": "hours",
         "closing_condition": ""},
        {**sub, "code": "X01", "name": "丙", "time_limit": 2, "time_limit_unit": "hours",
         "colour": "red"},
    ]  # fmt: skip
    path = _write(tmp_path, "categories.json", rows, "categories")
    with pytest.raises(ValidationFailed) as exc:
        load_category_catalogue(path)
    assert exc.value.code == "validation_error"
    assert _problems(exc) == [
        "line 5 (E0101): unknown department ND099",
        "line 6 (E0102): unknown time_limit_unit 'fortnights'; use one of hours, working_hours,"
        " working_days, calendar_days",
        "line 6 (E0102): time_limit must be a positive number up to 99999.9",
        "line 7 (E0101): time_limit may have at most one decimal place",
        "line 7 (E0101): closing_condition is required",
        "line 8: unknown field(s) colour",
        "line 7 (E0101): code already used on line 5",
        "line 6 (E0102): parent E09 is not a class in the file",
        "line 8 (X01): a subclass code must begin with its class code E01",
    ]


def test_a_bad_catalogue_line_is_named(tmp_path: Path) -> None:
    rows: list[dict[str, Any]] = [
        {"category": "E0101", "tier": "county", "department": "branch:ND027"},
        {"category": "E0102", "tier": "city", "department": "ND099"},
        {"category": "E9999", "tier": "city", "department": "ND027"},
        {"category": "H0804", "region": "320613", "tier": "county", "department": "branch:ND055"},
        {"category": "E0103", "region": "999999", "tier": "county", "department": "320613-ND027"},
        {"category": "E0104", "tier": "city", "department": "branch:ND027"},
        {"category": "E0105", "tier": "county", "department": "ND027"},
        {"category": "E0106", "tier": "county", "department": "320612-ND027"},
    ]
    path = _write(tmp_path, "dispatch_catalogue.json", rows, "rules")
    with pytest.raises(ValidationFailed) as exc:
        load_dispatch_catalogue(path)
    assert _problems(exc) == [
        "line 5: unknown department ND099",
        "line 6: unknown category E9999",
        "line 7: region 320613 has no branch of ND055",
        "line 8: unknown region 999999 (a county or town code)",
        "line 9: branch:ND027 names county branches; use tier county or town",
        "line 10: ND027 is a city department; write branch:ND027 for its county branches, or"
        " use tier city",
        "line 11: 320612-ND027 serves one county: name the region of the rule",
    ]
    assert "dispatch_catalogue.json" in exc.value.message and "line 5" in exc.value.message


def test_duplicates_and_ties_in_the_catalogue_are_refused(tmp_path: Path) -> None:
    rows: list[dict[str, Any]] = [
        {"category": "E0101", "tier": "county", "department": "branch:ND027"},
        {"category": "E0101", "tier": "city", "department": "ND027"},
        {"category": "E0102", "tier": "city", "department": "ND027"},
        {"category": "E0102", "tier": "city", "department": "ND042", "priority": 50},
        {"category": "E0103", "tier": "city", "department": "ND027"},
        {"category": "E0103", "tier": "city", "department": "ND042"},
    ]
    path = _write(tmp_path, "dispatch_catalogue.json", rows, "rules")
    with pytest.raises(ValidationFailed) as exc:
        load_dispatch_catalogue(path)
    assert _problems(exc) == [
        "line 5: E0101 → ND027 is already on line 4",
        "line 9: line 8 also routes E0103 anywhere at priority 100; give one of them another"
        " priority",
    ]


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "categories.json"
    path.write_text('{"categories": [', encoding="utf-8")
    with pytest.raises(ValidationFailed, match=r"categories\.json"):
        load_category_catalogue(path)
    path.write_text('{"rows": []}', encoding="utf-8")
    with pytest.raises(ValidationFailed):
        load_category_catalogue(path)


# --- loading ---------------------------------------------------------------------------------


def test_load_taxonomy_stores_categories_and_expanded_rules(taxonomy: TaxonomyStats) -> None:
    assert (taxonomy.classes, taxonomy.subclasses, taxonomy.categories) == (26, 205, 231)
    assert taxonomy.subclasses_by_kind == {"event": 59, "component": 52, "hotline": 94}
    assert taxonomy.catalogue_lines == 134
    assert Category.objects.count() == 231
    assert DispatchRule.objects.count() == taxonomy.rules == sum(taxonomy.rules_by_tier.values())
    planned = expand_rules(load_dispatch_catalogue(), KnownCodes.from_database())
    assert taxonomy.rules == len(planned)

    garbage = Category.objects.select_related("parent", "default_department").get(code="E0101")
    assert (garbage.parent.code if garbage.parent else None, garbage.kind) == ("E01", "event")
    assert (garbage.time_limit, garbage.time_limit_unit) == (Decimal("1.0"), "working_days")
    assert garbage.default_department is not None
    assert garbage.default_department.code == "ND027"
    assert garbage.keywords.split(",")[0] == "暴露垃圾"

    def rules(code: str) -> list[tuple[str, str, str]]:
        """(region code, "" for anywhere; department code; tier) of a category's rules."""
        return sorted(
            (r.region.code if r.region else "", r.department.code, r.tier)
            for r in DispatchRule.objects.filter(category__code=code).select_related(
                "region", "department"
            )
        )

    # branch:ND027 for a class: every county has the branch, plus the rule for anywhere.
    counties = sorted(Region.objects.filter(level="county").values_list("code", flat=True))
    assert rules("E01") == sorted(
        [(c, f"{c}-ND027", "county") for c in counties] + [("", "ND027", "county")]
    )
    # 违法建设: the zones' own rules replace the template there.
    zones = {"320671", "320672", "320673"}
    assert rules("E0105") == sorted(
        [(c, f"{c}-ND027", "county" if c in zones else "town") for c in counties]
        + [("", "ND027", "town")]
    )
    # 停电: no branch in 崇川区 (served by the city company) nor in the zones.
    assert [r[0] for r in rules("H0804")] == [
        "", "320612", "320614", "320623", "320681", "320682", "320685",
    ]  # fmt: skip
    assert rules("H0801") == [("", "ND056", "city")]
    assert DispatchRule.objects.get(category__code="H0801").direct

    record = AuditRecord.objects.get(action="workorders.taxonomy_loaded")
    assert record.after is not None
    assert record.after["rules"] == taxonomy.rules and record.after["subclasses"] == 205


def test_loading_reports_progress(organisation: Any) -> None:
    stages: list[tuple[str, int, int]] = []
    load_taxonomy(actor=None, progress=lambda *args: stages.append(args))
    assert stages[-1][0] == "Dispatch rules" and stages[-1][1] == stages[-1][2]
    assert [s[0] for s in stages] == ["Categories", "Categories", "Dispatch rules"]


def test_loading_twice_is_refused(taxonomy: TaxonomyStats) -> None:
    with pytest.raises(Conflict):
        load_taxonomy(actor=None)
    assert Category.objects.count() == 231
    assert AuditRecord.objects.filter(action="workorders.taxonomy_loaded").count() == 1


def test_loading_needs_the_organisation(db: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        load_taxonomy(actor=None)
    assert exc.value.details == {"field": "organisation", "missing": "departments"}
    assert not Category.objects.exists()


def test_a_missing_department_is_named_and_nothing_is_stored(organisation: Any) -> None:
    courier = Department.objects.get(code="ND065")
    courier.is_active = False
    save_department(courier, actor=None, changed=["is_active"])
    with pytest.raises(ValidationFailed) as exc:
        load_taxonomy(actor=None)
    assert any(p.endswith("(H1405): unknown department ND065") for p in _problems(exc))
    assert not Category.objects.exists() and not DispatchRule.objects.exists()
    assert not AuditRecord.objects.filter(action="workorders.taxonomy_loaded").exists()


def test_a_city_loads_its_own_files(organisation: Any, tmp_path: Path) -> None:
    categories = _write(
        tmp_path,
        "mine.json",
        [
            {"code": "01", "name": "市容环境", "kind": "event", "default_department": "ND027"},
            {
                "code": "0102",
                "parent": "01",
                "name": "暴露垃圾",
                "time_limit": 2,
                "time_limit_unit": "working_hours",
                "closing_condition": "清除干净",
                "default_department": "ND027",
                "keywords": ["垃圾"],
            },
        ],
        "categories",
    )
    catalogue = _write(
        tmp_path,
        "rules.json",
        [{"category": "01", "tier": "town", "department": "branch:ND027", "direct": True}],
        "rules",
    )
    dry_run = check_taxonomy(categories_path=categories, catalogue_path=catalogue)
    assert not Category.objects.exists()
    stats = load_taxonomy(actor=None, categories_path=categories, catalogue_path=catalogue)
    assert stats == dry_run
    assert (stats.categories, stats.rules, stats.direct_rules) == (2, 11, 11)
    assert Category.objects.get(code="0102").time_limit_unit == "working_hours"


# --- edits -----------------------------------------------------------------------------------


def test_a_category_edit_is_audited(taxonomy: TaxonomyStats, make_user: Any) -> None:
    editor = make_user("editor")
    category = Category.objects.get(code="E0101")
    category.time_limit = Decimal("2")
    category.closing_condition = "垃圾清除干净，周边无散落"
    save_category(category, actor=editor, changed=["time_limit", "closing_condition"])
    record = AuditRecord.objects.get(action="workorders.category_updated")
    assert record.before == {"time_limit": "1.0", "closing_condition": "垃圾清除干净，现场无残留"}
    assert record.after == {"time_limit": "2.0", "closing_condition": "垃圾清除干净，周边无散落"}
    assert record.actor_username == "editor" and record.object_repr == "E0101 暴露垃圾"
    save_category(category, actor=editor, changed=[])  # nothing changed: nothing written
    assert AuditRecord.objects.filter(action="workorders.category_updated").count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"parent_code": "E0102"}, "parent"),  # a third level
        ({"parent_code": "C01"}, "kind"),  # a component class over an event
        ({"time_limit_unit": ""}, "time_limit_unit"),
        ({"time_limit": Decimal("-1")}, "time_limit"),
        ({"code": "E0100"}, "code"),
    ],
)
def test_category_edits_that_break_the_tree_are_refused(
    taxonomy: TaxonomyStats, change: dict[str, Any], field: str
) -> None:
    category = Category.objects.get(code="E0101")
    for name, value in change.items():
        if name == "parent_code":
            category.parent = Category.objects.get(code=value)
        else:
            setattr(category, name, value)
    with pytest.raises(ValidationFailed) as exc:
        save_category(category, actor=None, changed=[f.replace("_code", "") for f in change])
    assert exc.value.field == field or field in (exc.value.details or {})
    assert not AuditRecord.objects.filter(action="workorders.category_updated").exists()
    assert Category.objects.get(pk=category.pk).time_limit == Decimal("1.0")


def test_a_class_with_subclasses_cannot_become_a_subclass(taxonomy: TaxonomyStats) -> None:
    category = Category.objects.get(code="E02")
    category.parent = Category.objects.get(code="E01")
    with pytest.raises(ValidationFailed) as exc:
        save_category(category, actor=None, changed=["parent"])
    assert exc.value.field == "parent"


def test_a_new_subclass_needs_a_time_limit(taxonomy: TaxonomyStats) -> None:
    parent = Category.objects.get(code="E01")
    category = Category(code="E0150", name="新增小类", kind="event", parent=parent)
    with pytest.raises(ValidationFailed) as exc:
        save_category(category, actor=None)
    assert exc.value.field == "time_limit"
    category.time_limit, category.time_limit_unit = Decimal("3"), TimeUnit.WORKING_DAYS
    save_category(category, actor=None)
    record = AuditRecord.objects.get(action="workorders.category_created")
    assert record.after is not None and record.after["parent"] == "E01"


def test_dispatch_rule_edits_are_checked_and_audited(taxonomy: TaxonomyStats) -> None:
    category = Category.objects.get(code="E0112")
    chongchuan = Region.objects.get(code="320613")
    police = Department.objects.get(code="320613-ND005")
    rule = save_dispatch_rule(
        DispatchRule(category=category, region=chongchuan, department=police, tier="county"),
        actor=None,
    )
    created = AuditRecord.objects.get(action="workorders.dispatch_rule_created")
    assert created.after is not None
    assert (created.after["region"], created.after["department"]) == ("320613", "320613-ND005")
    rule.priority = 10
    save_dispatch_rule(rule, actor=None, changed=["priority"])
    updated = AuditRecord.objects.get(action="workorders.dispatch_rule_updated")
    assert (updated.before, updated.after) == ({"priority": 100}, {"priority": 10})
    deactivate_dispatch_rule(rule, actor=None, reason="试点结束")
    deactivate_dispatch_rule(rule, actor=None)  # already inactive: nothing more
    records = AuditRecord.objects.filter(action="workorders.dispatch_rule_deactivated")
    assert [(r.before, r.after) for r in records] == [
        ({"is_active": True}, {"is_active": False, "reason": "试点结束"})
    ]
    assert not DispatchRule.objects.get(pk=rule.pk).is_active


@pytest.mark.parametrize(
    ("region", "department", "tier", "field"),
    [
        (None, "320613-ND027", "city", "department"),  # city tier, county department
        ("320612", "320613-ND027", "county", "department"),  # branch of another county
        ("320600", "ND027", "city", "region"),  # the city is "anywhere"
        (None, "ND027", "grid", "tier"),
        (None, "ND027", "county", "department"),  # the template rule exists already
    ],
)
def test_dispatch_rules_that_cannot_route_are_refused(
    taxonomy: TaxonomyStats, region: str | None, department: str, tier: str, field: str
) -> None:
    rule = DispatchRule(
        category=Category.objects.get(code="E01"),
        region=Region.objects.get(code=region) if region else None,
        department=Department.objects.get(code=department),
        tier=tier,
    )
    with pytest.raises(ValidationFailed) as exc:
        save_dispatch_rule(rule, actor=None)
    assert exc.value.field == field or field in (exc.value.details or {})
    assert not AuditRecord.objects.filter(action="workorders.dispatch_rule_created").exists()


# --- admin -----------------------------------------------------------------------------------


@pytest.fixture
def admin_client(taxonomy: TaxonomyStats, make_user: Any, client: Client) -> Client:
    user = make_user("root")
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(user)
    return client


def _category_form(category: Category, **changes: Any) -> dict[str, Any]:
    form = {
        "name": category.name,
        "kind": category.kind,
        "parent": category.parent_id or "",
        "time_limit": category.time_limit or "",
        "time_limit_unit": category.time_limit_unit,
        "closing_condition": category.closing_condition,
        "default_department": category.default_department_id or "",
        "keywords": category.keywords,
        "is_active": "on" if category.is_active else "",
    }
    return {**form, **changes}


def test_the_admin_lists_render(admin_client: Client) -> None:
    for path in (
        "/admin/workorders/category/?kind__exact=hotline&q=欠薪",
        "/admin/workorders/dispatchrule/?tier__exact=county&q=E0101",
    ):
        assert admin_client.get(path).status_code == 200, path
    rule = DispatchRule.objects.filter(region__isnull=True, tier="county").first()
    assert rule is not None
    assert admin_client.get(f"/admin/workorders/dispatchrule/{rule.pk}/change/").status_code == 200


def test_an_admin_edit_goes_through_the_service(admin_client: Client) -> None:
    category = Category.objects.get(code="E0103")
    url = f"/admin/workorders/category/{category.pk}/change/"
    response = admin_client.post(url, _category_form(category, time_limit="4"))
    assert response.status_code == 302, response.content.decode()[:2000]
    record = AuditRecord.objects.get(action="workorders.category_updated")
    assert (record.before, record.after) == ({"time_limit": "5.0"}, {"time_limit": "4.0"})
    assert record.actor_username == "root"


def test_an_admin_edit_the_service_refuses_is_shown_on_the_form(admin_client: Client) -> None:
    category = Category.objects.get(code="E0103")
    other_class = Category.objects.get(code="C01")
    url = f"/admin/workorders/category/{category.pk}/change/"
    response = admin_client.post(url, _category_form(category, parent=other_class.pk))
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not AuditRecord.objects.filter(action="workorders.category_updated").exists()


def test_rules_are_deactivated_not_deleted_in_the_admin(admin_client: Client) -> None:
    rule = DispatchRule.objects.get(category__code="H0801")
    delete = f"/admin/workorders/dispatchrule/{rule.pk}/delete/"
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    response = admin_client.post(
        "/admin/workorders/dispatchrule/",
        {"action": "deactivate_rules", "_selected_action": [rule.pk]},
    )
    assert response.status_code == 302
    assert not DispatchRule.objects.get(pk=rule.pk).is_active
    assert AuditRecord.objects.filter(action="workorders.dispatch_rule_deactivated").count() == 1


# --- API -------------------------------------------------------------------------------------


def test_categories_need_a_signed_in_user(client: Client, taxonomy: TaxonomyStats) -> None:
    for path in ("/api/v1/categories", "/api/v1/categories/E0101", "/api/v1/dispatch-rules"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.json()["error"]["code"] == "unauthenticated"


def test_the_category_list_and_its_filters(signed_in: Client, taxonomy: TaxonomyStats) -> None:
    page = signed_in.get("/api/v1/categories").json()
    assert page["count"] == len(page["items"]) == 231
    garbage = next(item for item in page["items"] if item["code"] == "E0101")
    assert garbage == {
        "code": "E0101",
        "name": "暴露垃圾",
        "kind": "event",
        "parent_code": "E01",
        "time_limit": 1.0,
        "time_limit_unit": "working_days",
        "closing_condition": "垃圾清除干净，现场无残留",
        "default_department_code": "ND027",
        "default_department_name": "南通市城市管理局",
        "keywords": ["暴露垃圾", "垃圾堆", "乱扔垃圾", "生活垃圾"],
        "is_active": True,
    }
    labour = signed_in.get("/api/v1/categories?kind=hotline&level=class").json()
    assert {item["name"] for item in labour["items"]} >= TIPDM_LABELS
    assert all(item["time_limit"] is None for item in labour["items"])
    children = signed_in.get("/api/v1/categories?parent=H08").json()
    assert {item["time_limit_unit"] for item in children["items"]} == {"hours"}
    found = signed_in.get("/api/v1/categories", {"q": "欠薪"}).json()
    assert [item["code"] for item in found["items"]] == ["H0501"]
    assert signed_in.get("/api/v1/categories?active=false").json()["count"] == 0


def test_bad_filters_are_422(signed_in: Client, taxonomy: TaxonomyStats) -> None:
    for path in ("/api/v1/categories?kind=complaint", "/api/v1/dispatch-rules?tier=grid"):
        response = signed_in.get(path)
        assert response.status_code == 422, path
        assert response.json()["error"]["code"] == "validation_error"


def test_a_category_with_its_children_and_rules(signed_in: Client, taxonomy: TaxonomyStats) -> None:
    detail = signed_in.get("/api/v1/categories/E01").json()
    assert detail["parent_code"] is None and detail["parent_name"] is None
    assert [c["code"] for c in detail["children"]][:3] == ["E0101", "E0102", "E0103"]
    assert len(detail["rules"]) == 11
    anywhere = next(r for r in detail["rules"] if r["region_code"] is None)
    assert (anywhere["department_code"], anywhere["tier"]) == ("ND027", "county")
    sub = signed_in.get("/api/v1/categories/E0105").json()
    assert sub["parent_name"] == "市容环境" and sub["children"] == []
    missing = signed_in.get("/api/v1/categories/E9999")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_the_dispatch_rule_list(signed_in: Client, taxonomy: TaxonomyStats) -> None:
    page = signed_in.get("/api/v1/dispatch-rules").json()
    assert page["count"] == taxonomy.rules and len(page["items"]) == 100
    zone = signed_in.get("/api/v1/dispatch-rules?category=E0105&region=320671").json()
    assert zone["count"] == 1
    assert zone["items"][0] | {"id": 0} == {
        "id": 0,
        "category_code": "E0105",
        "category_name": "违法建设",
        "region_code": "320671",
        "region_name": "南通经济技术开发区",
        "department_code": "320671-ND027",
        "department_name": "南通经济技术开发区综合行政执法局",
        "tier": "county",
        "direct": False,
        "priority": 100,
        "is_active": True,
    }
    town = signed_in.get("/api/v1/dispatch-rules?tier=town&limit=500").json()
    assert town["count"] == taxonomy.rules_by_tier["town"]


def test_reads_do_not_grow_with_the_answer(signed_in: Client, taxonomy: TaxonomyStats) -> None:
    def queries(path: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert signed_in.get(path).status_code == 200
        return len(captured)

    # Session and user (3 more when the session's idle timer is saved), then the reads.
    baseline = queries("/api/v1/categories?parent=none")  # an empty answer
    assert queries("/api/v1/categories") == queries("/api/v1/categories?parent=E01") == baseline
    assert queries("/api/v1/dispatch-rules?limit=500") == baseline + 1  # with its count
    assert queries("/api/v1/categories/E01") == queries("/api/v1/categories/E0101") == baseline + 2


def test_kinds_in_the_api_match_the_model() -> None:
    from yiwang.workorders.taxonomy_api import KindName

    assert set(get_args(KindName)) == set(CategoryKind.values)
    assert CATEGORIES_PATH.exists() and DISPATCH_PATH.exists()
