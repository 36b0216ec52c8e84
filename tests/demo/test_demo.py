"""The demo city as a new user meets it: one account per role, each with its own scope."""

from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import Client

from yiwang.accounts.models import User
from yiwang.core.audit import verify_chain
from yiwang.core.errors import ValidationFailed
from yiwang.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD
from yiwang.demo.services import load_demo
from yiwang.geo.models import Grid, Region
from yiwang.org.models import CommandCenter, Department
from yiwang.org.services import assign_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo() -> dict[str, Any]:
    load_demo(scale="small")
    return {u.username: u for u in User.objects.all()}


def test_every_role_has_an_account_that_signs_in(demo: dict[str, Any]) -> None:
    assert len(DEMO_ACCOUNTS) == 14
    for account in DEMO_ACCOUNTS:
        user = authenticate(username=account.username, password=DEMO_PASSWORD)
        assert user is not None, account.username
        assert [a.role for a in user.role_assignments.all()] == [account.role]
    assert verify_chain().ok


def test_the_demo_city_has_nantongs_shape(demo: dict[str, Any]) -> None:
    assert Region.objects.filter(level="county").count() == 10
    assert Region.objects.filter(level="town").count() == 96
    assert Department.objects.filter(tier="city").count() == 65
    assert CommandCenter.objects.count() == 1 + 10 + 96


def test_scopes_follow_the_tiers(demo: dict[str, Any]) -> None:
    town_dispatcher = demo["town_dispatcher"]
    town = town_dispatcher.role_assignments.get().region
    assert list(Region.objects.visible_to(town_dispatcher).filter(level="town")) == [town]
    assert set(Grid.objects.visible_to(town_dispatcher).values_list("town_id", flat=True)) == {
        town.pk
    }

    county_dispatcher = demo["county_dispatcher"]
    towns = Region.objects.visible_to(county_dispatcher).filter(level="town")
    assert {t.parent.code for t in towns} == {"320613"}

    grid_worker = demo["grid_worker"]
    assert Grid.objects.visible_to(grid_worker).count() == 2
    # A grid worker escalates to its town, county and city centers — and sees exactly those.
    centers = CommandCenter.objects.visible_to(grid_worker)
    assert sorted(c.tier for c in centers) == ["city", "county", "town"]

    handler = demo["dept_handler"]
    visible = Department.objects.visible_to(handler)
    assert [d.name for d in visible] == ["南通市崇川区城市管理局"]
    assert not Grid.objects.visible_to(handler).exists()

    citizen = demo["citizen"]
    assert not Grid.objects.visible_to(citizen).exists()
    assert Department.objects.visible_to(citizen).count() == Department.objects.count()


def test_out_of_scope_is_the_same_404_as_missing(demo: dict[str, Any]) -> None:
    client = Client()
    client.force_login(demo["town_dispatcher"])
    town = demo["town_dispatcher"].role_assignments.get().region
    elsewhere = Grid.objects.exclude(town=town).first()
    assert elsewhere is not None
    foreign = client.get(f"/api/v1/grids/{elsewhere.code}")
    missing = client.get("/api/v1/grids/999999999999999")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["error"]["code"] == missing.json()["error"]["code"] == "not_found"


def test_administrators_cannot_take_business_roles(demo: dict[str, Any]) -> None:
    handler_department = demo["dept_handler"].role_assignments.get().department
    with pytest.raises(ValidationFailed):
        assign_role(demo["system_admin"], "dept_handler", actor=None, department=handler_department)
    with pytest.raises(ValidationFailed):
        assign_role(demo["leader"], "audit_admin", actor=None)
    assert [a.role for a in demo["system_admin"].role_assignments.all()] == ["system_admin"]


def test_loading_twice_is_refused_and_if_empty_keeps_the_data(demo: dict[str, Any]) -> None:
    with pytest.raises(CommandError, match="already"):
        call_command("demo", "load", "--scale", "small")
    call_command("demo", "load", "--if-empty")
    assert Region.objects.filter(level="county").count() == 10
