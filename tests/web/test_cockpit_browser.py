"""The cockpit in a real browser: the leader's big screen, the rankings and a thematic map."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import ARTIFACTS, LiveServer
from tests.web.test_browser import sign_in
from yiwang.demo.accounts import DEMO_PASSWORD

pytestmark = pytest.mark.browser

COUNTIES = {"崇川区", "通州区", "海门区", "如东县", "启东市", "如皋市", "海安市"}


def _yiwang(server: LiveServer, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "yiwang.cli", *args],
        env=server.env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def _api(server: LiveServer, token: str, method: str, path: str, body: Any = None) -> Any:
    request = urllib.request.Request(
        server.url + path,
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def with_orders(live_yiwang: LiveServer) -> LiveServer:
    """A day's worth of demo orders (filed today, so the map has points) and one urgent
    hotline order for the leaders' feed, filed before any screen has cached its figures."""
    _yiwang(live_yiwang, "demo", "workorders", "--count", "40", "--days", "1")
    token = _yiwang(live_yiwang, "token", "create", "hotline_agent").strip().splitlines()[-1]
    town = _api(live_yiwang, token, "GET", "/api/v1/regions?level=town&parent=320613")[0]
    lon, lat = town["centroid"]
    _api(
        live_yiwang,
        token,
        "POST",
        "/api/v1/workorders",
        {
            "description": "小区地下车库燃气味很重，担心泄漏，请尽快派人处置。",
            "request_type": "help",
            "channel": "hotline",
            "priority": "urgent",
            "lon": lon,
            "lat": lat,
            "contact_name": "陈女士",
            "contact_phone": "13912345678",
        },
    )
    return live_yiwang


TO_PIXEL = """(c) => {
    const chart = window.echarts.getInstanceByDom(document.getElementById('ck-map'));
    const box = document.getElementById('ck-map').getBoundingClientRect();
    const [x, y] = chart.convertToPixel({geoIndex: 0}, c);
    return [box.left + x, box.top + y];
}"""


def _series_region_names(page: Any) -> list[str]:
    return page.evaluate(
        """() => {
            const chart = window.echarts.getInstanceByDom(document.getElementById('ck-map'));
            return chart.getOption().series[0].data.map((d) => d.regionName);
        }"""
    )


def test_leader_sees_the_city_on_the_big_screen(browser: Any, with_orders: LiveServer) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        sign_in(page, with_orders, "leader")
        with page.expect_response(lambda r: r.url.endswith("/cockpit/data.json")) as data:
            page.goto(f"{with_orders.url}/cockpit/")
        assert data.value.status == 200
        page.wait_for_selector("#ck-map canvas")
        page.wait_for_function(
            "() => { const c = window.echarts.getInstanceByDom(document.getElementById('ck-map'));"
            " return c && c.getOption().series[0].data.length > 0; }"
        )
        names = _series_region_names(page)
        assert set(names) >= COUNTIES and None not in names
        assert page.locator("h1").inner_text().endswith("领导驾驶舱")
        assert page.locator("#ck-headline dd[data-key=orders_today]").inner_text() != "—"
        assert "更新于" in page.locator("#ck-updated").inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(Path(ARTIFACTS) / "cockpit-1920x1080.png"))

        # The urgent order is in the feed; acknowledging it marks it without a reload.
        item = page.locator("#ck-feed li.ck-item").first
        assert "紧急" in item.locator(".ck-tag").first.inner_text()
        item.locator("button.ck-ack").click()
        page.wait_for_selector("#ck-feed li.ck-acked")
        assert item.locator("button.ck-ack").inner_text().startswith("已阅")
        assert item.locator("button.ck-ack").is_disabled()

        # Drill down by clicking: 崇川区, then the town under the same spot, then its grids.
        town = page.evaluate(
            """async () => {
                const r = await fetch('/api/v1/regions?level=town&parent=320613');
                return (await r.json())[0];
            }"""
        )
        spot = page.evaluate(
            TO_PIXEL,
            town["centroid"],
        )
        page.mouse.click(*spot)
        page.wait_for_function("() => document.querySelectorAll('#ck-crumbs li').length === 2")
        towns = _series_region_names(page)
        assert town["name"] in towns and "崇川区" not in towns
        with (
            page.expect_response(lambda r: "/grids.json" in r.url) as grids,
            page.expect_response(lambda r: "/api/v1/grid/map" in r.url) as grid_layers,
        ):
            spot = page.evaluate(
                TO_PIXEL,
                town["centroid"],
            )
            page.mouse.click(*spot)
        assert grids.value.status == 200
        # The grid app's layers are asked for the town; a leader sees no live positions.
        assert grid_layers.value.status == 200
        assert grid_layers.value.json()["positions"] == []
        page.wait_for_function("() => document.querySelectorAll('#ck-crumbs li').length === 3")
        grid_names = _series_region_names(page)
        assert grid_names and all("网格" in (n or "") for n in grid_names), grid_names
        page.screenshot(path=str(Path(ARTIFACTS) / "cockpit-drilldown-grids.png"))
        # Back to the city from the breadcrumb.
        page.click("#ck-crumbs button >> nth=0")
        page.wait_for_function("() => document.querySelectorAll('#ck-crumbs li').length === 1")
        assert set(_series_region_names(page)) >= COUNTIES
        # Without a mouse: the list under the map goes down a level too.
        page.select_option("#ck-goto", "320613")
        page.wait_for_function("() => document.querySelectorAll('#ck-crumbs li').length === 2")
        assert town["name"] in _series_region_names(page)
        assert errors == []
    finally:
        context.close()


def test_cockpit_fits_a_small_screen(browser: Any, with_orders: LiveServer) -> None:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    try:
        sign_in(page, with_orders, "city_dispatcher")
        page.goto(f"{with_orders.url}/cockpit/")
        page.wait_for_selector("#ck-map canvas")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 1366
        page.screenshot(path=str(Path(ARTIFACTS) / "cockpit-1366x768.png"))
    finally:
        context.close()


@pytest.mark.parametrize(
    ("username", "region", "crumbs", "level_names"),
    [
        ("county_leader", "320613", 2, "街道"),  # starts inside 崇川区: its towns
        ("town_leader", "320613001", 2, "网格"),  # a town leader's starts with the town's grids
    ],
)
def test_regional_leaders_map_starts_at_their_area(
    page: Any, with_orders: LiveServer, username: str, region: str, crumbs: int, level_names: str
) -> None:
    _yiwang(
        with_orders,
        *("user", "create", username, "--role", "leader", "--region", region),
        *("--password", DEMO_PASSWORD),
    )
    sign_in(page, with_orders, username)
    page.goto(f"{with_orders.url}/cockpit/")
    page.wait_for_selector("#ck-map canvas")
    page.wait_for_function(
        "() => { const c = window.echarts.getInstanceByDom(document.getElementById('ck-map'));"
        " return c && c.getOption().series[0].data.length > 0; }"
    )
    assert page.locator("#ck-crumbs li").count() == crumbs
    names = _series_region_names(page)
    assert names and all(level_names in n for n in names), names
    assert page.js_errors == []


def test_rankings_and_a_theme_page(page: Any, with_orders: LiveServer) -> None:
    sign_in(page, with_orders, "leader")
    page.goto(f"{with_orders.url}/cockpit/rankings/?dimension=county")
    assert page.locator("h1").inner_text() == "考核排名"
    page.wait_for_selector("#trend-chart canvas")
    assert page.locator("#ranking-table tbody tr").count() >= 1
    page.screenshot(path=str(Path(ARTIFACTS) / "cockpit-rankings.png"), full_page=True)
    page.goto(f"{with_orders.url}/cockpit/themes/hotline-12345/")
    assert page.locator("h1").inner_text() == "民生诉求（12345）"
    page.wait_for_selector("#theme-map canvas")
    assert "尚未接入" not in page.locator(".ck-layers").inner_text()
    page.screenshot(path=str(Path(ARTIFACTS) / "cockpit-theme-12345.png"), full_page=True)
    page.goto(f"{with_orders.url}/cockpit/themes/group-rental/")
    assert "尚未接入" in page.locator(".ck-layers").inner_text()
    assert page.js_errors == []
