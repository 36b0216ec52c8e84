"""The organisation API, read through each caller's scope."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from yiwang.accounts.services import create_token
from yiwang.org.choices import Role
from yiwang.org.demo import OrgStats
from yiwang.org.models import CommandCenter, Department
from yiwang.org.services import assign_role

pytestmark = pytest.mark.django_db

ALL_DEPARTMENTS = 65 + 188


@pytest.fixture
def as_role(organisation: OrgStats, make_user: Any, client: Client) -> Any:
    """``as_role(Role.X, **place)`` — the test client signed in as a new holder of that role."""

    def _sign_in(role: str, **place: Any) -> Client:
        user = make_user(f"{role}-{len(place)}")
        assign_role(user, role, actor=None, **place)
        client.force_login(user)
        return client

    return _sign_in


def _center(region_code: str) -> CommandCenter:
    return CommandCenter.objects.get(region__code=region_code)


def _department(code: str) -> Department:
    return Department.objects.get(code=code)


def _codes(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["code"] for item in response.json()["items"]]


def test_signing_in_is_required(client: Client, organisation: OrgStats) -> None:
    for path in ("/api/v1/departments", "/api/v1/departments/ND001", "/api/v1/centers"):
        response = client.get(path)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"
        assert set(response.json()["error"]) == {"code", "message", "details"}


def test_a_bearer_token_works(client: Client, organisation: OrgStats, make_user: Any) -> None:
    user = make_user("agent")
    assign_role(user, Role.HOTLINE_AGENT, actor=None)
    _token, secret = create_token(user, actor=None)
    response = client.get("/api/v1/departments", headers={"authorization": f"Bearer {secret}"})
    assert response.json()["count"] == ALL_DEPARTMENTS


def test_city_dispatcher_lists_and_filters(as_role: Any) -> None:
    client = as_role(Role.CITY_DISPATCHER, center=_center("320600"))
    page = client.get("/api/v1/departments").json()
    assert page["count"] == ALL_DEPARTMENTS
    assert len(page["items"]) == 100
    assert page["items"][0] == {
        "code": "ND001",
        "name": "南通市发展和改革委员会",
        "short_name": "市发展改革委",
        "kind": "bureau",
        "tier": "city",
        "region_code": "320600",
        "region_name": "南通市",
        "parent_code": None,
        "duties": page["items"][0]["duties"],
        "legacy_hotline": "",
        "offers_online_services": False,
    }
    assert client.get("/api/v1/departments?tier=city").json()["count"] == 65
    assert client.get("/api/v1/departments?tier=county").json()["count"] == 188
    assert client.get("/api/v1/departments?region=320613").json()["count"] == 20
    assert _codes(client.get("/api/v1/departments?q=12315")) == ["ND023"]
    by_duty = _codes(client.get("/api/v1/departments?q=占道经营&tier=city"))
    assert by_duty == ["ND027", "ND042"]
    assert _codes(client.get("/api/v1/departments?region=320682&q=公安局")) == [
        "320682-ND005",
        "320682-ND049",
    ]


def test_paging(as_role: Any) -> None:
    client = as_role(Role.HOTLINE_AGENT)
    first = _codes(client.get("/api/v1/departments?limit=10"))
    second = _codes(client.get("/api/v1/departments?limit=10&offset=10"))
    assert first == [f"ND{n:03d}" for n in range(1, 11)]
    assert second == [f"ND{n:03d}" for n in range(11, 21)]
    everything = client.get("/api/v1/departments?limit=500").json()
    assert len(everything["items"]) == everything["count"] == ALL_DEPARTMENTS


@pytest.mark.parametrize(
    "query", ["tier=town", "tier=bogus", "limit=501", "limit=0", "offset=-1", "region=" + "9" * 13]
)
def test_bad_filters_are_refused(as_role: Any, query: str) -> None:
    client = as_role(Role.HOTLINE_AGENT)
    response = client.get(f"/api/v1/departments?{query}")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert response.json()["error"]["details"][0]["field"] == query.split("=")[0]


def test_a_county_handler_sees_its_own_department_only(as_role: Any) -> None:
    client = as_role(Role.DEPT_HANDLER, department=_department("320613-ND027"))
    assert _codes(client.get("/api/v1/departments")) == ["320613-ND027"]
    assert client.get("/api/v1/departments/320613-ND027").status_code == 200
    other_county = client.get("/api/v1/departments/320682-ND027")
    missing = client.get("/api/v1/departments/ND999")
    assert other_county.status_code == missing.status_code == 404
    assert other_county.json() == missing.json()
    assert client.get("/api/v1/departments/ND027").status_code == 404


def test_a_city_handler_sees_its_department_and_branches(as_role: Any) -> None:
    client = as_role(Role.DEPT_HANDLER, department=_department("ND027"))
    codes = _codes(client.get("/api/v1/departments"))
    assert codes[0] == "ND027"
    assert len(codes) == 11  # 7 county bureaus + 3 zones' 综合行政执法局
    detail = client.get("/api/v1/departments/ND027").json()
    assert [b["code"] for b in detail["branches"]] == codes[1:]
    # The center directory is public to every signed-in person.
    assert "南通市市域治理现代化指挥中心" in [s["center_name"] for s in detail["stationed_in"]]


def test_a_county_dispatcher_sees_its_county_and_the_city(as_role: Any) -> None:
    client = as_role(Role.COUNTY_DISPATCHER, center=_center("320613"))
    codes = _codes(client.get("/api/v1/departments?limit=500"))
    branches = [code for code in codes if "-" in code]
    assert len(branches) == 20
    assert all(code.startswith("320613-") for code in branches)
    # It escalates to the city's departments, so it sees them; not another county's branches.
    assert len(codes) - len(branches) == 65
    assert client.get("/api/v1/departments/ND005").status_code == 200
    assert client.get("/api/v1/departments/320612-ND005").status_code == 404
    police = client.get("/api/v1/departments/320613-ND005").json()
    assert police["name"] == "南通市公安局崇川分局"
    assert police["parent_code"] == "ND005"
    stationed = [(s["center_name"], s["tier"], s["staff_count"]) for s in police["stationed_in"]]
    assert stationed == [
        ("南通市崇川区区域治理现代化指挥中心", "county", 3),
        ("南通市崇川区城东街道区域治理现代化指挥中心", "town", 1),
        ("南通市崇川区和平桥街道区域治理现代化指挥中心", "town", 1),
    ]


def test_a_citizen_sees_the_public_directory(as_role: Any) -> None:
    client = as_role(Role.CITIZEN)
    assert client.get("/api/v1/departments").json()["count"] == ALL_DEPARTMENTS
    assert client.get("/api/v1/departments/320682-ND055").status_code == 200
    # …and the directory of command centers.
    assert client.get("/api/v1/centers").json()["count"] == 31
    assert client.get(f"/api/v1/centers/{_center('320600').pk}").status_code == 200


def test_an_account_without_roles_sees_nothing(
    client: Client, make_user: Any, organisation: Any
) -> None:
    client.force_login(make_user("nobody"))
    assert client.get("/api/v1/departments").json() == {"count": 0, "items": []}
    assert client.get("/api/v1/departments/ND001").status_code == 404


def test_department_detail_lists_branches_and_stations(as_role: Any) -> None:
    client = as_role(Role.LEADER, region=_center("320600").region)
    police = client.get("/api/v1/departments/ND005").json()
    assert len(police["branches"]) == 10
    assert {"code": "320682-ND005", "name": "如皋市公安局"}.items() <= police["branches"][8].items()
    assert police["stationed_in"] == [
        {
            "center_id": _center("320600").pk,
            "center_name": "南通市市域治理现代化指挥中心",
            "tier": "city",
            "staff_count": 4,
            "since": "2020-06-01",
        }
    ]


def test_centers(as_role: Any) -> None:
    client = as_role(Role.CITY_DISPATCHER, center=_center("320600"))
    page = client.get("/api/v1/centers").json()
    assert page["count"] == 31
    assert [c["region_code"] for c in page["items"][:3]] == ["320600", "320612", "320612001"]
    city = page["items"][0]
    assert city["parent_id"] is None and city["stationed_count"] == 29
    assert client.get("/api/v1/centers?tier=town").json()["count"] == 20
    assert client.get("/api/v1/centers?tier=county").json()["count"] == 10
    assert client.get("/api/v1/centers?tier=region").status_code == 422
    detail = client.get(f"/api/v1/centers/{_center('320613').pk}").json()
    assert detail["parent_name"] == "南通市市域治理现代化指挥中心"
    assert detail["stationed_count"] == len(detail["stationed"]) == 11
    assert {"code": "320613-ND027", "staff_count": 3}.items() <= detail["stationed"][-1].items()
    assert [c["region_code"] for c in detail["children"]] == ["320613001", "320613002"]
    assert client.get("/api/v1/centers/999999").status_code == 404


def test_the_center_directory_needs_a_sign_in(client: Client, organisation: Any) -> None:
    response = client.get("/api/v1/centers")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


def test_a_town_dispatcher_sees_who_is_stationed_in_its_center(as_role: Any) -> None:
    town = _center("320613001")
    client = as_role(Role.TOWN_DISPATCHER, center=town)
    detail = client.get(f"/api/v1/centers/{town.pk}").json()
    assert [s["code"] for s in detail["stationed"]] == [
        "320613-ND005",
        "320613-ND023",
        "320613-ND027",
    ]
    assert detail["children"] == []


# Every request costs 7 queries before an endpoint runs: the session (read and save, with its
# savepoint pair), the user, and the caller's roles with their grids.
REQUEST_OVERHEAD = 7


def _queries(client: Client, path: str) -> int:
    client.get(path)  # the first request of a user also computes their scope; count the next
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", [Role.CITY_DISPATCHER, Role.DEPT_HANDLER, Role.CITIZEN])
def test_department_query_counts(
    as_role: Any, role: str, django_assert_max_num_queries: Any
) -> None:
    place = {
        Role.CITY_DISPATCHER: {"center": _center("320600")},
        Role.DEPT_HANDLER: {"department": _department("ND005")},
        Role.CITIZEN: {},
    }[role]
    client = as_role(role, **place)
    assert _queries(client, "/api/v1/departments?limit=1") == _queries(
        client, "/api/v1/departments?limit=500"
    )
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 2):  # count, page
        client.get("/api/v1/departments?limit=500")
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 3):  # department, branches, stations
        client.get("/api/v1/departments/ND005")


def test_center_query_counts(as_role: Any, django_assert_max_num_queries: Any) -> None:
    city = _center("320600")
    client = as_role(Role.CITY_DISPATCHER, center=city)
    assert _queries(client, "/api/v1/centers?limit=1") == _queries(
        client, "/api/v1/centers?limit=500"
    )
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 2):  # count, page
        client.get("/api/v1/centers?limit=500")
    with django_assert_max_num_queries(REQUEST_OVERHEAD + 3):  # center, stationed, children
        client.get(f"/api/v1/centers/{city.pk}")
