"""Loading Nantong's organisation on top of a geography."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pytest
from django.db import transaction

from tests.org.conftest import DISTRICTS_AND_COUNTIES, ZONES, Geography, make_region
from yiwang.core.audit import verify_chain
from yiwang.core.errors import Conflict, ValidationFailed
from yiwang.core.models import AuditRecord
from yiwang.geo.choices import RegionKind, RegionLevel
from yiwang.geo.models import Region
from yiwang.org.choices import Tier
from yiwang.org.demo import OrgStats, load_organisation
from yiwang.org.models import CommandCenter, Department, Stationing

pytestmark = pytest.mark.django_db

# 22 branch templates; 崇川区 has neither a power-supply branch nor a housing-fund branch.
EXPECTED_BRANCHES = (
    {code: 22 for code in DISTRICTS_AND_COUNTIES} | {"320613": 20} | {code: 12 for code in ZONES}
)


def test_counts(organisation: OrgStats, geography: Geography) -> None:
    assert organisation.city_departments == 65
    assert organisation.branches_per_county == EXPECTED_BRANCHES
    assert organisation.county_departments == sum(EXPECTED_BRANCHES.values()) == 188
    assert (organisation.city_centers, organisation.county_centers) == (1, 10)
    assert organisation.town_centers == len(geography.towns) == 20
    assert Department.objects.filter(tier=Tier.CITY).count() == 65
    assert Department.objects.filter(tier=Tier.COUNTY).count() == 188
    assert CommandCenter.objects.count() == organisation.centers == 31
    assert Stationing.objects.count() == organisation.stationings


def test_city_departments_hang_off_the_city_and_branches_off_them(
    organisation: OrgStats, geography: Geography
) -> None:
    city = Department.objects.filter(tier=Tier.CITY)
    assert not city.exclude(region=geography.city).exists()
    assert not city.exclude(parent=None).exists()
    for branch in Department.objects.filter(tier=Tier.COUNTY).select_related("parent", "region"):
        assert branch.parent is not None and branch.parent.tier == Tier.CITY
        assert branch.region.parent_id == geography.city.pk
        assert branch.kind == branch.parent.kind
        assert branch.code == f"{branch.region.code}-{branch.parent.code}"
    assert Department.objects.get(code="ND012").legacy_hotline == ""
    assert Department.objects.get(code="ND023").legacy_hotline == "12315"
    assert Department.objects.filter(tier=Tier.CITY, offers_online_services=True).count() == 26


@pytest.mark.parametrize(
    ("county", "name"),
    [
        ("320613", "南通市崇川区城市管理局"),
        ("320613", "南通市公安局崇川分局"),
        ("320612", "南通市自然资源和规划局通州分局"),
        ("320682", "如皋市公安局"),
        ("320682", "南通市如皋生态环境局"),
        ("320682", "国网江苏省电力有限公司如皋市供电分公司"),
        ("320623", "如东县消防救援大队"),
        ("320671", "南通市公安局经济技术开发区分局"),
        ("320671", "南通经济技术开发区综合行政执法局"),
        ("320673", "南通市市场监督管理局通州湾示范区分局"),
    ],
)
def test_branch_names(organisation: OrgStats, county: str, name: str) -> None:
    assert Department.objects.filter(region__code=county, name=name).exists()


def test_center_tree(organisation: OrgStats, geography: Geography) -> None:
    city = CommandCenter.objects.get(tier=Tier.CITY)
    assert city.name == "南通市市域治理现代化指挥中心"
    assert city.region == geography.city and city.parent is None
    for center in CommandCenter.objects.filter(tier=Tier.COUNTY).select_related("region"):
        assert center.parent == city
        assert center.region.level == RegionLevel.COUNTY
    for center in CommandCenter.objects.filter(tier=Tier.TOWN).select_related(
        "region", "parent__region"
    ):
        assert center.parent is not None
        assert center.parent.region == center.region.parent
        assert center.name.endswith(f"{center.region.name}区域治理现代化指挥中心")
    assert CommandCenter.objects.filter(duty_phone="").count() == 0


def test_stationing(organisation: OrgStats, geography: Geography) -> None:
    city = CommandCenter.objects.get(tier=Tier.CITY)
    at_city = Stationing.objects.filter(center=city).select_related("department")
    assert 20 <= at_city.count() <= 30
    assert all(1 <= s.staff_count <= 4 and s.department.tier == Tier.CITY for s in at_city)
    assert at_city.filter(department__name="南通市城市管理局", staff_count=4).exists()
    for center in CommandCenter.objects.filter(tier=Tier.COUNTY).select_related("region"):
        stationed = Stationing.objects.filter(center=center)
        expected = (
            7 if center.region.code in ZONES else (11 if center.region.code == "320613" else 12)
        )
        assert stationed.count() == expected, center.name
        # A county center hosts its own county's branches only.
        assert not stationed.exclude(department__region=center.region).exists()
    for center in CommandCenter.objects.filter(tier=Tier.TOWN).select_related("region"):
        parents = set(
            Stationing.objects.filter(center=center).values_list(
                "department__parent__code", "department__region_id"
            )
        )
        # Police station, city-management squad and market-regulation office of the county.
        assert parents == {(code, center.region.parent_id) for code in ("ND005", "ND023", "ND027")}
    assert organisation.staff_stationed == sum(
        Stationing.objects.values_list("staff_count", flat=True)
    )


def _snapshot() -> dict[str, Any]:
    return {
        "departments": list(
            Department.objects.order_by("code").values_list(
                "code",
                "name",
                "short_name",
                "kind",
                "tier",
                "region__code",
                "parent__code",
                "duties",
                "legacy_hotline",
                "offers_online_services",
            )
        ),
        "centers": list(
            CommandCenter.objects.order_by("region__code").values_list(
                "name", "tier", "region__code", "parent__region__code", "duty_phone"
            )
        ),
        "stationing": list(
            Stationing.objects.order_by("center__region__code", "department__code").values_list(
                "center__region__code", "department__code", "staff_count", "since"
            )
        ),
    }


class _Rollback(Exception):
    pass


def test_loading_twice_gives_the_same_organisation(geography: Geography) -> None:
    snapshots = []
    for _attempt in range(2):
        with pytest.raises(_Rollback), transaction.atomic():
            load_organisation(actor=None)
            snapshots.append(_snapshot())
            raise _Rollback
        assert not Department.objects.exists()
    assert snapshots[0] == snapshots[1]
    assert len(snapshots[0]["departments"]) == 253


def test_refused_without_geography(db: Any) -> None:
    with pytest.raises(ValidationFailed) as refused:
        load_organisation(actor=None)
    assert refused.value.details == {"field": "geography", "missing": "city"}
    assert not Department.objects.exists()
    assert not AuditRecord.objects.filter(action="org.organisation_loaded").exists()


def test_refused_without_counties_or_towns(db: Any) -> None:
    city = make_region("320600", "南通市", RegionLevel.CITY, RegionKind.CITY, None)
    with pytest.raises(ValidationFailed) as refused:
        load_organisation(actor=None)
    assert refused.value.details["missing"] == "counties"
    make_region("320612", "通州区", RegionLevel.COUNTY, RegionKind.DISTRICT, city)
    with pytest.raises(ValidationFailed) as refused:
        load_organisation(actor=None)
    assert refused.value.details["missing"] == "towns"
    assert not Department.objects.exists()
    assert not CommandCenter.objects.exists()


def test_refused_when_already_loaded(organisation: OrgStats) -> None:
    with pytest.raises(Conflict):
        load_organisation(actor=None)
    assert Department.objects.count() == organisation.departments
    assert AuditRecord.objects.filter(action="org.organisation_loaded").count() == 1


def test_one_audit_record_with_the_counts(geography: Geography, make_user: Any) -> None:
    operator = make_user("operator")
    stats = load_organisation(actor=operator)
    record = AuditRecord.objects.get(action="org.organisation_loaded")
    assert record.actor == operator
    assert record.after == asdict(stats)
    assert verify_chain().ok


def test_nothing_stays_when_the_audit_record_cannot_be_written(
    geography: Geography, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr("yiwang.org.demo.record_audit", broken)
    with pytest.raises(RuntimeError):
        load_organisation(actor=None)
    assert not Department.objects.exists()
    assert not CommandCenter.objects.exists()
    assert not Stationing.objects.exists()


def test_progress_reports_each_stage_to_its_end(geography: Geography) -> None:
    calls: list[tuple[str, int, int]] = []
    load_organisation(
        actor=None, progress=lambda stage, done, total: calls.append((stage, done, total))
    )
    last = {stage: (done, total) for stage, done, total in calls}
    assert list(last) == ["Departments", "Command centers", "Stationing"]
    assert all(done == total for done, total in last.values())


def test_a_county_missing_from_the_branch_file_gets_derived_names(geography: Geography) -> None:
    county = make_region("320699", "示例县", RegionLevel.COUNTY, RegionKind.COUNTY, geography.city)
    make_region("320699001", "示例镇", RegionLevel.TOWN, RegionKind.TOWN, county)
    stats = load_organisation(actor=None)
    assert stats.branches_per_county["320699"] == 22
    names = set(Department.objects.filter(region=county).values_list("name", flat=True))
    assert {"示例县公安局", "示例县城市管理局", "南通市示例生态环境局"} <= names
    assert CommandCenter.objects.get(region=county).name == "示例县区域治理现代化指挥中心"
    assert Region.objects.filter(level=RegionLevel.TOWN).count() == 21
