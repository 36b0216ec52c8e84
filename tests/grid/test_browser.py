"""The grid worker's app in a phone-sized chromium (375×667, geolocation and camera upload
simulated) against a live server with the small demo city: a report survives a lost connection
and arrives once; a matter is handled by the worker (自办); another is sent up to the town, which
whistles a department, and the department reports (报到)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from typing import Any

import pytest
from shapely.geometry import shape

from tests.grid.conftest import PNG
from tests.web.conftest import LiveServer, screenshot
from yiwang.demo.accounts import DEMO_PASSWORD

pytestmark = pytest.mark.browser

DEPARTMENT_CODE = "320613-ND027"  # 南通市崇川区城市管理局, the demo dept_handler's unit


def _token(server: LiveServer, username: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "yiwang.cli", "token", "create", username],
        env=server.env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip().splitlines()[-1].strip()


def _get(server: LiveServer, token: str, path: str) -> Any:
    request = urllib.request.Request(
        f"{server.url}/api/v1{path}", headers={"Authorization": f"Bearer {token}"}
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.loads(response.read())


def _count(server: LiveServer, description: str) -> int:
    """Orders with this description in the live server's database."""
    code = (
        "import django; django.setup();"
        "from yiwang.workorders.models import WorkOrder;"
        f"print(WorkOrder.objects.filter(description={description!r}).count())"
    )
    env = {**server.env, "DJANGO_SETTINGS_MODULE": "yiwang.config.settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    )
    return int(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def inside(live_yiwang: LiveServer) -> tuple[float, float]:
    """A point inside the demo grid worker's first grid."""
    me = _get(live_yiwang, _token(live_yiwang, "grid_worker"), "/grid/me")
    point = shape(me["grids"][0]["geometry"]).representative_point()
    return point.x, point.y


def _phone(browser: Any, point: tuple[float, float]) -> Any:
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 375, "height": 667},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        geolocation={"longitude": point[0], "latitude": point[1], "accuracy": 10},
        permissions=["geolocation"],
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return page


def _desk(browser: Any) -> Any:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    return context.new_page()


def _sign_in(page: Any, server: LiveServer, username: str, next_url: str) -> None:
    page.goto(f"{server.url}{next_url}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.yw-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def _fill_report(page: Any, description: str, *, mode: str = "escalate") -> None:
    page.click("button[data-tab=report]")
    page.wait_for_selector("#yg-loc-text:has-text('位于')")
    page.locator("#yg-common .yg-chip").first.click()
    page.fill("#yg-description", description)
    page.set_input_files(
        "#yg-photos", files=[{"name": "现场.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.check(f"input[name=mode][value={mode}]")
    if mode == "escalate":
        page.fill("#yg-reason", "需城管部门清运")


def test_a_report_survives_a_lost_connection_and_arrives_once(
    browser: Any,
    live_yiwang: LiveServer,
    inside: tuple[float, float],
) -> None:
    page = _phone(browser, inside)
    _sign_in(page, live_yiwang, "grid_worker", "/grid/")
    assert page.url.endswith("/grid/")
    page.wait_for_selector("#yg-map path")
    assert page.locator("#yg-grids").inner_text().startswith("我的网格")
    screenshot(page, "grid-app-today")
    description = "浏览器测试：小区东门垃圾堆放，断网后恢复上报。"
    _fill_report(page, description)
    screenshot(page, "grid-app-report")
    page.context.set_offline(True)
    page.get_by_role("button", name="提交上报").click()
    page.wait_for_selector(".yg-banner-warn:has-text('网络已断开')")
    assert _count(live_yiwang, description) == 0
    page.click("button[data-tab=today]")
    assert "等待网络" in page.locator("#yg-drafts").inner_text()
    screenshot(page, "grid-app-offline-draft")
    page.context.set_offline(False)
    page.wait_for_selector(".yg-banner-ok:has-text('草稿已发送')", timeout=30_000)
    assert _count(live_yiwang, description) == 1

    # The server takes the next report but the answer is lost: the phone resends it with the
    # same key, and there is still one order.
    lost = {"done": False}

    def lose_answer(route: Any) -> None:
        if lost["done"]:
            route.continue_()
            return
        route.fetch()  # the server stores the order …
        lost["done"] = True
        route.abort("connectionreset")  # … and the phone never hears back

    page.route("**/api/v1/grid/reports", lose_answer)
    again = "浏览器测试：应答丢失后重发，只生成一件。"
    _fill_report(page, again)
    page.get_by_role("button", name="提交上报").click()
    page.wait_for_selector(".yg-banner-warn:has-text('网络已断开')")
    assert _count(live_yiwang, again) == 1
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector(".yg-banner-ok:has-text('草稿已发送')", timeout=30_000)
    assert _count(live_yiwang, again) == 1
    assert not page.js_errors


def test_a_worker_handles_a_matter_themself(
    browser: Any,
    live_yiwang: LiveServer,
    inside: tuple[float, float],
) -> None:
    page = _phone(browser, inside)
    _sign_in(page, live_yiwang, "grid_worker", "/grid/")
    description = "浏览器测试：楼道堆放杂物，网格员自行清理。"
    _fill_report(page, description, mode="self")
    page.get_by_role("button", name="提交上报").click()
    page.wait_for_selector(".yg-banner-ok:has-text('上报成功')")
    number = page.locator(".yg-banner").inner_text().split("：")[-1].strip()
    page.click("button[data-tab=today]")
    item = page.locator("#yg-orders li", has_text=number)
    item.get_by_role("button", name="自行处置（自办）").click()
    page.fill("#yg-dialog-note", "已组织住户清理楼道杂物，通道恢复畅通。")
    page.set_input_files(
        "#yg-dialog-photos", files=[{"name": "处置后.png", "mimeType": "image/png", "buffer": PNG}]
    )
    page.click("#yg-dialog-ok")
    page.wait_for_selector(".yg-banner-ok:has-text('等待镇街中心核查')")
    screenshot(page, "grid-app-self-handled")

    town = _desk(browser)
    _sign_in(town, live_yiwang, "town_dispatcher", "/grid/center/?tab=check")
    assert number in town.locator("#grid-queue").inner_text()
    screenshot(town, "grid-center-checks")
    town.locator("#grid-queue tr", has_text=number).get_by_role(
        "button", name="核查通过并结案"
    ).click()
    town.wait_for_selector(f".yw-alert:has-text('{number} 已结案')")

    # The session expires on the phone: the report is kept and goes once the worker is back.
    page.context.clear_cookies()
    late = "浏览器测试：会话过期时的上报，重新登录后送达。"
    _fill_report(page, late)
    page.get_by_role("button", name="提交上报").click()
    page.wait_for_selector(".yg-banner-error:has-text('登录已过期')")
    screenshot(page, "grid-app-session-expired")
    assert _count(live_yiwang, late) == 0
    _sign_in(page, live_yiwang, "grid_worker", "/grid/")
    page.wait_for_selector(".yg-banner-ok:has-text('草稿已发送')", timeout=30_000)
    assert _count(live_yiwang, late) == 1
    assert not page.js_errors


def test_an_escalation_is_whistled_and_the_department_reports(
    browser: Any,
    live_yiwang: LiveServer,
    inside: tuple[float, float],
) -> None:
    page = _phone(browser, inside)
    _sign_in(page, live_yiwang, "grid_worker", "/grid/")
    _fill_report(page, "浏览器测试：沿街违规搭建，需上报镇街。")
    page.get_by_role("button", name="提交上报").click()
    page.wait_for_selector(".yg-banner-ok:has-text('上报成功')")
    number = page.locator(".yg-banner").inner_text().split("：")[-1].strip()

    town = _desk(browser)
    _sign_in(town, live_yiwang, "town_dispatcher", "/grid/center/")
    town.locator("#grid-queue tr", has_text=number).get_by_role("link", name="处理").click()
    town.wait_for_load_state("networkidle")
    town.locator("summary", has_text="吹哨").click()
    town.select_option("#id_whistle-department", DEPARTMENT_CODE)
    town.get_by_role("button", name="吹哨：召集单位到场").click()
    town.wait_for_load_state("networkidle")
    screenshot(town, "grid-center-whistled")

    department = _desk(browser)
    _sign_in(department, live_yiwang, "dept_handler", f"/console/orders/{number}/")
    department.locator("summary", has_text="报到").click()
    department.get_by_role("button", name="报到：响应吹哨").click()
    department.wait_for_load_state("networkidle")
    town.goto(f"{live_yiwang.url}/grid/center/")
    rates = town.locator("#whistle-rates").inner_text()
    assert "%" in rates
    screenshot(town, "grid-center-whistle-rates")
    token = _token(live_yiwang, "town_dispatcher")
    detail = _get(live_yiwang, token, f"/workorders/{number}")
    kinds = [e["kind"] for e in detail["timeline"]] if "timeline" in detail else []
    assert "whistle_answered" in kinds or "whistle_answered" in json.dumps(detail)
    assert not page.js_errors
