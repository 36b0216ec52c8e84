from typing import Any

import pytest
from django.test import Client

from yiwang.accounts.models import User
from yiwang.demo.services import load_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> dict[str, Any]:
    load_demo(scale="small")
    return {u.username: u for u in User.objects.all()}


def _people(user: Any) -> dict[str, dict[str, Any]]:
    client = Client()
    client.force_login(user)
    response = client.get("/api/v1/people?limit=500")
    assert response.status_code == 200
    return {p["username"]: p for p in response.json()["items"]}


def test_names_and_phones_are_masked_by_role(demo: dict[str, Any]) -> None:
    seen_by_agent = _people(demo["hotline_agent"])
    assert seen_by_agent["citizen"]["phone"] == "13962810014"
    assert seen_by_agent["citizen"]["full_name"] == "马天宇"

    seen_by_leader = _people(demo["leader"])
    assert seen_by_leader["citizen"]["phone"] == "139****0014"
    assert seen_by_leader["citizen"]["full_name"] == "马*宇"
    # Their own record is theirs to see.
    assert seen_by_leader["leader"]["phone"] == "13862810008"


def test_people_are_scoped(demo: dict[str, Any]) -> None:
    assert list(_people(demo["citizen"])) == ["citizen"]
    town_view = _people(demo["town_dispatcher"])
    assert "town_dispatcher" in town_view and "grid_worker" in town_view
    assert "county_dispatcher" not in town_view
    # Everyone, the Open311 client's service account included.
    assert len(_people(demo["security_admin"])) == User.objects.count()


def test_people_list_does_not_grow_queries_with_people(
    demo: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = Client()
    client.force_login(demo["hotline_agent"])
    with django_assert_max_num_queries(10):
        items = client.get("/api/v1/people?limit=500").json()["items"]
    assert len(items) == User.objects.count()
