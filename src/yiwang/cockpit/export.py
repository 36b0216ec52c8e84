"""The ranking page's tables as an XLSX workbook, cell for cell what the page shows."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from yiwang.cockpit.rankings import COUNT_FIELDS, METRICS, Ranking, as_percent, month_label

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def ranking_headers(ranking: Ranking) -> list[str]:
    return [
        _("Rank"),
        _("Code"),
        _("Name"),
        *[str(label) for _key, label in COUNT_FIELDS],
        *[f"{m.label} (%)" for m in METRICS],
    ]


def ranking_cells(ranking: Ranking) -> list[list[Any]]:
    """Rows of the ranking table: rank, code, name, counts, rates in percent (one decimal)."""
    rows = []
    for item in ranking.rows:
        row = item.row
        rows.append(
            [
                item.rank,
                row.code,
                row.name,
                *[getattr(row, key) for key, _label in COUNT_FIELDS],
                *[as_percent(getattr(row, m.key)) for m in METRICS],
            ]
        )
    total = ranking.total
    rows.append(
        [
            None,
            None,
            _("Total"),
            *[getattr(total, key) for key, _label in COUNT_FIELDS],
            *[as_percent(getattr(total, m.key)) for m in METRICS],
        ]
    )
    return rows


def trend_headers() -> list[str]:
    return [
        _("Month"),
        *[str(label) for _key, label in COUNT_FIELDS],
        *[f"{m.label} (%)" for m in METRICS],
    ]


def trend_cells(ranking: Ranking) -> list[list[Any]]:
    return [
        [
            month_label(month),
            *[getattr(total, key) for key, _label in COUNT_FIELDS],
            *[as_percent(getattr(total, m.key)) for m in METRICS],
        ]
        for month, total in zip(ranking.trend_months, ranking.trend_totals, strict=True)
    ]


def ranking_workbook(ranking: Ranking, *, dimension_label: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = _("Ranking")
    sheet.append([f"{dimension_label} · {month_label(ranking.month)} · {ranking.metric.label}"])
    sheet["A1"].font = Font(bold=True)
    sheet.append(ranking_headers(ranking))
    for cells in ranking_cells(ranking):
        sheet.append(cells)
    trend = book.create_sheet(_("Trend"))
    trend.append(trend_headers())
    for cells in trend_cells(ranking):
        trend.append(cells)
    for ws in (sheet, trend):
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, float):
                    cell.number_format = "0.0"  # 75.0 as on the page, not 75
        for column in ws.iter_cols(min_row=1, max_row=1):
            ws.column_dimensions[column[0].column_letter].width = 14
    out = BytesIO()
    book.save(out)
    return out.getvalue()
