"""The 16 thematic maps: the list, a theme built from work orders, and layers not yet connected."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cockpit.conftest import client_for
from tests.workorders.factories import City, new_order
from yiwang.cockpit.themes import THEMES

pytestmark = pytest.mark.django_db


def test_sixteen_themes_with_unique_slugs() -> None:
    assert len(THEMES) == 16
    assert len({t.slug for t in THEMES}) == 16
    assert all(t.has_orders for t in THEMES)


def test_theme_categories_exist_in_the_shipped_taxonomy() -> None:
    import json

    from yiwang.workorders.taxonomy import CATEGORIES_PATH

    codes = {c["code"] for c in json.loads(CATEGORIES_PATH.read_text())["categories"]}
    for theme in THEMES:
        for code in theme.categories:
            assert code in codes, (theme.slug, code)


def test_theme_list(city: City) -> None:
    response = client_for(city, "leader").get("/cockpit/themes/")
    assert response.status_code == 200
    page = response.content.decode()
    for name in ("公共安全", "群租房治理", "民生诉求（12345）", "防汛防台", "数据共享", "基层治理"):
        assert name in page
    assert "尚未接入" in page


def test_hotline_theme_counts_hotline_orders(city: City, orders: dict[str, Any]) -> None:
    response = client_for(city, "leader").get("/cockpit/themes/hotline-12345/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-figure="orders">2<' in page  # the two hotline orders; the rest are grid reports
    assert orders["far"].number in page


def test_category_theme_and_pending_layers(city: City) -> None:
    lon, lat = city.point
    new_order(
        city,
        by="hotline_agent",
        channel="hotline",
        request_type="report",
        category="E0602",
        description="出租屋里隔出八间，住了二十多人，楼道里堆满电动车。",
        lon=lon,
        lat=lat,
    )
    page = client_for(city, "leader").get("/cockpit/themes/group-rental/").content.decode()
    assert "群租房治理" in page
    assert 'data-figure="orders">1<' in page
    assert "群租房安全隐患" in page
    assert page.count("尚未接入") >= 3  # power profile, population ledger, warnings
    # Another theme does not count it.
    other = client_for(city, "leader").get("/cockpit/themes/transport/").content.decode()
    assert 'data-figure="orders">0<' in other


def test_theme_filters_and_access(city: City) -> None:
    client = client_for(city, "county_dispatcher")
    assert client.get("/cockpit/themes/flood/").status_code == 200
    bad = client.get("/cockpit/themes/flood/", {"days": "3", "county": "999999"})
    assert bad.status_code == 200 and bad.content.decode().count("yw-field-error") == 2
    assert client.get("/cockpit/themes/no-such-theme/").status_code == 404
    for username in ("dept_handler", "citizen"):
        assert client_for(city, username).get("/cockpit/themes/flood/").status_code == 403


def test_pages_in_english_when_asked(city: City, orders: dict[str, Any]) -> None:
    import json

    from django.conf import settings

    client = client_for(city, "leader")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Leadership cockpit" in client.get("/cockpit/").content.decode()
    feed = json.loads(client.get("/cockpit/data.json").content)["feed"]
    assert feed[0]["reasons"] == ["Urgent"]  # the cache is kept per language
    assert "Group rental housing" in client.get("/cockpit/themes/").content.decode()
    assert "Response rate (%)" in client.get("/cockpit/rankings/").content.decode()
