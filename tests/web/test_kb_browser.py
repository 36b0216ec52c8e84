"""A 12345 agent searches the knowledge base in Chinese and reads the real FAQ answer with the
matching words highlighted; a data steward sees the entry's version history."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import LiveServer, screenshot
from tests.web.test_console_browser import _new_page, _sign_in

pytestmark = pytest.mark.browser


def test_an_agent_finds_the_highlighted_real_faq_answer(
    browser: Any, live_yiwang: LiveServer
) -> None:
    page = _new_page(browser)
    _sign_in(page, live_yiwang, "hotline_agent")
    page.goto(f"{live_yiwang.url}/hotline/kb/")
    assert "知识库" in page.locator("h1").inner_text()
    page.fill("input[name=q]", "社保卡掉了去哪补办")
    page.click("#kb-search-form button[type=submit]")
    first = page.locator("#kb-hits li").first
    first.wait_for(timeout=5000)
    assert first.locator(".kb-ref").inner_text() == "faq-068"
    marks = [m.inner_text() for m in first.locator("mark").all()]
    assert "社保卡" in marks
    assert "到发卡银行营业网点办理挂失手续" in first.locator(".kb-answer").inner_text()
    screenshot(page, "kb-search")

    # A filter narrows the list without losing the query.
    page.select_option("select[name=category]", "H0306")
    page.wait_for_load_state()
    assert page.locator("input[name=q]").input_value() == "社保卡掉了去哪补办"
    assert page.locator(".kb-ref", has_text="faq-068").count() == 0

    # Only stop words: a message beside the field, no results.
    page.fill("input[name=q]", "请问一下，这个是什么")
    page.click("#kb-search-form button[type=submit]")
    assert "只有常用词" in page.locator("#id_q-error").inner_text()
    assert page.js_errors == []


def test_a_steward_opens_an_entry_with_its_history(browser: Any, live_yiwang: LiveServer) -> None:
    page = _new_page(browser)
    _sign_in(page, live_yiwang, "data_steward")
    page.goto(f"{live_yiwang.url}/hotline/kb/?q=失业保险金能领多久")
    page.locator("#kb-hits li a").first.click()
    page.wait_for_selector("#kb-versions")
    assert "版本历史" in page.content()
    assert page.locator("#kb-versions li").count() >= 1
    screenshot(page, "kb-entry")
    assert page.js_errors == []
