"""Demo work orders: made through the services, every lifecycle path, repeatable for a seed."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from yiwang.accounts.models import User
from yiwang.core.audit import verify_chain
from yiwang.demo.services import load_demo
from yiwang.demo.workorders import generate_work_orders
from yiwang.geo.locator import reset_locator
from yiwang.workorders.models import WorkOrder, WorkOrderEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def city() -> None:
    load_demo(scale="small")
    reset_locator()


def test_sixty_orders_cover_the_lifecycle_and_stay_visible(city: None) -> None:
    stats = generate_work_orders(count=60, seed=7)

    assert stats.created == 60 == WorkOrder.objects.count()
    states = Counter(WorkOrder.objects.values_list("state", flat=True))
    for state in ["closed", "merged", "shelved", "invalid"]:
        assert states[state] >= 1, states
    assert (
        states["returned"]
        + states["disputed"]
        + WorkOrderEvent.objects.filter(kind__in=["returned", "disputed"]).count()
        >= 1
    )
    assert WorkOrder.objects.filter(state="closed").exclude(rating="").exists()
    assert WorkOrder.objects.exclude(parent=None).filter(state="merged").exists()
    dispatcher = User.objects.get(username="city_dispatcher")
    assert WorkOrder.objects.visible_to(dispatcher).count() == 60
    assert verify_chain().ok


def test_orders_are_back_dated_over_the_year(city: None) -> None:
    generate_work_orders(count=40, seed=7, days=365)

    days = {at.date() for at in WorkOrder.objects.values_list("received_at", flat=True)}
    assert len(days) > 20


def test_the_same_seed_gives_the_same_orders(city: None) -> None:
    first = generate_work_orders(count=30, seed=11)
    second = generate_work_orders(count=30, seed=11)

    assert first.by_path == second.by_path
    assert first.by_state == second.by_state
    texts = list(WorkOrder.objects.order_by("pk").values_list("description", flat=True))
    assert texts[:30] == texts[30:]


def test_the_command_generates_and_reports(city: None) -> None:
    out = StringIO()
    call_command("demo", "workorders", "--count", "5", "--seed", "3", stdout=out)

    assert WorkOrder.objects.count() == 5
    assert "Created 5 work orders" in out.getvalue()


def test_the_demo_city_can_come_with_orders_in_one_command() -> None:
    out = StringIO()
    call_command("demo", "load", "--scale", "small", "--orders", "6", stdout=out)

    # The six sample orders, and besides them only the grid app's demo reports.
    assert WorkOrder.objects.filter(grid_report__isnull=True).count() == 6
    assert "Created 6 work orders" in out.getvalue()
    # Every app's demo data came with it, each reporting a line.
    for line in ("12345:", "Knowledge base:", "Routing model", "opinion:", "grid:", "exchange"):
        assert line in out.getvalue(), line
    assert verify_chain().ok
