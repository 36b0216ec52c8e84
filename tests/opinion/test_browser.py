"""A leader generates an analysis report in the browser, watches its progress finish and
opens it — against `yiwang serve` as the quick start runs it (no worker: a thread of the web
process generates the report)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from tests.web.conftest import LiveServer, screenshot
from yiwang.demo.accounts import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def test_a_leader_generates_a_report_and_opens_it(page: Any, live_yiwang: LiveServer) -> None:
    # A month of requests in the small demo city (the quick start's full city has 240 a year).
    subprocess.run(
        [
            sys.executable,
            "-m",
            "yiwang.cli",
            "demo",
            "workorders",
            "--count",
            "150",
            "--days",
            "30",
        ],
        env=live_yiwang.env,
        check=True,
        capture_output=True,
    )
    page.goto(f"{live_yiwang.url}/login/")
    page.fill("input[name=username]", "leader")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.yw-form button[type=submit]")
    page.wait_for_load_state("networkidle")

    page.click("nav.yw-nav >> text=政情民意")
    page.wait_for_selector("h1:has-text('热点话题')")
    # Hot topics of the last 30 days: the trend chart, keywords and clusters of the month.
    page.wait_for_selector("#topics-chart canvas")
    assert int(page.locator("#topics-total").inner_text()) > 100
    assert page.locator("#keywords-table tbody tr").count() >= 10
    assert page.locator("#clusters > li").count() >= 3
    screenshot(page, "opinion-hot-topics")
    page.click("nav.op-subnav >> text=分析报告")
    page.wait_for_selector("#report-form")
    before = page.locator("#report-history tbody tr").count()
    page.select_option("#id_domain", "city_management")
    page.click("#report-form button[type=submit]")
    page.wait_for_url("**/opinion/reports/?new=*")

    # The new report heads the history and its progress finishes without a reload.
    row = page.locator("#report-history tbody tr").first
    assert page.locator("#report-history tbody tr").count() == before + 1
    assert row.locator("th").inner_text() == "城市管理"
    assert "徐国华" in row.inner_text()
    row.locator(".op-files a:has-text('查看 HTML')").wait_for(timeout=30_000)
    assert row.locator(".op-status").inner_text().strip() == "已完成"
    screenshot(page, "opinion-reports")

    with page.context.expect_page() as opened:
        row.locator(".op-files a:has-text('查看 HTML')").click()
    report = opened.value
    report.wait_for_load_state()
    assert "城市管理政情民意分析报告" in report.locator("h1").inner_text()
    assert int(report.locator("#report-orders").inner_text()) > 0
    assert "徐国华" in report.locator(".meta").inner_text()
    assert report.locator("svg").count() >= 3  # daily volume, by class, by county
    screenshot(report, "opinion-report-document")
    xlsx = row.locator(".op-files a:has-text('下载 XLSX')").get_attribute("href")
    response = page.request.get(f"{live_yiwang.url}{xlsx}")
    assert response.ok and response.body()[:2] == b"PK"
    assert page.js_errors == []
