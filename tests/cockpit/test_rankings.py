"""The KPI ranking page: the numbers are compute_kpis's, the XLSX is the page, scope applies."""

from __future__ import annotations

import re
from datetime import datetime, time
from io import BytesIO
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests.cockpit.conftest import client_for
from tests.workorders.factories import City
from yiwang.cockpit.rankings import add_months, month_label
from yiwang.workorders.kpis import compute_kpis
from yiwang.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db

URL = "/cockpit/rankings/"


def _month() -> tuple[str, datetime, datetime]:
    first = timezone.localdate().replace(day=1)
    start = timezone.make_aware(datetime.combine(first, time.min))
    end = timezone.make_aware(datetime.combine(add_months(first, 1), time.min))
    return month_label(first), start, end


def _cell_text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).strip()


def _table(content: str, table_id: str) -> list[list[str]]:
    """The rows of one table of the page as the text a reader sees (header row first)."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', content, re.S)
    assert table is not None
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)
    return [
        [_cell_text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)] for r in rows
    ]


def _pct(rate: float | None) -> str:
    return "—" if rate is None else str(round(rate * 100, 1))


def test_department_ranking_equals_compute_kpis(city: City, orders: dict[str, Any]) -> None:
    label, start, end = _month()
    response = client_for(city, "city_dispatcher").get(URL, {"month": label})
    assert response.status_code == 200
    page = response.content.decode()
    assert "指标排名" in page or "排名" in page
    rows = _table(page, "ranking-table")
    header, body = rows[0], rows[1:-1]
    expected = compute_kpis(WorkOrder.objects.all(), group_by="department", start=start, end=end)
    assert expected, "the fixture dispatched orders this month"
    by_code = {r[1]: r for r in body}
    assert set(by_code) == {r.code for r in expected}
    response_col = header.index("响应率 (%)")
    satisfaction_col = header.index("满意率 (%)")
    orders_col = header.index("受理工单数")
    for kpi in expected:
        row = by_code[kpi.code]
        assert row[2] == kpi.name
        assert row[orders_col] == str(kpi.orders)
        assert row[response_col] == _pct(kpi.response_rate)
        assert row[satisfaction_col] == _pct(kpi.satisfaction_rate)
    # The handler's department: 4 dispatched, 3 acknowledged in time, 1 of 2 rated satisfied.
    mine = by_code[city.department.code]
    assert mine[response_col] == "75.0" and mine[satisfaction_col] == "50.0"


def test_county_ranking_orders_by_the_chosen_rate(city: City, orders: dict[str, Any]) -> None:
    label, start, end = _month()
    page = (
        client_for(city, "leader")
        .get(URL, {"month": label, "dimension": "county", "metric": "satisfaction_rate"})
        .content.decode()
    )
    body = _table(page, "ranking-table")[1:-1]
    expected = compute_kpis(WorkOrder.objects.all(), group_by="county", start=start, end=end)
    assert sorted(r[1] for r in body) == sorted(r.code for r in expected)
    # Only 崇川区 has rated orders: it ranks first, the other county has no rank.
    assert body[0][0] == "1" and body[0][1] == city.department.region.code
    assert body[-1][0] == "—"


def test_xlsx_has_exactly_the_numbers_of_the_page(city: City, orders: dict[str, Any]) -> None:
    label, _start, _end = _month()
    client = client_for(city, "city_dispatcher")
    params = {"month": label, "dimension": "town", "metric": "on_time_rate"}
    page_rows = _table(client.get(URL, params).content.decode(), "ranking-table")
    trend_rows = _table(client.get(URL, params).content.decode(), "trend-table")
    response = client.get(URL, {**params, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"kpi-town-{label}.xlsx" in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    ranking, trend = book.worksheets

    def text(value: Any) -> Any:
        """A cell as a comparable value: numbers as numbers (the page's 75.0 is the sheet's 75)."""
        if value is None:
            return "—"
        try:
            return float(value)
        except (TypeError, ValueError):
            return str(value)

    sheet_rows = [[text(c) for c in row] for row in ranking.iter_rows(min_row=2, values_only=True)]
    assert sheet_rows == [[text(c) for c in row] for row in page_rows]
    assert len(sheet_rows) == len(page_rows) >= 3  # headers, a town, the total
    trend_sheet = [[text(c) for c in row] for row in trend.iter_rows(values_only=True)]
    assert trend_sheet == [[text(c) for c in row] for row in trend_rows]
    assert len(trend_rows) == 13  # header + 12 months


def test_county_dispatcher_ranks_within_their_county(city: City, orders: dict[str, Any]) -> None:
    label, _start, _end = _month()
    page = (
        client_for(city, "county_dispatcher")
        .get(URL, {"month": label, "dimension": "county"})
        .content.decode()
    )
    body = _table(page, "ranking-table")[1:-1]
    assert [r[1] for r in body] == [city.department.region.code]
    far_county = orders["far"].county
    assert far_county.name not in page


def test_bad_filters_are_shown_beside_the_field(city: City) -> None:
    response = client_for(city, "leader").get(URL, {"month": "1999-01", "metric": "nope"})
    assert response.status_code == 400
    page = response.content.decode()
    assert page.count("yw-field-error") == 2
    assert 'id="ranking-table"' not in page


@pytest.mark.parametrize("username", ["dept_handler", "citizen", "grid_worker"])
def test_roles_without_rankings_get_403(city: City, username: str) -> None:
    client = client_for(city, username)
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"format": "xlsx"}).status_code == 403
    assert "无权使用此页面" in client.get(URL).content.decode()


def test_anonymous_is_sent_to_sign_in(city: City) -> None:
    from django.test import Client

    response = Client().get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_ranking_page_query_count(
    city: City, orders: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = client_for(city, "city_dispatcher")
    label, _start, _end = _month()
    # Cold: the month and the 11 earlier months of the trend, plus session, user and roles.
    with django_assert_max_num_queries(20):
        assert client.get(URL, {"month": label}).status_code == 200
    # Warm: the trend's earlier months come from the cache.
    with django_assert_max_num_queries(8):
        assert client.get(URL, {"month": label}).status_code == 200
