"""A year of demo work orders for the loaded demo city, made through the real services.

Every order is filed with ``create_work_order`` and walked along one lifecycle path with
``perform_action`` as the demo accounts, so each row, timeline event and audit record is one the
application itself could have written. The intake is back-dated over the past ``days`` with
seasonal and weekday patterns; the lifecycle actions happen at the time of generation (the
services take no clock), so handling times in the demo are not realistic.

Orders that go past dispatch are routed where the demo accounts can act: 城乡建设-type requests to
the city housing bureau (``dept_liaison``), everything else to 崇川区城市管理局 (``dept_handler``),
with the point drawn in 崇川区; escalations start as grid reports in ``town_dispatcher``'s town.
"""

from __future__ import annotations

import math
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from shapely import contains_xy
from shapely.geometry import shape
from shapely.prepared import prep

from yiwang.accounts.models import User
from yiwang.core.progress import ProgressCallback
from yiwang.demo.accounts import DEMO_ACCOUNTS, DEMO_COUNTY_CODE
from yiwang.demo.request_texts import mobile, person_name, request_text
from yiwang.geo.choices import GridKind
from yiwang.geo.models import Grid
from yiwang.org.choices import Role
from yiwang.workorders.choices import FINAL_STATES, UNSATISFIED_RATINGS, Channel, RequestType
from yiwang.workorders.models import Category, WorkOrder
from yiwang.workorders.services import create_work_order, perform_action
from yiwang.workorders.taxonomy import KEYWORD_SEPARATOR

BATCH = 500
HOUSING_FAMILIES = frozenset({"H01", "E03", "C05"})  # routed to the liaison's 住建局
# Nantong's 12345 mix: mostly phone calls, then the app and the web.
CHANNEL_WEIGHTS: dict[str, int] = {
    Channel.HOTLINE: 60,
    Channel.APP: 12,
    Channel.WEB: 8,
    Channel.GRID: 8,
    Channel.OPEN311: 4,
    Channel.MAILBOX: 4,
    Channel.ENTERPRISE: 2,
    Channel.WARNING: 1,
    Channel.LEADER: 1,
}
REQUEST_TYPE_WEIGHTS: dict[str, int] = {
    RequestType.COMPLAINT: 30,
    RequestType.HELP: 25,
    RequestType.CONSULTATION: 25,
    RequestType.REPORT: 8,
    RequestType.SUGGESTION: 8,
    RequestType.PRAISE: 4,
}
# Which lifecycle path an order takes (each name is a method ``_walk_<name>``).
PATH_WEIGHTS = {
    "closed": 44,
    "open": 8,
    "received": 3,
    "direct_answer": 10,
    "verified": 2,
    "reopened": 2,
    "redispatched": 4,
    "disputed": 3,
    "extended": 4,
    "escalated": 3,
    "merged": 5,
    "shelved": 2,
    "invalid": 5,
    "transferred": 1,
}
RATING_WEIGHTS = {
    "very_satisfied": 45,
    "satisfied": 35,
    "basically_satisfied": 12,
    "dissatisfied": 6,
    "very_dissatisfied": 2,
}
# Calls by weekday (Monday first) and by hour of the day.
WEEKDAY_FACTOR = (1.15, 1.05, 1.0, 1.0, 0.95, 0.75, 0.7)
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 13, 10, 7, 9, 12, 12, 11, 9, 7, 6, 5, 4, 3, 2]
SUMMER_WORDS = ("垃圾", "积水", "停水", "水质", "供水", "油烟", "噪声", "停电", "大气")
WINTER_WORDS = ("燃气", "供暖", "取暖")


@dataclass
class GenerateStats:
    """What a run made: orders by path and by final state, and how fast."""

    created: int = 0
    by_path: Counter[str] = field(default_factory=Counter)
    by_state: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.created / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class _Subclass:
    code: str
    family: str
    name: str
    keywords: list[str]
    season: str  # "summer", "winter" or ""


class _Area:
    """Grids to draw points from, each with its prepared polygon."""

    def __init__(self, grids: list[Grid]) -> None:
        self.shapes = [shape(g.geometry) for g in grids]
        self.prepared = [prep(s) for s in self.shapes]

    def point(self, rng: random.Random) -> tuple[float, float]:
        return self.point_in(rng.randrange(len(self.shapes)), rng)

    def point_in(self, i: int, rng: random.Random) -> tuple[float, float]:
        """A random point inside the ``i``-th grid."""
        minx, miny, maxx, maxy = self.shapes[i].bounds
        for _ in range(100):
            x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            if contains_xy(self.shapes[i], x, y):
                return round(x, 6), round(y, 6)
        p = self.shapes[i].representative_point()
        return round(p.x, 6), round(p.y, 6)


def _words(keywords: str) -> list[str]:
    return [k for k in keywords.split(KEYWORD_SEPARATOR) if k]


def _season(name: str, keywords: list[str]) -> str:
    text = name + "".join(keywords)
    if any(w in text for w in WINTER_WORDS):
        return "winter"
    if any(w in text for w in SUMMER_WORDS):
        return "summer"
    return ""


def _season_factor(season: str, month: int) -> float:
    if season == "summer":
        return 1 + 0.6 * math.cos((month - 7) / 12 * 2 * math.pi)
    if season == "winter":
        return 1 + 0.6 * math.cos((month - 1) / 12 * 2 * math.pi)
    return 1.0


class _Generator:
    def __init__(self, rng: random.Random, days: int, now: datetime) -> None:
        self.rng, self.days, self.now = rng, days, now
        self.users = {
            u.username: u
            for u in User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS])
        }
        handler = self.users["dept_handler"].role_assignments.get(role=Role.DEPT_HANDLER)
        liaison = self.users["dept_liaison"].role_assignments.get(role=Role.DEPT_LIAISON)
        town = self.users["town_dispatcher"].role_assignments.get(role=Role.TOWN_DISPATCHER)
        assert handler.department and liaison.department and town.center
        self.handler_dept = handler.department.code
        self.liaison_dept = liaison.department.code
        grids = Grid.objects.filter(kind=GridKind.COMPREHENSIVE).select_related("county")
        all_grids = list(grids.order_by("code"))
        self.everywhere = _Area(all_grids)
        self.county = _Area([g for g in all_grids if g.county.code == DEMO_COUNTY_CODE])
        self.town = _Area([g for g in all_grids if g.town_id == town.center.region_id])
        parents = {c.pk: c.code for c in Category.objects.filter(parent__isnull=True)}
        subclasses = [
            _Subclass(
                c.code,
                parents.get(c.parent_id or 0, ""),
                c.name,
                _words(c.keywords),
                _season(c.name, _words(c.keywords)),
            )
            for c in Category.objects.filter(parent__isnull=False, is_active=True).order_by("code")
        ]
        self.hotline = [s for s in subclasses if s.family.startswith("H")]
        self.urban = [s for s in subclasses if not s.family.startswith("H")]
        self.open_parents: list[tuple[str, _Subclass, float, float]] = []

    # --- drawing the request ------------------------------------------------------------------

    def pick(self, weights: dict[str, int]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def subclass(self, channel: str) -> _Subclass:
        hotline_share = {"hotline": 0.7, "grid": 0.0}.get(channel, 0.5)
        pool = self.hotline if self.rng.random() < hotline_share else self.urban
        return self.rng.choice(pool)

    def received_at(self, sub: _Subclass) -> datetime:
        # Rejection sampling: uniform days, kept in proportion to season × weekday.
        while True:
            day = self.now - timedelta(days=self.rng.randrange(self.days))
            weight = _season_factor(sub.season, day.month) * WEEKDAY_FACTOR[day.weekday()]
            if self.rng.random() * 1.6 * 1.15 < weight:
                break
        hour = self.rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        at = day.replace(hour=hour, minute=self.rng.randrange(60), second=self.rng.randrange(60))
        return min(at, self.now)

    def file(self, path: str) -> tuple[WorkOrder, _Subclass]:
        rng = self.rng
        channel = self.pick(CHANNEL_WEIGHTS)
        if path == "escalated":
            channel = Channel.GRID
        sub = self.subclass(channel)
        request_type = self.pick(REQUEST_TYPE_WEIGHTS)
        if path == "direct_answer":
            request_type = RequestType.CONSULTATION
        elif request_type == RequestType.PRAISE and path != "closed":
            request_type = RequestType.SUGGESTION
        area = self.everywhere
        if path == "escalated":
            area = self.town
        elif path not in {"received", "merged", "shelved", "invalid", "transferred"}:
            area = self.everywhere if sub.family in HOUSING_FAMILIES else self.county
        lon, lat = area.point(rng)
        description, address = request_text(
            rng, family=sub.family, name=sub.name, keywords=sub.keywords, request_type=request_type
        )
        if path == "merged" and self.open_parents:
            _number, sub, lon, lat = self.open_parents[-1]
            description, address = request_text(
                rng, family=sub.family, name=sub.name, keywords=sub.keywords, request_type="help"
            )
            description = "又一次反映：" + description
        actor = self.users["grid_worker" if channel == Channel.GRID else "hotline_agent"]
        order = create_work_order(
            actor=actor,
            channel=channel,
            request_type=request_type,
            description=description,
            lon=lon,
            lat=lat,
            address=address,
            category=sub.code,
            contact_name=person_name(rng),
            contact_phone=mobile(rng),
            priority="emergency" if path == "transferred" else "normal",
            received_at=self.received_at(sub),
        )
        return order, sub

    # --- walking the lifecycle ----------------------------------------------------------------

    def act(self, order: WorkOrder, action: str, by: str, **fields: Any) -> WorkOrder:
        return perform_action(order, action, actor=self.users[by], **fields)

    def lead(self, sub: _Subclass) -> tuple[str, str]:
        """(department code, the demo account that works in it) for this subclass."""
        if sub.family in HOUSING_FAMILIES:
            return self.liaison_dept, "dept_liaison"
        return self.handler_dept, "dept_handler"

    def work(self, order: WorkOrder, unit: str, dispatcher: str = "city_dispatcher") -> WorkOrder:
        order = self.act(order, "acknowledge", unit)
        order = self.act(order, "start", unit)
        if self.rng.random() < 0.05:
            order = self.act(order, "urge", dispatcher, note="请抓紧办理，市民多次来电催问。")
        return self.act(order, "reply", unit, reply="已安排人员现场处理完毕，并与诉求人沟通。")

    def close(self, order: WorkOrder, dispatcher: str = "city_dispatcher") -> WorkOrder:
        order = self.act(order, "approve", dispatcher)
        if order.state == "verifying":
            order = self.act(order, "verify", dispatcher)
        rating = self.pick(RATING_WEIGHTS)
        # Most satisfied citizens say the problem is solved; a few are content with the answer.
        resolved = rating not in UNSATISFIED_RATINGS and self.rng.random() < 0.93
        return self.act(order, "callback", "hotline_agent", rating=rating, resolved=resolved)

    def walk(self, path: str, order: WorkOrder, sub: _Subclass) -> WorkOrder:
        dept, unit = self.lead(sub)
        other = self.liaison_dept if dept == self.handler_dept else self.handler_dept
        other_unit = "dept_liaison" if unit == "dept_handler" else "dept_handler"
        act = self.act
        if path == "received":
            return order
        if path == "direct_answer":
            return act(order, "direct_answer", "hotline_agent", reply="已电话答复诉求人相关政策。")
        if path == "invalid":
            return act(order, "invalidate", "hotline_agent", reason="来电内容与政务服务无关")
        if path == "transferred":
            line = self.rng.choice(["110", "119", "120", "122"])
            return act(order, "transfer", "hotline_agent", line=line)
        if path == "shelved":
            return act(order, "shelve", "city_dispatcher", reason="涉及历史遗留问题，纳入问题池")
        if path == "merged":
            parent = self.open_parents[-1][0] if self.open_parents else None
            if parent is None:
                return act(order, "invalidate", "hotline_agent", reason="重复来电，已告知进展")
            return act(order, "merge", "hotline_agent", parent=parent)
        if path == "verified":
            order = act(
                order, "classify", "hotline_agent", category=sub.code, needs_verification=True
            )
        if path == "escalated":
            order = act(order, "escalate", "town_dispatcher", reason="涉及多个部门，街道无法协调")
            order = act(order, "dispatch", "county_dispatcher", department=dept)
            return self.close(self.work(order, unit, "county_dispatcher"), "county_dispatcher")
        order = act(order, "dispatch", "city_dispatcher", department=dept)
        if path == "open":
            stop = self.rng.choice(["dispatched", "acknowledged", "in_progress", "replied"])
            for action in ["acknowledge", "start", "reply"]:
                if order.state == stop:
                    break
                fields = {"reply": "已处理。"} if action == "reply" else {}
                order = act(order, action, unit, **fields)
            return order
        if path in {"redispatched", "disputed"}:
            order = act(order, "return", unit, reason="该事项不属于本单位职责范围")
            if path == "redispatched":
                order = act(order, "redispatch", "city_dispatcher", department=other)
            else:
                order = act(
                    order, "dispute", "city_dispatcher", reason="职责存在争议，提请联席会议"
                )
                order = act(
                    order, "rule", "city_dispatcher", department=other, reason="联席会议裁定"
                )
            unit = other_unit
        if path == "extended":
            order = act(order, "acknowledge", unit)
            order = act(order, "start", unit)
            assert order.due_at is not None
            until = order.due_at + timedelta(days=7)
            order = act(order, "request_extension", unit, until=until, reason="需协调多个单位")
            if self.rng.random() < 0.7:
                order = act(order, "grant_extension", "city_dispatcher")
            else:
                order = act(order, "deny_extension", "city_dispatcher", reason="时限内可以办结")
            order = act(order, "reply", unit, reply="已协调相关单位处理完毕。")
            return self.close(order)
        return self.close(self.work(order, unit))

    def walk_reopened(self, order: WorkOrder, sub: _Subclass) -> WorkOrder:
        dept, unit = self.lead(sub)
        order = self.act(order, "dispatch", "city_dispatcher", department=dept)
        order = self.act(self.work(order, unit), "approve", "city_dispatcher")
        order = self.act(
            order,
            "reopen",
            "hotline_agent",
            rating="dissatisfied",
            reason="问题未解决，诉求人不满意",
        )
        return self.close(self.work(order, unit))

    def one(self, stats: GenerateStats) -> None:
        # The first orders of a run take every path once, so even a small sample shows them all.
        paths = list(PATH_WEIGHTS)
        path = paths[stats.created] if stats.created < len(paths) else self.pick(PATH_WEIGHTS)
        if path == "merged" and not self.open_parents:
            path = "received"
        order, sub = self.file(path)
        if order.state != "received":
            # The catalogue dispatches this category directly (直派) to a unit the demo
            # accounts do not work in: it stays with that unit.
            path = "direct_dispatch"
        if path == "reopened":
            order = self.walk_reopened(order, sub)
        elif path != "direct_dispatch":
            order = self.walk(path, order, sub)
        if order.state not in FINAL_STATES and path in {"received", "open"}:
            self.open_parents = [(order.number, sub, order.lon or 0.0, order.lat or 0.0)]
        stats.by_path[path] += 1
        stats.by_state[order.state] += 1
        stats.created += 1


def generate_work_orders(
    *,
    count: int,
    seed: int = 2026,
    days: int = 365,
    progress: ProgressCallback | None = None,
    now: datetime | None = None,
) -> GenerateStats:
    """Create ``count`` demo work orders received over the past ``days`` in the loaded demo
    city, each walked along one lifecycle path through the services; ``seed`` makes the mix
    repeatable. Commits every 500 orders, so an interrupted run keeps what it made."""
    report: Callable[[str, int, int], None] = progress or (lambda stage, done, total: None)
    stats = GenerateStats()
    started = time.perf_counter()
    generator = _Generator(random.Random(seed), days, now or timezone.localtime())
    report("Work orders", 0, count)
    while stats.created < count:
        with transaction.atomic():
            for _ in range(min(BATCH, count - stats.created)):
                generator.one(stats)
        report("Work orders", stats.created, count)
    stats.seconds = time.perf_counter() - started
    return stats
