"""The content of an analysis report, and its two renderings: a self-contained HTML page
(inline styles and SVG charts, no scripts) and an XLSX workbook (one sheet per section, the
daily volume with a line chart)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import Any

from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from yiwang.core.scoping import describe_scope
from yiwang.opinion.analysis import HotTopics, by_class, grouped, hot_topics
from yiwang.opinion.corpus import Period, period_orders
from yiwang.opinion.domains import Domain
from yiwang.opinion.models import OpinionAlert
from yiwang.opinion.svg import bar_chart, line_chart
from yiwang.opinion.themes import DepartmentTheme, department_themes
from yiwang.workorders.choices import UNSATISFIED_RATINGS, RequestType
from yiwang.workorders.kpis import DEFAULT_SATISFIED

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Stage = Callable[[int, str], None]


@dataclass
class ReportContent:
    title: str
    domain: Domain
    period: Period
    scope: str
    author: str
    generated_at: datetime
    summary: dict[str, Any]
    topics: HotTopics
    classes: list[tuple[str, int]]
    counties: list[tuple[str, int]]
    themes: list[DepartmentTheme]
    alerts: list[OpinionAlert]


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _summary(user: Any, period: Period, domain: Domain) -> dict[str, Any]:
    figures = period_orders(user, period, domain).aggregate(
        orders=Count("id"),
        rated=Count("id", filter=~Q(rating="")),
        satisfied=Count("id", filter=Q(rating__in=DEFAULT_SATISFIED)),
        dissatisfied=Count("id", filter=Q(rating__in=UNSATISFIED_RATINGS)),
        called_back=Count("id", filter=Q(resolved__isnull=False)),
        resolved=Count("id", filter=Q(resolved=True)),
        complaints=Count("id", filter=Q(request_type=RequestType.COMPLAINT)),
    )
    figures["satisfaction_rate"] = (
        figures["satisfied"] / figures["rated"] if figures["rated"] else None
    )
    figures["resolution_rate"] = (
        figures["resolved"] / figures["called_back"] if figures["called_back"] else None
    )
    return figures


def build_content(user: Any, period: Period, domain: Domain, stage: Stage) -> ReportContent:
    """Everything a report shows, over what ``user`` may see."""
    stage(10, _("Counting requests"))
    orders = period_orders(user, period, domain)
    summary = _summary(user, period, domain)
    classes = by_class(orders)
    counties = grouped(orders, "county_id", "county__name")
    stage(25, _("Finding hot topics"))

    def topic_progress(label: str, done: int, total: int) -> None:
        stage(25 + 40 * done // max(total, 1), _("Finding hot topics"))

    topics = hot_topics(user, period, domain, progress=topic_progress, use_cache=False)
    stage(70, _("Satisfaction and complaint themes"))
    themes = department_themes(orders)
    stage(85, _("Surge alerts"))
    alerts = OpinionAlert.objects.visible_to(user).filter(
        period_end__gte=period.start, period_start__lte=period.end
    )
    if domain.classes:
        alerts = alerts.filter(Q(category__code__in=domain.classes) | Q(category__isnull=True))
    summary["previous_orders"] = topics.previous_total
    summary["change"] = topics.change
    return ReportContent(
        title=_("%(domain)s public-opinion analysis report") % {"domain": domain.label},
        domain=domain,
        period=period,
        scope=describe_scope(user),
        author=user.full_name or user.username,
        generated_at=timezone.localtime(),
        summary=summary,
        topics=topics,
        classes=classes,
        counties=counties,
        themes=themes,
        alerts=list(alerts.select_related("category", "region")[:50]),
    )


def render_html(content: ReportContent) -> str:
    topics = content.topics
    daily = [(d.strftime("%m-%d"), n) for d, n in topics.daily]
    return render_to_string(
        "opinion/report_document.html",
        {
            "c": content,
            "s": content.summary,
            "satisfaction": percent(content.summary["satisfaction_rate"]),
            "resolution": percent(content.summary["resolution_rate"]),
            "change": percent(content.summary["change"]),
            "trend_svg": line_chart(daily, title=_("Requests per day")),
            "classes_svg": bar_chart(content.classes, title=_("Requests by class")),
            "counties_svg": bar_chart(content.counties, title=_("Requests by county")),
            "themes": [
                (t, percent(t.satisfaction_rate), percent(t.resolution_rate))
                for t in content.themes
            ],
            "keywords": [(k, percent(k.change)) for k in topics.keywords],
        },
    )


def _sheet(book: Workbook, title: str, headers: list[str], rows: list[list[Any]]) -> Any:
    sheet = book.create_sheet(title)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for i, header in enumerate(headers, start=1):
        width = max([len(str(header)) * 2, *(len(str(r[i - 1])) for r in rows[:200])])
        sheet.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 60)
    sheet.freeze_panes = "A2"
    return sheet


def build_xlsx(content: ReportContent) -> bytes:
    book = Workbook()
    overview = book.active
    assert overview is not None
    overview.title = _("Overview of the period")
    s = content.summary
    overview.append([content.title])
    overview["A1"].font = Font(bold=True, size=14)
    for label, value in [
        (_("Domain"), content.domain.label),
        (_("Period"), f"{content.period.start} – {content.period.end}"),
        (_("Scope"), content.scope),
        (_("Generated by"), content.author),
        (_("Generated at"), content.generated_at.strftime("%Y-%m-%d %H:%M")),
        (_("Requests"), s["orders"]),
        (_("Requests in the previous period"), s["previous_orders"]),
        (pgettext("opinion", "Change"), percent(s["change"])),
        (_("Satisfaction rate"), percent(s["satisfaction_rate"])),
        (_("Resolution rate"), percent(s["resolution_rate"])),
        (_("Complaints"), s["complaints"]),
        (_("Dissatisfied ratings"), s["dissatisfied"]),
    ]:
        overview.append([label, value])
    overview.column_dimensions["A"].width = 24
    overview.column_dimensions["B"].width = 40
    topics = content.topics
    daily = _sheet(
        book, _("Daily volume"), [_("Date"), _("Requests")], [[d, n] for d, n in topics.daily]
    )
    if topics.daily:
        chart = LineChart()
        chart.title = _("Requests per day")
        chart.height, chart.width = 8, 22
        chart.add_data(
            Reference(daily, min_col=2, min_row=1, max_row=len(topics.daily) + 1),
            titles_from_data=True,
        )
        chart.set_categories(Reference(daily, min_col=1, min_row=2, max_row=len(topics.daily) + 1))
        daily.add_chart(chart, "D2")
    _sheet(book, _("By class"), [_("Class"), _("Requests")], [list(r) for r in content.classes])
    _sheet(
        book,
        _("By county"),
        [pgettext("opinion", "County"), _("Requests")],
        [list(r) for r in content.counties],
    )
    _sheet(
        book,
        _("Hot keywords"),
        [
            _("Keyword"),
            _("Requests"),
            _("Share"),
            _("Share before"),
            pgettext("opinion", "Change"),
            _("Rise (G²)"),
        ],
        [
            [
                k.term,
                k.count,
                round(k.share, 4),
                round(k.baseline_share, 4),
                percent(k.change),
                k.score,
            ]
            for k in topics.keywords
        ],
    )
    _sheet(
        book,
        _("Clusters"),
        [
            _("Topic"),
            _("Keywords"),
            _("Requests in sample"),
            _("Share"),
            pgettext("opinion", "Examples"),
        ],
        [
            [
                c.label,
                "、".join(c.keywords),
                c.count,
                round(c.share, 4),
                "；".join(f"{n} {t}" for n, t in c.examples),
            ]
            for c in topics.clusters
        ],
    )
    _sheet(
        book,
        _("Departments"),
        [
            _("Department"),
            _("Requests"),
            _("Rated"),
            _("Satisfaction rate"),
            _("Dissatisfied ratings"),
            _("Complaints"),
            _("Resolution rate"),
            _("Complaint keywords"),
        ],
        [
            [
                t.name,
                t.orders,
                t.rated,
                percent(t.satisfaction_rate),
                t.dissatisfied,
                t.complaints,
                percent(t.resolution_rate),
                "、".join(t.keywords),
            ]
            for t in content.themes
        ],
    )
    _sheet(
        book,
        _("Surge alerts"),
        [_("Subject"), _("Window"), _("From"), _("To"), _("Requests"), _("Baseline mean")],
        [
            [
                a.subject,
                a.get_window_display(),
                a.period_start,
                a.period_end,
                a.count,
                round(a.baseline_mean, 2),
            ]
            for a in content.alerts
        ],
    )
    out = BytesIO()
    book.save(out)
    return out.getvalue()
