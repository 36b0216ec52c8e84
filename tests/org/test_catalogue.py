"""The department data files: what the seed says about Nantong, and the checks on them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from yiwang.core.errors import ValidationFailed
from yiwang.org.choices import DepartmentKind
from yiwang.org.demo import (
    BRANCHES_PATH,
    DEPARTMENTS_PATH,
    load_branch_catalogue,
    load_department_catalogue,
)

MUST_HAVE = {
    "南通市公安局",
    "南通市住房和城乡建设局",
    "南通市城市管理局",
    "南通市生态环境局",
    "南通市交通运输局",
    "南通市市场监督管理局",
    "南通市应急管理局",
    "南通市人力资源和社会保障局",
    "南通市教育局",
    "南通市卫生健康委员会",
    "南通市民政局",
    "南通市自然资源和规划局",
    "南通市水利局",
    "南通市消防救援支队",
    "南通市发展和改革委员会",
    "南通市工业和信息化局",
    "南通市财政局",
    "南通市农业农村局",
    "南通市商务局",
    "南通市文化广电和旅游局",
    "南通市退役军人事务局",
    "南通市审计局",
    "南通市司法局",
    "南通市统计局",
    "南通市医疗保障局",
    "南通市数据局",
    "南通市行政审批局",
    "南通市信访局",
    "国家税务总局南通市税务局",
    "南通市气象局",
    "国网江苏省电力有限公司南通供电分公司",
    "南通市区域供水有限公司",
    "南通华润燃气有限公司",
    "南通市公共交通集团有限公司",
    "中国邮政集团有限公司南通市分公司",
    "中国移动通信集团江苏有限公司南通分公司",
    "中国联合网络通信有限公司南通市分公司",
    "中国电信股份有限公司南通分公司",
    "南通市住房公积金管理中心",
    "南通市残疾人联合会",
    "南通市妇女联合会",
    "南通市总工会",
    "共青团南通市委员会",
    "南通市科学技术局",
    "南通市体育局",
    "南通市粮食和物资储备局",
    "南通市人民防空办公室",
    "南通市人民政府国有资产监督管理委员会",
    "南通市地方金融监督管理局",
    "南通市城市管理综合行政执法支队",
}


def test_the_seed_figures_hold() -> None:
    entries = load_department_catalogue()
    assert len(entries) == 65
    assert len({e.code for e in entries}) == 65
    assert len({e.name for e in entries}) == 65
    assert sum(e.offers_online_services for e in entries) == 26
    assert {e.name for e in entries} >= MUST_HAVE
    assert {e.kind for e in entries} == set(DepartmentKind.values)


def test_every_department_says_what_requests_it_owns() -> None:
    for entry in load_department_catalogue():
        assert "受理" in entry.duties, entry.name
        assert 30 <= len(entry.duties) <= 200, entry.name


def test_legacy_hotlines_route_to_the_departments_that_ran_them() -> None:
    by_number = {}
    for entry in load_department_catalogue():
        for number in (*entry.legacy_hotlines, entry.retained_hotline):
            if number:
                by_number[number] = entry.name
    assert by_number["12315"] == "南通市市场监督管理局"
    assert by_number["12369"] == "南通市生态环境局"
    assert by_number["12333"] == "南通市人力资源和社会保障局"
    assert by_number["12328"] == "南通市交通运输局"
    assert by_number["12319"] == "南通市城市管理局"
    assert by_number["12336"] == "南通市自然资源和规划局"
    assert by_number["12350"] == "南通市应急管理局"
    assert by_number["12348"] == "南通市司法局"
    assert by_number["12320"] == "南通市卫生健康委员会"
    assert by_number["12314"] == "南通市水利局"
    assert by_number["12338"] == "南通市妇女联合会"
    assert by_number["12351"] == "南通市总工会"
    assert by_number["12366"] == "国家税务总局南通市税务局"
    assert by_number["95598"] == "国网江苏省电力有限公司南通供电分公司"


def test_the_stored_hotline_prefers_a_merged_line_over_a_retained_one() -> None:
    entries = {e.name: e for e in load_department_catalogue()}
    assert entries["南通市市场监督管理局"].primary_hotline == "12315"
    assert entries["国家税务总局南通市税务局"].primary_hotline == "12366"
    assert entries["南通市公安局"].primary_hotline == ""  # 110 is an emergency number
    assert entries["南通市公安局"].emergency_number == "110"


def test_twenty_to_thirty_departments_are_stationed_in_the_city_center() -> None:
    stationed = [e for e in load_department_catalogue() if e.city_center_staff]
    assert 20 <= len(stationed) <= 30
    assert all(1 <= e.city_center_staff <= 4 for e in stationed)
    names = {e.name for e in stationed}
    assert {
        "南通市公安局",
        "南通市城市管理局",
        "南通市市场监督管理局",
        "南通华润燃气有限公司",
    } <= names


def test_branch_templates_belong_to_city_departments() -> None:
    entries = load_department_catalogue()
    catalogue = load_branch_catalogue(departments=entries)
    assert {t.parent for t in catalogue.branches} <= {e.code for e in entries}
    assert set(catalogue.regions) == {
        "320612",
        "320613",
        "320614",
        "320623",
        "320681",
        "320682",
        "320685",
        "320671",
        "320672",
        "320673",
    }


def _rewrite(tmp_path: Path, source: Path, change: Any) -> Path:
    data = json.loads(source.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / source.name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_repeated_code_is_refused(tmp_path: Path) -> None:
    def repeat(data: dict[str, Any]) -> None:
        data["departments"][1]["code"] = data["departments"][0]["code"]

    with pytest.raises(ValidationFailed) as refused:
        load_department_catalogue(_rewrite(tmp_path, DEPARTMENTS_PATH, repeat))
    assert "repeated code: ND001" in refused.value.details["problems"]


def test_a_missing_department_and_field_are_both_reported(tmp_path: Path) -> None:
    def damage(data: dict[str, Any]) -> None:
        data["departments"].pop()
        data["departments"][0]["duties"] = ""
        data["departments"][1]["kind"] = "ministry"

    with pytest.raises(ValidationFailed) as refused:
        load_department_catalogue(_rewrite(tmp_path, DEPARTMENTS_PATH, damage))
    problems = refused.value.details["problems"]
    assert "department ND001: duties is required" in problems
    assert "department ND002: unknown kind 'ministry'" in problems
    assert "expected 65 departments, found 64" in problems


def test_a_branch_of_an_unknown_department_is_refused(tmp_path: Path) -> None:
    def orphan(data: dict[str, Any]) -> None:
        data["branches"][0]["parent"] = "ND999"

    path = _rewrite(tmp_path, BRANCHES_PATH, orphan)
    with pytest.raises(ValidationFailed) as refused:
        load_branch_catalogue(path, departments=load_department_catalogue())
    assert refused.value.details["problems"] == [
        "branch of ND999: no city department has that code"
    ]


def test_unreadable_json_is_a_validation_failure(tmp_path: Path) -> None:
    path = tmp_path / "departments.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValidationFailed) as refused:
        load_department_catalogue(path)
    assert refused.value.details["path"] == "departments.json"
