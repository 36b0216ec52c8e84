"""Supervised orders (督办) reach the leaders' urgent feed by their own right."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.workorders.factories import City, load_city, order_in, step
from yiwang.cockpit.situation import urgent_condition, urgent_reasons
from yiwang.workorders.choices import State
from yiwang.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db


def test_a_supervised_order_is_in_the_feed_with_its_reason() -> None:
    city: City = load_city()
    order = order_in(city, State.IN_PROGRESS)
    now = timezone.now()
    assert not WorkOrder.objects.filter(urgent_condition(now), pk=order.pk).exists()
    order = step(city, order, "supervise", "city_dispatcher", note="限期三日内办结")
    assert order.supervise_count == 1
    assert WorkOrder.objects.filter(urgent_condition(now), pk=order.pk).exists()
    assert any("督办" in str(reason) for reason in urgent_reasons(order, now))
