"""A 12345 agent takes calls from start to end in the browser: a consultation answered from the
knowledge base, a request filed as a work order with the routing suggestion, an emergency
transferred to 119."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import LiveServer, screenshot
from tests.web.test_console_browser import _new_page, _sign_in

pytestmark = pytest.mark.browser


def _take_call(page: Any, server: LiveServer, caller: str, dialled: str) -> None:
    page.goto(f"{server.url}/hotline/?caller={caller}&dialled={dialled}")
    assert page.locator("#id_caller").input_value() == caller
    page.click("form.hw-take button[type=submit]")
    page.wait_for_selector("#hw-text")


def test_an_agent_answers_files_and_transfers_calls(browser: Any, live_yiwang: LiveServer) -> None:
    page = _new_page(browser)
    _sign_in(page, live_yiwang, "hotline_agent")

    # 1. A consultation through the old provident-fund line, answered from the knowledge base.
    _take_call(page, live_yiwang, "13912340001", "12329")
    assert "12329" in page.locator("#hw-line").inner_text()
    page.fill("#hw-text", "请问住房公积金怎么提取，需要带什么材料")
    page.locator("#hw-text").dispatch_event("input")
    first_hit = page.locator("#hw-knowledge li").first
    first_hit.wait_for(timeout=5000)
    assert page.locator("#hw-knowledge mark").count() > 0  # matches are highlighted
    page.locator("#hw-routing li").first.wait_for(timeout=5000)
    first_hit.locator("button.hw-cite").click()
    assert page.locator("[name=answer-reply]").input_value().strip()
    assert page.locator("[name=answer-entries]").input_value().strip()
    screenshot(page, "hotline-call-answer")
    page.click("form[data-action=answer] button[type=submit]")
    page.wait_for_selector(".hw-done")
    assert "当场答复" in page.locator(".hw-done").inner_text()
    assert page.locator("#hw-order-link").inner_text().startswith("RX")

    # 2. A complaint becomes a work order with the suggested category.
    _take_call(page, live_yiwang, "13912340002", "12345")
    page.fill("#hw-text", "我家楼下的路灯坏了好几天了，晚上一片漆黑，请派人来修")
    page.locator("#hw-text").dispatch_event("input")
    suggestion = page.locator("#hw-routing li").first
    suggestion.wait_for(timeout=5000)
    suggestion.locator("button.hw-use").click()
    chosen = page.locator("[name=order-category]").input_value()
    assert chosen == suggestion.get_attribute("data-category")
    page.select_option("[name=order-request_type]", "complaint")
    page.select_option("[name=order-town]", index=1)
    page.click("form[data-action=order] button[type=submit]")
    page.wait_for_selector(".hw-done")
    number = page.locator("#hw-order-link").inner_text()
    assert number.startswith("RX")
    screenshot(page, "hotline-call-order")

    # 3. An emergency goes to 119 at once.
    _take_call(page, live_yiwang, "13912340003", "12345")
    page.fill("#hw-text", "楼道里着火了，好多烟")
    page.click(".hw-tabs [data-tab=transfer]")
    page.select_option("[name=transfer-line]", "119")
    page.click("form[data-action=transfer] button[type=submit]")
    page.wait_for_selector(".hw-done")
    assert "119" in page.locator(".hw-done").inner_text()

    # The three calls are on the agent's list; no script failed on the way.
    page.goto(f"{live_yiwang.url}/hotline/")
    assert page.locator("table.yw-table tbody tr").count() >= 3
    assert page.js_errors == []
