"""A demo city with its fourteen accounts, and orders walked to any state through the services."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shapely.geometry import shape

from yiwang.accounts.models import User
from yiwang.accounts.services import create_user
from yiwang.demo.accounts import DEMO_COUNTY_CODE
from yiwang.demo.services import load_demo
from yiwang.geo.locator import reset_locator
from yiwang.geo.models import Grid
from yiwang.org.choices import Role
from yiwang.org.models import Department
from yiwang.org.services import assign_role
from yiwang.workorders.choices import State
from yiwang.workorders.models import Category, WorkOrder
from yiwang.workorders.services import create_work_order, perform_action

# Test-only category code, far from any real taxonomy's numbering.
TEST_CATEGORY = "ZZ9901"


@dataclass
class City:
    users: dict[str, User]
    department: Department  # dept_handler's: 崇川区城市管理局
    other_department: Department
    category: Category
    point: tuple[float, float]  # inside grid_worker's first grid
    other_county_point: tuple[float, float]

    def __getitem__(self, username: str) -> User:
        return self.users[username]


def _inside(grid: Grid) -> tuple[float, float]:
    p = shape(grid.geometry).representative_point()
    return (p.x, p.y)


def load_city() -> City:
    """The small demo city (~3 s), plus a liaison of the handler's department and a category."""
    load_demo(scale="small", password="Test-Passw0rd!")
    reset_locator()
    users = {u.username: u for u in User.objects.all()}
    handler = users["dept_handler"]
    department = handler.role_assignments.get(role=Role.DEPT_HANDLER).department
    assert department is not None
    liaison = create_user(actor=None, username="lead_liaison", password="Test-Passw0rd!")
    assign_role(liaison, Role.DEPT_LIAISON, actor=None, department=department)
    users["lead_liaison"] = liaison
    other = Department.objects.filter(region=department.region).exclude(pk=department.pk).first()
    assert other is not None
    category = Category.objects.create(
        code=TEST_CATEGORY,
        name="测试小类",
        kind="event",
        time_limit=Decimal("2"),
        time_limit_unit="working_days",
        default_department=department,
    )
    worker = users["grid_worker"].role_assignments.get(role=Role.GRID_WORKER)
    grid = worker.grids.order_by("code").first()
    far = Grid.objects.filter(kind="comprehensive").exclude(county__code=DEMO_COUNTY_CODE).first()
    assert grid is not None and far is not None
    return City(users, department, other, category, _inside(grid), _inside(far))


def new_order(city: City, *, by: str = "grid_worker", **fields: Any) -> WorkOrder:
    """A consultation filed by the grid worker in their grid (so it starts at the town)."""
    lon, lat = city.point
    values: dict[str, Any] = {
        "channel": "grid",
        "request_type": "consultation",
        "description": "小区门口路灯不亮，晚上出行不便。",
        "lon": lon,
        "lat": lat,
        "contact_name": "张三丰",
        "contact_phone": "13812345678",
    }
    values.update(fields)
    return create_work_order(actor=city[by], **values)


def step(city: City, order: WorkOrder, action: str, by: str, **fields: Any) -> WorkOrder:
    return perform_action(order, action, actor=city[by], **fields)


def _path(city: City) -> dict[str, list[tuple[str, str, dict[str, Any]]]]:
    dept = city.department.code
    dispatched = [("dispatch", "town_dispatcher", {"department": dept})]
    acknowledged = [*dispatched, ("acknowledge", "dept_handler", {})]
    in_progress = [*acknowledged, ("start", "dept_handler", {})]
    replied = [*in_progress, ("reply", "dept_handler", {"reply": "已更换灯泡。"})]
    callback = [*replied, ("approve", "town_dispatcher", {})]
    returned = [*dispatched, ("return", "dept_handler", {"reason": "不属于本单位职责"})]
    verify = (
        "classify",
        "hotline_agent",
        {"category": city.category.code, "needs_verification": True},
    )
    return {
        State.RECEIVED: [],
        State.DISPATCHED: dispatched,
        State.ACKNOWLEDGED: acknowledged,
        State.IN_PROGRESS: in_progress,
        State.REPLIED: replied,
        State.VERIFYING: [verify, *replied, ("approve", "town_dispatcher", {})],
        State.CALLBACK: callback,
        State.CLOSED: [*callback, ("callback", "hotline_agent", {"rating": "satisfied"})],
        State.RETURNED: returned,
        State.DISPUTED: [*returned, ("dispute", "town_dispatcher", {"reason": "职责有争议"})],
        State.SHELVED: [("shelve", "town_dispatcher", {"reason": "需列入明年工程计划"})],
        State.INVALID: [("invalidate", "hotline_agent", {"reason": "无效来电"})],
        State.TRANSFERRED: [("transfer", "hotline_agent", {"line": "110"})],
        State.MERGED: [("merge", "hotline_agent", {"parent": None})],
    }


def order_in(city: City, state: str, **fields: Any) -> WorkOrder:
    """A new order taken to ``state`` along the usual path, each step through the services."""
    order = new_order(city, **fields)
    for action, by, values in _path(city)[state]:
        if action == "merge":
            values = {"parent": new_order(city).number}
        order = step(city, order, action, by, **values)
    assert order.state == state, (order.state, state)
    return order
