"""The demo accounts: one per role, each named after its role, with a place to work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from yiwang.accounts.services import create_user
from yiwang.geo.choices import GridKind
from yiwang.geo.models import Grid, Region
from yiwang.org.choices import Role, Tier
from yiwang.org.models import CommandCenter, Department
from yiwang.org.services import assign_role

DEMO_PASSWORD = "Yiwang@2026"
# The demo's Open311 client (南通百通, the city app) and its published api_key. A real
# installation creates clients with `yiwang open311 create-client NAME`, which draws a random key.
DEMO_OPEN311_CLIENT = "南通百通"
DEMO_OPEN311_KEY = "o311_demo_nantong_2026"
# The county and the kind of department the narrow-scope demo accounts work in.
DEMO_COUNTY_CODE = "320613"  # 崇川区


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    full_name: str
    phone: str


DEMO_ACCOUNTS = [
    DemoAccount("city_dispatcher", Role.CITY_DISPATCHER, "陈建国", "13862810001"),
    DemoAccount("county_dispatcher", Role.COUNTY_DISPATCHER, "王海燕", "13862810002"),
    DemoAccount("town_dispatcher", Role.TOWN_DISPATCHER, "李明辉", "13862810003"),
    DemoAccount("dept_handler", Role.DEPT_HANDLER, "张志强", "13862810004"),
    DemoAccount("dept_liaison", Role.DEPT_LIAISON, "刘晓红", "13862810005"),
    DemoAccount("grid_worker", Role.GRID_WORKER, "周立新", "13862810006"),
    DemoAccount("hotline_agent", Role.HOTLINE_AGENT, "吴佳怡", "13862810007"),
    DemoAccount("leader", Role.LEADER, "徐国华", "13862810008"),
    DemoAccount("data_steward", Role.DATA_STEWARD, "孙文博", "13862810009"),
    DemoAccount("auditor", Role.AUDITOR, "朱丽萍", "13862810010"),
    DemoAccount("system_admin", Role.SYSTEM_ADMIN, "胡振宇", "13862810011"),
    DemoAccount("security_admin", Role.SECURITY_ADMIN, "郭静", "13862810012"),
    DemoAccount("audit_admin", Role.AUDIT_ADMIN, "何雪梅", "13862810013"),
    DemoAccount("citizen", Role.CITIZEN, "马天宇", "13962810014"),
]


def _places() -> dict[str, dict[str, Any]]:
    city = Region.objects.get(level="city")
    county = Region.objects.get(code=DEMO_COUNTY_CODE)
    town = Region.objects.filter(parent=county, level="town").order_by("code").first()
    assert town is not None, "the demo county has no towns"
    county_departments = Department.objects.filter(region=county).order_by("code")
    handler_department = (
        county_departments.filter(Q(name__contains="城市管理") | Q(name__contains="城管")).first()
        or county_departments.first()
    )
    liaison_department = (
        Department.objects.filter(tier=Tier.CITY, name__contains="住房和城乡建设").first()
        or Department.objects.filter(tier=Tier.CITY).order_by("code").first()
    )
    grids = list(Grid.objects.filter(town=town, kind=GridKind.COMPREHENSIVE).order_by("code")[:2])
    return {
        Role.CITY_DISPATCHER: {"center": CommandCenter.objects.get(region=city)},
        Role.COUNTY_DISPATCHER: {"center": CommandCenter.objects.get(region=county)},
        Role.TOWN_DISPATCHER: {"center": CommandCenter.objects.get(region=town)},
        Role.DEPT_HANDLER: {"department": handler_department},
        Role.DEPT_LIAISON: {"department": liaison_department},
        Role.GRID_WORKER: {"grids": grids},
        Role.HOTLINE_AGENT: {"region": city},
        Role.LEADER: {"region": city},
        Role.DATA_STEWARD: {"region": city},
        Role.AUDITOR: {"region": city},
    }


def create_demo_accounts(*, actor: Any | None, password: str = DEMO_PASSWORD) -> list[Any]:
    """Create the fourteen demo accounts (call inside the demo load's transaction)."""
    places = _places()
    users = []
    for account in DEMO_ACCOUNTS:
        user = create_user(
            actor=actor,
            username=account.username,
            password=password,
            full_name=account.full_name,
            phone=account.phone,
            email=f"{account.username}@nantong.example",
        )
        assign_role(user, account.role, actor=actor, **places.get(account.role, {}))
        users.append(user)
    return users
