"""A data steward tries a suggestion on the routing models page and publishes a second version,
against `yiwang serve` with the demo city (whose loader published the first version)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from tests.web.conftest import LiveServer, screenshot
from yiwang.demo.accounts import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_a_data_steward_tries_a_suggestion_and_publishes_a_version(
    page: Any,
    live_yiwang: LiveServer,
) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "yiwang.cli",
            "routing",
            "train",
            "--source",
            "demo-history",
            "--min-per-class",
            "3",
            "--folds",
            "0",
        ],
        env=live_yiwang.env,
        check=True,
        capture_output=True,
    )
    page.goto(f"{live_yiwang.url}/accounts/login/")
    page.fill("input[name=username]", "data_steward")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.yw-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    page.click("nav.yw-nav >> text=智能分拨模型")
    rows = page.locator("#model-table tbody tr")
    assert rows.count() == 2
    assert "已发布" in rows.nth(1).inner_text() and "草稿" in rows.nth(0).inner_text()
    draft = rows.nth(0).locator("td").first.inner_text().strip()
    demo = rows.nth(1).locator("td").first.inner_text().strip()

    page.fill("#try-text", "我家小区从早上开始停水，一直没有通知，请尽快恢复供水。")
    page.click("form.nlp-try button[type=submit]")
    page.wait_for_load_state("networkidle")
    first = page.locator("#advice-table tbody tr").first.inner_text()
    assert "停水" in first and "来自模型" in page.locator("#advice-source").inner_text()
    screenshot(page, "nlp-models")

    page.locator("#model-table tbody tr").nth(0).locator("button", has_text="发布").click()
    page.wait_for_load_state("networkidle")
    assert f"版本 {draft} 已发布" in page.locator(".yw-alert").inner_text()
    assert "已发布" in page.locator("#model-table tbody tr").nth(0).inner_text()
    assert "已停用" in page.locator("#model-table tbody tr").nth(1).inner_text()

    page.click(f"text={demo}")
    page.wait_for_load_state("networkidle")
    assert "测试文件 demo-holdout" in page.content() and "最常见的混淆" in page.content()
    screenshot(page, "nlp-model-detail")
    assert not page.js_errors
