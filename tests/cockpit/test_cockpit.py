"""The big screen: who may open it, its figures, the cache, the urgent feed and acknowledging."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.cockpit.conftest import client_for
from tests.workorders.factories import City, new_order
from yiwang.cockpit.models import UrgentAcknowledgement
from yiwang.cockpit.services import acknowledge_urgent_item
from yiwang.core.errors import Conflict, NotFound, PermissionDenied
from yiwang.core.models import AuditRecord

pytestmark = pytest.mark.django_db

HOME = "/cockpit/"
DATA = "/cockpit/data.json"


def _data(client: Client) -> dict[str, Any]:
    response = client.get(DATA)
    assert response.status_code == 200
    return json.loads(response.content)


def test_leader_opens_the_dark_big_screen(city: City) -> None:
    response = client_for(city, "leader").get(HOME)
    assert response.status_code == 200
    page = response.content.decode()
    assert "领导驾驶舱" in page
    assert 'class="ck-screen"' in page
    assert 'data-data-url="/cockpit/data.json"' in page
    assert "返回" in page  # a way back to the ordinary pages


@pytest.mark.parametrize(
    "username", ["county_dispatcher", "town_dispatcher", "dept_handler", "citizen"]
)
def test_others_may_not_open_the_cockpit(city: City, username: str) -> None:
    client = client_for(city, username)
    assert client.get(HOME).status_code == 403
    assert client.get(DATA).status_code == 403


def test_figures_count_the_orders_in_scope(city: City, orders: dict[str, Any]) -> None:
    data = _data(client_for(city, "leader"))
    headline = data["headline"]
    assert headline["orders_today"] == 6
    assert headline["overdue"] == 0
    assert headline["satisfaction_rate"] == 50.0
    county = orders["closed"].county.code
    far = orders["far"].county.code
    assert data["by_county"][county]["today"] >= 4
    assert data["by_county"][far]["today"] == 2
    assert sum(data["by_town"].values()) == headline["orders_today"]
    assert len(data["points"]) == headline["orders_today"]
    assert {c["name"] for c in data["top_categories"]} <= {"测试小类"} | {
        o.category.name for o in orders.values() if o.category
    }


def test_urgent_feed_and_acknowledgement(city: City, orders: dict[str, Any]) -> None:
    client = client_for(city, "leader")
    feed = _data(client)["feed"]
    assert [item["number"] for item in feed] == [orders["far"].number]
    item = feed[0]
    assert item["reasons"] == ["紧急"] and item["acknowledged"] is False

    response = client.post(item["acknowledge_url"], HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and json.loads(response.content)["acknowledged"] is True
    ack = UrgentAcknowledgement.objects.get()
    assert ack.order == orders["far"] and ack.user == city["leader"]
    audit = AuditRecord.objects.filter(action="cockpit.acknowledged").get()
    assert audit.actor_id == city["leader"].pk
    assert audit.after == {"order": orders["far"].number, "reasons": ["紧急"], "note": ""}
    # The next refresh shows it acknowledged, although the figures come from the cache.
    assert _data(client)["feed"][0]["acknowledged"] is True
    # Again: nothing new is written.
    assert client.post(item["acknowledge_url"]).status_code == 302
    assert UrgentAcknowledgement.objects.count() == 1
    assert AuditRecord.objects.filter(action="cockpit.acknowledged").count() == 1


def test_acknowledging_is_guarded(city: City, orders: dict[str, Any]) -> None:
    urgent = orders["far"].number
    with pytest.raises(PermissionDenied):
        acknowledge_urgent_item(urgent, actor=city["hotline_agent"])
    with pytest.raises(Conflict):  # not urgent
        acknowledge_urgent_item(orders["far_normal"].number, actor=city["leader"])
    with pytest.raises(NotFound):
        acknowledge_urgent_item("RX20990101000001", actor=city["leader"])
    # Crafting the URL as another role is refused, and leaves no trace.
    for username in ("county_dispatcher", "dept_handler", "citizen"):
        response = client_for(city, username).post(f"/cockpit/urgent/{urgent}/acknowledge/")
        assert response.status_code == 403
    assert (
        client_for(city, "leader").get(f"/cockpit/urgent/{urgent}/acknowledge/").status_code == 405
    )
    assert not UrgentAcknowledgement.objects.exists()


def test_county_leader_sees_only_their_county(city: City, orders: dict[str, Any]) -> None:
    from yiwang.accounts.services import create_user
    from yiwang.org.services import assign_role

    county = orders["closed"].county
    user = create_user(actor=None, username="county_leader", password="Test-Passw0rd!")
    assign_role(user, "leader", actor=None, region=county)
    client = Client()
    client.force_login(user)
    data = _data(client)
    assert set(data["by_county"]) == {county.code}
    assert data["feed"] == []  # the urgent order is in the other county
    response = client.post(
        f"/cockpit/urgent/{orders['far'].number}/acknowledge/", HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 404


def test_second_refresh_within_the_ttl_reads_the_cache(
    city: City, orders: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(city, "city_dispatcher")
    with django_assert_max_num_queries(20), CaptureQueriesContext(connection) as cold:
        assert _data(client)["cached"] is False
    with CaptureQueriesContext(connection) as warm:
        data = _data(client)
    assert data["cached"] is True

    def figures(queries: Any) -> list[str]:
        """The queries of the figures themselves: not the session's, the user's or roles'."""
        plumbing = ("django_session", "accounts_user", "org_roleassignment", "SAVEPOINT")
        return [
            q["sql"] for q in queries.captured_queries if not any(p in q["sql"] for p in plumbing)
        ]

    assert len(figures(cold)) >= 8
    # Warm: only this user's acknowledgements of the feed's items are read.
    assert len(figures(warm)) == 1 and "cockpit_urgentacknowledgement" in figures(warm)[0]
    # Another city-wide viewer shares the same entry.
    assert _data(client_for(city, "leader"))["cached"] is True
    # A new order does not show until the entry expires (the documented trade-off).
    new_order(city)
    assert _data(client)["headline"]["orders_today"] == data["headline"]["orders_today"]


def test_town_grids_for_the_drill_down(city: City, orders: dict[str, Any]) -> None:
    town = orders["closed"].town
    response = client_for(city, "leader").get(f"/cockpit/map/towns/{town.code}/grids.json")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["type"] == "FeatureCollection" and body["features"]
    assert sum(f["properties"]["today"] for f in body["features"]) == 4
    assert (
        client_for(city, "leader").get("/cockpit/map/towns/999999999/grids.json").status_code == 404
    )


def test_expired_figures_are_recomputed_by_one_screen_only(
    city: City, orders: dict[str, Any]
) -> None:
    from datetime import timedelta

    from django.core.cache import cache

    from yiwang.cockpit.situation import situation_for, situation_key

    leader = city["leader"]
    first, cached = situation_for(leader)
    assert not cached
    new_order(city)
    plain = situation_key(leader)
    entry = cache.get(plain)
    entry["computed_at"] -= timedelta(minutes=5)  # expired
    cache.set(plain, entry, 600)
    # Another screen is recomputing (holds the lock): this one gets the last figures.
    cache.add(f"{plain}:lock", 1, 60)
    data, cached = situation_for(leader)
    assert cached and data["headline"]["orders_today"] == first["headline"]["orders_today"]
    # Nobody is: this screen recomputes and sees the new order.
    cache.delete(f"{plain}:lock")
    data, cached = situation_for(leader)
    assert not cached
    assert data["headline"]["orders_today"] == first["headline"]["orders_today"] + 1
