"""The bulk demo generator (``yiwang demo workorders --full``): a year of orders with back-dated,
consistent lifecycles, numbered from the real daily sequences, visible to the demo accounts."""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from yiwang.core.audit import verify_chain
from yiwang.core.models import AuditRecord
from yiwang.demo.bulk import generate_bulk
from yiwang.demo.services import load_demo
from yiwang.geo.locator import reset_locator
from yiwang.workorders.choices import FINAL_STATES, State
from yiwang.workorders.kpis import compute_kpis
from yiwang.workorders.models import WorkOrder, WorkOrderEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def city() -> None:
    load_demo(scale="small")
    reset_locator()


def test_a_bulk_year_has_consistent_back_dated_lifecycles(city: None) -> None:
    now = timezone.now()
    stats = generate_bulk(count=400, seed=11)
    assert stats.created == 400 == WorkOrder.objects.count()
    states = Counter(WorkOrder.objects.values_list("state", flat=True))
    assert states[State.CLOSED] > 200 and states[State.INVALID] > 0
    # Numbers are unique and carry the local day the order was received.
    for order in WorkOrder.objects.all()[:100]:
        assert order.number[2:10] == f"{timezone.localtime(order.received_at):%Y%m%d}"
    assert WorkOrder.objects.filter(received_at__lt=now - timedelta(days=300)).exists()
    # Every timeline starts with the intake, runs forward in time and ends in the order's state.
    for order in WorkOrder.objects.filter(state__in=[State.CLOSED, State.IN_PROGRESS])[:50]:
        events = list(order.events.order_by("created_at", "id"))
        assert events[0].kind == "received"
        times = [e.created_at for e in events]
        assert times == sorted(times) and times[-1] <= timezone.now()
        moved = [e for e in events if e.to_state]
        assert moved[-1].to_state == order.state
        if order.state == State.CLOSED and order.dispatched_at is not None:
            assert order.rating and order.due_at and order.due_at > order.dispatched_at
            assert order.lead_department_id is not None
    assert not WorkOrder.objects.exclude(state__in=FINAL_STATES).filter(closed_at__isnull=False)
    assert WorkOrderEvent.objects.count() > 4 * 400
    # The KPIs have units to rank, and the audit log says what was generated.
    rows = compute_kpis(
        WorkOrder.objects.all(), group_by="department", start=now - timedelta(days=366), end=now
    )
    assert len(rows) > 5 and sum(r.orders for r in rows) > 300
    assert AuditRecord.objects.filter(action="demo.workorders_generated").exists()
    assert verify_chain().ok


def test_the_command_runs_the_bulk_generator_with_full(city: None) -> None:
    out = StringIO()
    call_command("demo", "workorders", "--full", "--count", "30", stdout=out)
    assert WorkOrder.objects.count() == 30
    assert "Created 30 work orders" in out.getvalue()
