"""Nantong's yearly volume of demo work orders (``yiwang demo workorders --full``), written in
bulk with realistic, back-dated lifecycles.

``demo/workorders.py`` files every order through the services and walks it as the demo
accounts: faithful, and about 15 orders a second. A year of Nantong (≈ 2 million requests) that
way would take days, so this generator writes the same kind of rows directly, in chunks of
``CHUNK`` orders per transaction:

- the request as the slow generator draws it (channel and request-type mix, category, Chinese
  text, a point in a real grid, seasonal and weekday patterns), numbered from the real daily
  sequences;
- routed by the real dispatch catalogue to the unit of its category and county (all units of
  the city, not only the demo accounts');
- walked along a path — closed with a 好差评 rating, answered directly, invalid, transferred,
  shelved, returned and re-dispatched, extended, urged, reopened — with back-dated times drawn
  from typical handling times and deadlines from the working-day calendar; a step that would
  fall after now is not taken, so recent orders are still open at their stage;
- each step a timeline event (the intake's with the filing account, the rest by the system).

What it does not write: an audit record per order (these rows were not made by anybody; each
chunk writes one ``demo.workorders_generated`` record naming its number range), whistles,
attachments and merges.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from yiwang.core.audit import record_audit
from yiwang.core.errors import ValidationFailed
from yiwang.core.progress import ProgressCallback
from yiwang.demo.request_texts import mobile, person_name, request_text
from yiwang.demo.workorders import (
    CHANNEL_WEIGHTS,
    RATING_WEIGHTS,
    REQUEST_TYPE_WEIGHTS,
    GenerateStats,
    _Generator,
    _Subclass,
)
from yiwang.geo.choices import GridKind
from yiwang.geo.models import Grid
from yiwang.org.models import Department
from yiwang.workorders import deadlines, routing
from yiwang.workorders.choices import (
    UNSATISFIED_RATINGS,
    Channel,
    EventKind,
    RequestType,
    State,
)
from yiwang.workorders.models import Category, WorkOrder, WorkOrderEvent
from yiwang.workorders.numbering import next_numbers

CHUNK = 5000
NANTONG_YEARLY = 2_000_000
PATHS = {
    "closed": 58,
    "urged": 6,
    "direct_answer": 10,
    "invalid": 5,
    "transferred": 1,
    "shelved": 2,
    "redispatched": 5,
    "extended": 5,
    "reopened": 3,
    "received": 1,
    "late": 4,
}
REPLY = "已安排人员现场处理完毕，并与诉求人沟通。"


class _Walk:
    """One order's steps: (time, event kind, from state, to state, data) and the row's fields."""

    def __init__(self, received: datetime, now: datetime) -> None:
        self.at, self.now = received, now
        self.state: str = State.RECEIVED
        self.events: list[tuple[datetime, str, str, str, dict[str, Any]]] = []
        self.fields: dict[str, Any] = {}
        self.stopped = False

    def step(self, after: timedelta, kind: str, to: str | None, **data: Any) -> bool:
        """Take the step ``after`` the previous one, unless that is still in the future."""
        if self.stopped:
            return False
        at = self.at + after
        if at > self.now:
            self.stopped = True
            return False
        self.events.append((at, kind, self.state, to or "", data))
        self.at = at
        if to is not None:
            self.state = to
        return True


class _Bulk(_Generator):
    def __init__(self, rng: random.Random, days: int, now: datetime) -> None:
        super().__init__(rng, days, now)
        grids = list(
            Grid.objects.filter(kind=GridKind.COMPREHENSIVE)
            .order_by("code")
            .values_list("pk", "town_id", "county_id")
        )
        self.grid_places = grids
        self.categories = {
            c.code: c for c in Category.objects.filter(parent__isnull=False, is_active=True)
        }
        self.routes: dict[tuple[str, int | None], tuple[int, int] | None] = {}
        self.department_names = {
            pk: (code, name)
            for pk, code, name in Department.objects.values_list("pk", "code", "name")
        }
        self.users_by_channel = {
            True: self.users["grid_worker"].pk,
            False: self.users["hotline_agent"].pk,
        }

    def event_data(self, data: dict[str, Any]) -> dict[str, Any]:
        """Timeline data as the services write it: units by code and name."""
        department = data.get("department")
        if department is None:
            return data
        code, name = self.department_names[department]
        return {**data, "department": code, "department_name": name}

    def route(self, code: str, county_id: int | None) -> tuple[int, int] | None:
        """(department id, another department id) for the category in the county, cached."""
        key = (code, county_id)
        if key not in self.routes:
            try:
                decision = routing.route(
                    self.categories[code], county=routing.area(county_id), town=None
                )
                other = routing.route(self.categories[code], county=None, town=None)
                self.routes[key] = (decision.department.pk, other.department.pk)
            except ValidationFailed:  # no rule and no default unit: it stays at the center
                self.routes[key] = None
        return self.routes[key]

    def order(self) -> tuple[WorkOrder, _Walk, str]:
        rng = self.rng
        channel = self.pick(CHANNEL_WEIGHTS)
        sub: _Subclass = self.subclass(channel)
        path = self.pick(PATHS)
        request_type = self.pick(REQUEST_TYPE_WEIGHTS)
        if path == "direct_answer":
            request_type = RequestType.CONSULTATION
        index = rng.randrange(len(self.grid_places))
        grid_id, town_id, county_id = self.grid_places[index]
        lon, lat = self.everywhere.point_in(index, rng)
        description, address = request_text(
            rng, family=sub.family, name=sub.name, keywords=sub.keywords, request_type=request_type
        )
        received = self.received_at(sub)
        town, county = routing.area(town_id), routing.area(county_id)
        center = routing.center_of(town if channel == Channel.GRID else None) or routing.center_of(
            None
        )
        assert center is not None
        place = town or county
        category = self.categories[sub.code]
        order = WorkOrder(
            number="",
            channel=channel,
            request_type=request_type,
            category=category,
            title=description.splitlines()[0][:40],
            description=description,
            lon=lon,
            lat=lat,
            address=address,
            grid_id=grid_id,
            town=town,
            county=county,
            region_path=place.path if place is not None else center.region.path,
            contact_name=person_name(rng),
            contact_phone=mobile(rng),
            priority="emergency" if path == "transferred" else "normal",
            state=State.RECEIVED,
            tier=center.tier,
            center=center,
            created_by_id=self.users_by_channel[channel == Channel.GRID],
            received_at=received,
        )
        walk = _Walk(received, self.now)
        self.steps(order, walk, path, self.route(sub.code, county_id))
        order.state = walk.state
        for name, value in walk.fields.items():
            setattr(order, name, value)
        order.version = 1 + len(walk.events)  # every action bumps it, as in the services
        return order, walk, path

    def steps(
        self, order: WorkOrder, walk: _Walk, path: str, route: tuple[int, int] | None
    ) -> None:
        rng, f = self.rng, walk.fields
        hours = lambda a, b: timedelta(hours=rng.uniform(a, b))  # noqa: E731
        if path == "direct_answer":
            if walk.step(hours(0.05, 2), EventKind.DIRECT_ANSWERED, State.CLOSED):
                f.update(reply="已电话答复诉求人相关政策。", closed_at=walk.at, replied_at=walk.at)
            return
        if path in ("invalid", "transferred", "shelved"):
            kind, state = {
                "invalid": (EventKind.INVALIDATED, State.INVALID),
                "transferred": (EventKind.TRANSFERRED, State.TRANSFERRED),
                "shelved": (EventKind.SHELVED, State.SHELVED),
            }[path]
            walk.step(hours(0.05, 8), kind, state)
            return
        if path == "received" or route is None:
            return
        lead, other = route
        amount, unit = deadlines.time_limit(order)

        def dispatch(to: int, kind: str = EventKind.DISPATCHED, from_now: float = 1) -> bool:
            if not walk.step(hours(0.1, 4 * from_now), kind, State.DISPATCHED, department=to):
                return False
            due = deadlines.due_after(walk.at, Decimal(amount), unit)
            f.update(
                lead_department_id=to,
                dispatched_at=walk.at,
                acknowledged_at=None,
                time_limit=amount,
                time_limit_unit=unit,
                due_at=due,
            )
            return True

        if not dispatch(lead):
            return
        if path == "redispatched":
            if not walk.step(hours(1, 20), EventKind.ACKNOWLEDGED, State.ACKNOWLEDGED):
                return
            if not walk.step(hours(1, 10), EventKind.RETURNED, State.RETURNED):
                return
            f["return_count"] = 1
            if not dispatch(other, EventKind.REDISPATCHED):
                return
        if not walk.step(hours(0.2, 24), EventKind.ACKNOWLEDGED, State.ACKNOWLEDGED):
            return
        f["acknowledged_at"] = walk.at
        if not walk.step(hours(0.2, 6), EventKind.STARTED, State.IN_PROGRESS):
            return
        span = (f["due_at"] - walk.at).total_seconds() / 3600
        if path == "urged":
            if not walk.step(hours(span * 0.5, span * 0.9), EventKind.URGED, None):
                return
            f["urge_count"] = 1
        if path == "extended":
            until = f["due_at"] + timedelta(days=7)
            if not walk.step(hours(1, span * 0.5), EventKind.EXTENSION_REQUESTED, None):
                return
            f.update(extension_requested_until=until, extension_pending=True, extension_count=1)
            if not walk.step(hours(1, 20), EventKind.EXTENSION_GRANTED, None):
                return
            f.update(extension_granted_until=until, extension_pending=False, due_at=until)
            span += 24 * 7
        late = path == "late"
        work = hours(span * 1.05, span * 1.6) if late else hours(1, max(2.0, span * 0.8))
        if not walk.step(work, EventKind.REPLIED, State.REPLIED):
            return
        f.update(replied_at=walk.at, reply=REPLY)
        if not walk.step(hours(0.5, 20), EventKind.APPROVED, State.CALLBACK):
            return
        rating = self.pick(RATING_WEIGHTS)
        if path == "reopened":
            if not walk.step(hours(1, 30), EventKind.REOPENED, State.DISPATCHED):
                return
            f.update(reopen_count=1, rating="dissatisfied", replied_at=None)
            if not dispatch(lead, EventKind.REOPENED, from_now=0.01):
                return
            walk.events.pop()  # the reopening is the dispatch
            if not walk.step(hours(1, 20), EventKind.ACKNOWLEDGED, State.ACKNOWLEDGED):
                return
            f["acknowledged_at"] = walk.at
            if not walk.step(hours(4, 72), EventKind.REPLIED, State.REPLIED):
                return
            f.update(replied_at=walk.at)
            if not walk.step(hours(0.5, 20), EventKind.APPROVED, State.CALLBACK):
                return
            rating = self.rng.choice(["satisfied", "basically_satisfied"])
        if walk.step(hours(1, 48), EventKind.CALLED_BACK, State.CLOSED, rating=rating):
            resolved = rating not in UNSATISFIED_RATINGS and rng.random() < 0.93
            f.update(rating=rating, closed_at=walk.at, resolved=resolved)


def generate_bulk(
    *,
    count: int = NANTONG_YEARLY,
    seed: int = 2026,
    days: int = 365,
    progress: ProgressCallback | None = None,
    now: datetime | None = None,
) -> GenerateStats:
    """Write ``count`` demo work orders with their timelines in chunks of ``CHUNK`` (each one
    transaction, so an interrupted run keeps whole chunks)."""
    report: Callable[[str, int, int], None] = progress or (lambda stage, done, total: None)
    stats = GenerateStats()
    started = time.perf_counter()
    bulk = _Bulk(random.Random(seed), days, now or timezone.localtime())
    report("Work orders", 0, count)
    while stats.created < count:
        size = min(CHUNK, count - stats.created)
        with transaction.atomic():
            made = [bulk.order() for _ in range(size)]
            by_day: dict[tuple[Any, str], list[WorkOrder]] = defaultdict(list)
            for order, _walk, _path in made:
                by_day[(timezone.localdate(order.received_at), order.channel)].append(order)
            for (_day, channel), orders in by_day.items():
                numbers = next_numbers(channel, len(orders), at=orders[0].received_at)
                for order, number in zip(orders, numbers, strict=True):
                    order.number = number
            WorkOrder.objects.bulk_create([m[0] for m in made], batch_size=1000)
            events = []
            for order, walk, path in made:
                events.append(
                    WorkOrderEvent(
                        order=order,
                        kind=EventKind.RECEIVED,
                        actor_id=order.created_by_id,
                        to_state=State.RECEIVED,
                        data={"channel": order.channel, "center": order.center.name},
                        created_at=order.received_at,
                    )
                )
                for at, kind, from_state, to_state, data in walk.events:
                    events.append(
                        WorkOrderEvent(
                            order=order,
                            kind=kind,
                            from_state=from_state,
                            to_state=to_state,
                            data=bulk.event_data(data),
                            created_at=at,
                        )
                    )
                stats.by_path[path] += 1
                stats.by_state[order.state] += 1
            WorkOrderEvent.objects.bulk_create(events, batch_size=2000)
            numbers = sorted(m[0].number for m in made)
            record_audit(
                "demo.workorders_generated",
                actor=None,
                object_type="workorders.workorder",
                after={"count": size, "first": numbers[0], "last": numbers[-1], "seed": seed},
            )
        stats.created += size
        report("Work orders", stats.created, count)
    stats.seconds = time.perf_counter() - started
    return stats
