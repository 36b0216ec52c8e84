"""The small demo city, and orders filed through the real intake service at chosen times."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.workorders.factories import City, load_city
from yiwang.workorders.models import WorkOrder
from yiwang.workorders.services import create_work_order


@pytest.fixture(autouse=True)
def _reports_by_the_worker(settings: Any) -> Iterator[None]:
    """Reports go through the Huey task, run in the test's own process and transaction (a
    thread could not see the test's uncommitted data); the browser test covers the thread."""
    from huey.contrib.djhuey import HUEY

    settings.OPINION_REPORT_RUNNER = "worker"
    was = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = was


@pytest.fixture
def city(db: Any) -> City:
    return load_city()


def at(days_ago: int, hour: int = 10) -> datetime:
    """A moment ``days_ago`` days before today, at ``hour`` o'clock (never in the future)."""
    day = timezone.localdate() - timedelta(days=days_ago)
    moment = timezone.make_aware(datetime.combine(day, time(hour)))
    return min(moment, timezone.now() - timedelta(minutes=1))


def file_orders(
    city: City,
    count: int,
    *,
    days_ago: int = 0,
    description: str = "小区门口路灯不亮，晚上出行不便。",
    point: tuple[float, float] | None = None,
    request_type: str = "consultation",
    **fields: Any,
) -> list[WorkOrder]:
    lon, lat = point or city.point
    return [
        create_work_order(
            actor=city["hotline_agent"],
            channel="hotline",
            request_type=request_type,
            description=description,
            lon=lon,
            lat=lat,
            contact_name="张三",
            contact_phone="13812345678",
            received_at=at(days_ago, hour=8 + i % 10),
            **fields,
        )
        for i in range(count)
    ]


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def dispatcher_elsewhere(city: City) -> Any:
    """A county dispatcher of the county around ``city.other_county_point`` (not 崇川区)."""
    from tests.conftest import DEMO_TEST_PASSWORD
    from yiwang.accounts.services import create_user
    from yiwang.org.choices import Role
    from yiwang.org.models import CommandCenter
    from yiwang.org.services import assign_role

    (probe,) = file_orders(city, 1, days_ago=400, point=city.other_county_point)
    user = create_user(actor=None, username="far_dispatcher", password=DEMO_TEST_PASSWORD)
    center = CommandCenter.objects.get(region=probe.county)
    assign_role(user, Role.COUNTY_DISPATCHER, actor=None, center=center)
    return user
