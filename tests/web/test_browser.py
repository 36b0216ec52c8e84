"""The pages in a real browser: Debian's chromium, driven by Playwright, against `yiwang serve`."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from tests.web.conftest import LiveServer, screenshot
from yiwang.demo.accounts import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page: Any, server: LiveServer, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(f"{server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form.yw-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def card_values(page: Any) -> dict[str, str]:
    cards = page.locator(".yw-card")
    return {
        cards.nth(i).locator("dt").inner_text().strip(): cards.nth(i)
        .locator(".yw-card-value")
        .inner_text()
        .strip()
        for i in range(cards.count())
    }


def test_city_dispatcher_sees_the_whole_city_on_the_map(page: Any, live_yiwang: LiveServer) -> None:
    with page.expect_response(lambda r: "/api/v1/geo/boundaries?level=town" in r.url) as towns:
        sign_in(page, live_yiwang, "city_dispatcher")
    assert towns.value.status == 200
    assert page.url == f"{live_yiwang.url}/"
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    cards = card_values(page)
    assert cards["县（市、区）"] == "10"
    assert cards["镇（街道）"] == "96"
    # ECharts has drawn the map and the bar chart into canvases, without errors.
    page.wait_for_selector("#county-map canvas")
    page.wait_for_selector("#grid-chart canvas")
    assert page.locator("#county-map .yw-map-status-error").count() == 0
    screenshot(page, "home-city-dispatcher")
    assert page.js_errors == []


def test_town_dispatcher_sees_only_its_town(page: Any, live_yiwang: LiveServer) -> None:
    sign_in(page, live_yiwang, "town_dispatcher")
    cards = card_values(page)
    assert cards["县（市、区）"] == "0"
    assert cards["镇（街道）"] == "1"


def test_wrong_password_then_lockout(page: Any, live_yiwang: LiveServer) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "yiwang.cli",
            "user",
            "create",
            "lock_me",
            "--role",
            "citizen",
            "--password",
            DEMO_PASSWORD,
        ],
        env=live_yiwang.env,
        check=True,
        capture_output=True,
    )
    sign_in(page, live_yiwang, "lock_me", "wrong-password")
    assert "用户名或密码错误" in page.locator("[role=alert]").inner_text()
    assert page.input_value("input[name=username]") == "lock_me"
    for _ in range(4):
        sign_in(page, live_yiwang, "lock_me", "wrong-password")
    sign_in(page, live_yiwang, "lock_me")  # the right password, too late
    assert "锁定" in page.locator("[role=alert]").inner_text()
    assert page.url.startswith(f"{live_yiwang.url}/login/")
    screenshot(page, "login-locked")


def test_switching_to_english(page: Any, live_yiwang: LiveServer) -> None:
    page.goto(f"{live_yiwang.url}/login/")
    assert page.locator("h1").inner_text() == "登录"
    page.click("form.yw-lang button[value=en]")
    page.wait_for_load_state("networkidle")
    assert page.locator("h1").inner_text() == "Sign in"
    sign_in(page, live_yiwang, "leader")
    assert "County-level divisions" in page.locator(".yw-cards").inner_text()


def test_sign_out_ends_the_session(page: Any, live_yiwang: LiveServer) -> None:
    sign_in(page, live_yiwang, "hotline_agent")
    page.click("form.yw-logout button")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_yiwang.url}/")
    assert "/login/" in page.url


def test_system_admin_manages_departments_in_the_admin(page: Any, live_yiwang: LiveServer) -> None:
    page.goto(f"{live_yiwang.url}/admin/login/?next=/admin/org/department/")
    page.fill("input[name=username]", "system_admin")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/admin/org/department/")
    assert "南通市公安局" in page.locator("#result_list").inner_text()
    assert page.js_errors == []


def test_api_docs_render_without_a_cdn(page: Any, live_yiwang: LiveServer) -> None:
    page.goto(f"{live_yiwang.url}/api/v1/docs")
    page.get_by_text("/api/v1/geo/locate").first.wait_for(timeout=15000)
    assert page.js_errors == []
