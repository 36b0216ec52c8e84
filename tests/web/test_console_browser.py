"""The console in a real browser: a town dispatcher dispatches an order, the department
acknowledges and replies, the dispatcher reviews, records the callback and closes, and the
department's figures on its workbench move."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from typing import Any

import pytest
from shapely.geometry import shape

from tests.web.conftest import LiveServer, screenshot
from yiwang.demo.accounts import DEMO_PASSWORD

pytestmark = pytest.mark.browser

DEPARTMENT_CODE = "320613-ND027"  # 南通市崇川区城市管理局, the demo dept_handler's unit
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64  # enough of a PNG for the content check


def _token(server: LiveServer, username: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "yiwang.cli", "token", "create", username],
        env=server.env,
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip().splitlines()[-1].strip()


def _api(server: LiveServer, token: str, path: str, body: dict[str, Any] | None = None) -> Any:
    request = urllib.request.Request(
        f"{server.url}/api/v1{path}",
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.loads(response.read())


def _file_order_in_the_dispatchers_town(server: LiveServer) -> str:
    """A grid report inside the town dispatcher's town: it starts at that town's center."""
    token = _token(server, "town_dispatcher")
    grids = _api(server, token, "/grids?kind=comprehensive&limit=1")
    grid = _api(server, token, f"/grids/{grids['items'][0]['code']}")
    point = shape(grid["geometry"]).representative_point()
    order = _api(
        server,
        token,
        "/workorders",
        {
            "channel": "grid",
            "request_type": "complaint",
            "description": "小区门口路灯连续三晚不亮，夜间出行不便，请尽快修复。",
            "lon": point.x,
            "lat": point.y,
            "contact_name": "王小明",
            "contact_phone": "13912345678",
        },
    )
    return str(order["number"])


def _sign_in(page: Any, server: LiveServer, username: str) -> None:
    page.goto(f"{server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.yw-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def _figures(page: Any) -> dict[str, str]:
    cards = page.locator(".yc-kpi-cards .yw-card")
    return {
        cards.nth(i).get_attribute("data-kpi"): cards.nth(i)
        .locator(".yw-card-value")
        .inner_text()
        .strip()
        for i in range(cards.count())
    }


def _new_page(browser: Any) -> Any:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.js_errors = errors
    return page


def _state(page: Any) -> str:
    return str(page.locator(".yc-state").inner_text().strip())


def test_an_order_goes_round_the_loop_in_the_console(browser: Any, live_yiwang: LiveServer) -> None:
    number = _file_order_in_the_dispatchers_town(live_yiwang)
    dispatcher = _new_page(browser)
    department = _new_page(browser)

    # The department's figures before (the live city may hold other orders of the unit).
    _sign_in(department, live_yiwang, "dept_handler")
    department.goto(f"{live_yiwang.url}/console/")
    assert department.url.endswith("/console/department/")
    before = _figures(department)

    # The town dispatcher finds the order in the queue and dispatches it to the department.
    _sign_in(dispatcher, live_yiwang, "town_dispatcher")
    dispatcher.goto(f"{live_yiwang.url}/console/")
    assert dispatcher.locator("h1").inner_text() == "派单队列"
    dispatcher.fill("#id_q", number)
    dispatcher.click(".yc-filters button[type=submit]")
    dispatcher.wait_for_load_state("networkidle")
    row_link = dispatcher.locator(f"#queue-results a:text-is('{number}')")
    row_link.wait_for()
    assert dispatcher.locator("#queue-results tbody tr").count() == 1
    screenshot(dispatcher, "console-queue-town-dispatcher")
    row_link.click()
    dispatcher.wait_for_load_state("networkidle")
    dispatcher.wait_for_selector("#order-map canvas")
    screenshot(dispatcher, "console-order-received")
    dispatcher.select_option("#id_dispatch-department", DEPARTMENT_CODE)
    dispatcher.get_by_role("button", name="派单", exact=True).click()
    dispatcher.wait_for_load_state("networkidle")
    assert _state(dispatcher) == "已派单"
    screenshot(dispatcher, "console-order-dispatched")

    # The department sees it on its workbench, acknowledges, starts and replies.
    department.reload()
    screenshot(department, "console-department-incoming")
    incoming = department.locator("section", has=department.locator("#incoming-title"))
    row = incoming.locator("tr", has=department.locator(f"a:text-is('{number}')"))
    row.get_by_role("button", name="签收").click()
    department.wait_for_load_state("networkidle")
    department.locator(f"a:text-is('{number}')").first.click()
    department.wait_for_load_state("networkidle")
    assert _state(department) == "已签收"
    department.get_by_role("button", name="开始办理", exact=True).click()
    department.wait_for_load_state("networkidle")
    department.fill("#id_reply-reply", "已更换损坏的路灯灯具，经夜间测试照明恢复正常。")
    department.set_input_files(
        "#id_reply-attachment",
        files=[{"name": "现场照片.png", "mimeType": "image/png", "buffer": PNG}],
    )
    department.get_by_role("button", name="办结反馈", exact=True).click()
    department.wait_for_load_state("networkidle")
    assert _state(department) == "已反馈，待审核"
    assert "现场照片.png" in department.locator(".yc-files").inner_text()

    # Back at the town center: review, callback with a rating, closed.
    dispatcher.reload()
    dispatcher.get_by_role("button", name="审核通过", exact=True).click()
    dispatcher.wait_for_load_state("networkidle")
    assert _state(dispatcher) == "待回访"
    dispatcher.select_option("#id_callback-rating", "very_satisfied")
    dispatcher.get_by_role("button", name="记录回访并结案", exact=True).click()
    dispatcher.wait_for_load_state("networkidle")
    assert _state(dispatcher) == "已结案"
    assert "非常满意" in dispatcher.locator(".yc-details").inner_text()

    # The department's own figures moved.
    department.goto(f"{live_yiwang.url}/console/department/")
    after = _figures(department)
    assert int(after["orders"]) == int(before["orders"]) + 1
    assert int(after["rated"]) == int(before["rated"]) + 1
    assert after["response_rate"] != "—" and after["satisfaction_rate"] != "—"
    assert after["rank"] != "—"
    screenshot(department, "console-department-workbench")
    assert dispatcher.js_errors == [] and department.js_errors == []
