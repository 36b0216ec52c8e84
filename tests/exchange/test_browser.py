"""The exchange pages in a real browser (Debian's chromium via Playwright, `yiwang serve` with
the small demo): a data steward finds a granted resource in the catalogue, sees its grants and
volume, and the metrics page draws its chart."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import LiveServer, screenshot
from yiwang.demo.accounts import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def _sign_in(page: Any, server: LiveServer, username: str) -> None:
    page.goto(f"{server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.yw-form button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_steward_finds_a_resource_and_sees_its_grants_and_metrics(
    page: Any,
    live_yiwang: LiveServer,
) -> None:
    _sign_in(page, live_yiwang, "data_steward")
    page.click("nav.yw-nav >> text=数据共享交换")
    page.wait_for_load_state("networkidle")
    assert "资源目录" in page.locator("h1").inner_text()
    total = int(page.locator("#catalogue-total").inner_text())
    assert total >= 390  # 65 departments × 6 at the small scale

    grants = page.request.get(f"{live_yiwang.url}/api/v1/exchange/grants").json()
    assert grants, "the demo grants some resources"
    code, consumer = grants[0]["resource"], grants[0]["consumer"]
    page.fill("input[name=q]", code)
    page.click("form.ex-filters button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#catalogue-total").inner_text() == "1"
    page.click(f"#catalogue-table >> text={code}")
    page.wait_for_load_state("networkidle")
    grants_table = page.locator("#grants-table")
    assert grants_table.is_visible()
    assert "有效" in grants_table.inner_text()
    assert page.locator("#items-table tbody tr").count() >= 6
    screenshot(page, "exchange-resource")

    page.click("p.ex-tabs >> text=交换指标")
    page.wait_for_load_state("networkidle")
    assert page.locator("#volume-chart canvas").count() == 1
    records_in = int(page.locator("#records-in").inner_text().replace(",", ""))
    assert records_in > 1_000_000_000  # 30 days of ~4亿
    assert page.locator("#daily-table tbody tr").count() >= 30
    screenshot(page, "exchange-metrics")
    assert page.js_errors == [], page.js_errors
    assert consumer
