"""Duplicates (重复件): same category, near in place and time, similar text; shown with a score,
scoped like every read, merged by hand and counted toward the repeat-request rate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client, override_settings
from django.utils import timezone

from tests.workorders.factories import TEST_CATEGORY, City, load_city, new_order, order_in, step
from yiwang.workorders.choices import State
from yiwang.workorders.duplicates import (
    METRES_PER_DEGREE,
    find_duplicates,
    haversine_m,
    normalise,
    text_similarity,
)
from yiwang.workorders.kpis import compute_kpis
from yiwang.workorders.models import Category, WorkOrder

pytestmark = pytest.mark.django_db

LAMP = "小区门口路灯不亮，晚上出行不便。"
LAMP_AGAIN = "小区门口的路灯不亮了，晚上走路很不方便！"
NOISE = "楼上邻居装修噪音太大，周末一早就开始施工。"


@pytest.fixture
def city() -> City:
    return load_city()


def _north(city: City, metres: float) -> tuple[float, float]:
    lon, lat = city.point
    return lon, lat + metres / METRES_PER_DEGREE


def _filed(city: City, text: str = LAMP, metres: float = 0, **fields: Any) -> WorkOrder:
    lon, lat = _north(city, metres)
    values = {"category": TEST_CATEGORY, "description": text, "lon": lon, "lat": lat, **fields}
    return new_order(city, **values)


def _search(city: City, text: str = LAMP, **kwargs: Any) -> list[Any]:
    lon, lat = city.point
    return find_duplicates(category=city.category, lon=lon, lat=lat, text=text, **kwargs)


def test_text_similarity_on_normalised_chinese() -> None:
    assert normalise("小区 门口，路灯ＡＢ！") == "小区门口路灯ab"
    assert text_similarity(LAMP, "小区门口路灯不亮 晚上出行不便") == 1.0
    assert text_similarity(LAMP, LAMP_AGAIN) == pytest.approx(0.6352, abs=1e-4)
    assert text_similarity(LAMP, NOISE) == pytest.approx(0.0286, abs=1e-4)
    assert text_similarity(LAMP, "") == 0.0
    assert haversine_m(120.0, 32.0, 120.0, 32.0 + 100 / METRES_PER_DEGREE) == pytest.approx(100)


def test_near_identical_request_nearby_is_found_with_its_score(
    city: City, django_assert_num_queries: Any
) -> None:
    first = _filed(city, LAMP_AGAIN, metres=100)
    with django_assert_num_queries(1):
        (found,) = _search(city)
    assert found.number == first.number and found.state == State.RECEIVED
    assert found.distance_m == 100.0 and found.days_apart == 0.0
    assert found.text_similarity == pytest.approx(0.6352, abs=1e-4)
    # 0.6352 × (1 − 0.3 · 100/300 − 0.2 · 0/7)
    assert found.score == pytest.approx(0.5717, abs=1e-4)

    # The very same text ranks first; the order itself is left out when asked.
    same = _filed(city, LAMP, metres=100)
    ranked = _search(city)
    assert [c.number for c in ranked] == [same.number, first.number]
    assert ranked[0].text_similarity == 1.0 and ranked[0].score == pytest.approx(0.9, abs=1e-4)
    assert [c.number for c in _search(city, exclude=[same.number])] == [first.number]
    assert len(_search(city, limit=1)) == 1


def test_far_other_category_old_closed_and_unrelated_are_not_found(city: City) -> None:
    _filed(city, LAMP, metres=2000)
    other = Category.objects.exclude(code=TEST_CATEGORY).filter(is_active=True).first()
    assert other is not None
    _filed(city, LAMP, category=other.code)
    noise = _filed(city, NOISE, metres=50)
    for state in (State.CLOSED, State.INVALID, State.TRANSFERRED):
        order_in(city, state, category=TEST_CATEGORY, description=LAMP)
    assert _search(city) == []

    # The unrelated text next door is a candidate only below the minimum score.
    with override_settings(DUPLICATE_MIN_SCORE=0):
        (low,) = _search(city)
    assert low.number == noise.number and low.score < 0.03

    # Time: six days later the order is still within the seven-day window; eight days is not.
    recent = _filed(city, LAMP)
    later = _search(city, received_at=timezone.now() + timedelta(days=6))
    assert [c.number for c in later] == [recent.number]
    assert later[0].days_apart == pytest.approx(6.0, abs=0.01)
    assert later[0].score == pytest.approx(1 - 0.2 * 6 / 7, abs=1e-3)
    assert _search(city, received_at=timezone.now() + timedelta(days=8)) == []
    # A wider radius setting reaches the order 2 km away.
    with override_settings(DUPLICATE_RADIUS_M=2500):
        assert len(_search(city)) == 2


def _client(city: City, username: str) -> Client:
    client = Client()
    client.force_login(city[username])
    return client


def test_api_lists_candidates_in_scope_and_intake_shows_them(
    city: City, django_assert_num_queries: Any
) -> None:
    first = _filed(city, LAMP, metres=100)
    agent = _client(city, "hotline_agent")
    lon, lat = city.point
    body = {
        "description": LAMP_AGAIN,
        "request_type": "help",
        "channel": "hotline",
        "category": TEST_CATEGORY,
        "lon": lon,
        "lat": lat,
        "contact_name": "张三丰",
        "contact_phone": "13812345678",
    }
    created = agent.post("/api/v1/workorders", body, content_type="application/json")
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    assert created.json()["possible_duplicates"] == [{"number": first.number, "score": 0.5717}]

    with django_assert_num_queries(7):  # session, the order, all candidates in one (scope cached)
        listed = agent.get(f"/api/v1/workorders/{number}/duplicates")
    assert listed.status_code == 200, listed.content
    assert listed.json() == [
        {
            "number": first.number,
            "score": 0.5717,
            "distance_m": 100.0,
            "days_apart": 0.0,
            "text_similarity": 0.6352,
            "state": "received",
        }
    ]
    # Both ways round: the earlier order sees the later one.
    back = agent.get(f"/api/v1/workorders/{first.number}/duplicates").json()
    assert [c["number"] for c in back] == [number]

    # Out of scope is the same 404 as missing; candidates pass through the same scope.
    far_lon, far_lat = city.other_county_point
    far = new_order(city, by="hotline_agent", channel="hotline", lon=far_lon, lat=far_lat)
    worker = _client(city, "grid_worker")
    assert worker.get(f"/api/v1/workorders/{far.number}/duplicates").status_code == 404
    assert worker.get("/api/v1/workorders/XX0000/duplicates").status_code == 404
    step(city, first, "dispatch", "town_dispatcher", department=city.department.code)
    handler = _client(city, "dept_handler")  # sees only what its department leads
    assert handler.get(f"/api/v1/workorders/{first.number}/duplicates").json() == []
    assert handler.get(f"/api/v1/workorders/{number}/duplicates").status_code == 404


def test_merge_links_the_child_and_counts_as_a_repeat(city: City) -> None:
    parent = _filed(city, LAMP)
    child = _filed(city, LAMP_AGAIN, metres=100)
    (candidate,) = _search(city, text=child.description, exclude=[child.number])
    assert candidate.number == parent.number

    merged = step(city, child, "merge", "hotline_agent", parent=candidate.number)
    assert merged.state == State.MERGED and merged.parent == parent
    detail = _client(city, "hotline_agent").get(f"/api/v1/workorders/{child.number}").json()
    assert detail["parent"] == parent.number
    # A merged child is no longer offered as a duplicate.
    assert [c.number for c in _search(city)] == [parent.number]

    now = timezone.now()
    rows = compute_kpis(
        WorkOrder.objects.all(),
        group_by="county",
        start=now - timedelta(days=1),
        end=now + timedelta(days=1),
    )
    assert parent.county is not None
    (row,) = [r for r in rows if r.code == parent.county.code]
    assert row.orders == 2 and row.repeats == 1 and row.repeat_rate == 0.5
