"""The opinion API under /api/v1/opinion/: hot topics, surge alerts, department themes and
analysis reports (create, status, list). Handlers parse, call one service or read, render."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router, Status

from yiwang.core.api_auth import request_user
from yiwang.core.scoping import get_visible_or_404
from yiwang.opinion.access import require_reader
from yiwang.opinion.analysis import HotTopics, hot_topics
from yiwang.opinion.choices import ReportStatus
from yiwang.opinion.corpus import Period, period_orders
from yiwang.opinion.domains import get_domain
from yiwang.opinion.keywords import Keyword
from yiwang.opinion.models import OpinionAlert, Report
from yiwang.opinion.schemas import (
    AlertSchema,
    HotTopicsOut,
    PeriodFilter,
    ReportIn,
    ReportSchema,
    ThemeSchema,
    ThemesOut,
)
from yiwang.opinion.services import acknowledge_alert, check_period, request_report
from yiwang.opinion.themes import department_themes

router = Router(tags=["opinion"])

DEFAULT_DAYS = 30


def _period(filters: PeriodFilter) -> Period:
    end = filters.end or timezone.localdate()
    start = filters.start or end - timedelta(days=DEFAULT_DAYS - 1)
    return check_period(start, end)


def _keyword(k: Keyword) -> dict[str, Any]:
    return {
        "term": k.term,
        "count": k.count,
        "baseline": k.baseline,
        "share": round(k.share, 4),
        "change": None if k.change is None else round(k.change, 4),
        "score": k.score,
        "trend": k.trend,
    }


def hot_topics_out(topics: HotTopics) -> dict[str, Any]:
    return {
        "domain": topics.domain.code,
        "start": topics.period.start,
        "end": topics.period.end,
        "total": topics.total,
        "previous_total": topics.previous_total,
        "sampled": topics.sampled,
        "is_sample": topics.is_sample,
        "daily": [{"date": d, "count": n} for d, n in topics.daily],
        "keywords": [_keyword(k) for k in topics.keywords],
        "rising": [_keyword(k) for k in topics.rising],
        "clusters": [
            {
                "label": c.label,
                "keywords": c.keywords,
                "count": c.count,
                "share": round(c.share, 4),
                "examples": [{"number": n, "title": t} for n, t in c.examples],
                "trend": c.trend,
            }
            for c in topics.clusters
        ],
    }


@router.get("/opinion/hot-topics", response=HotTopicsOut)
def get_hot_topics(request: HttpRequest, filters: Query[PeriodFilter]) -> dict[str, Any]:
    """Hot topics of [start, end] (default: the last 30 days) in the caller's scope: daily
    volume, most used and fastest rising keywords, clusters of similar requests. Keywords
    and clusters use a random sample of at most ``OPINION_TEXT_SAMPLE`` texts
    (``is_sample``)."""
    user = request_user(request)
    require_reader(user)
    domain = get_domain(filters.domain)
    return hot_topics_out(hot_topics(user, _period(filters), domain))


def alert_out(alert: OpinionAlert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "window": alert.window,
        "subject": alert.subject,
        "category": alert.category.code if alert.category else None,
        "region": alert.region.code,
        "period_start": alert.period_start,
        "period_end": alert.period_end,
        "count": alert.count,
        "baseline_mean": alert.baseline_mean,
        "threshold": alert.threshold,
        "state": alert.state,
        "created_at": alert.created_at,
    }


@router.get("/opinion/surges", response=list[AlertSchema])
def list_surges(request: HttpRequest, state: str | None = None) -> list[dict[str, Any]]:
    """Surge alerts about the caller's regions, newest first (``state``: open or
    acknowledged); at most 200."""
    user = request_user(request)
    require_reader(user)
    alerts = OpinionAlert.objects.visible_to(user).select_related("category", "region")
    if state:
        alerts = alerts.filter(state=state)
    return [alert_out(a) for a in alerts.defer("region__geometry")[:200]]


@router.post("/opinion/surges/{alert_id}/acknowledge", response=AlertSchema)
def acknowledge_surge(request: HttpRequest, alert_id: int) -> dict[str, Any]:
    """Acknowledge an open surge alert (command-center dispatchers)."""
    user = request_user(request)
    alert = get_visible_or_404(
        OpinionAlert.objects.select_related("category", "region"), user, pk=alert_id
    )
    return alert_out(acknowledge_alert(alert, actor=user))


def theme_out(t: Any) -> dict[str, Any]:
    return {
        **{k: getattr(t, k) for k in ThemeSchema.model_fields if k not in ("keywords",)},
        "keywords": t.keywords,
    }


@router.get("/opinion/themes", response=ThemesOut)
def get_themes(request: HttpRequest, filters: Query[PeriodFilter]) -> dict[str, Any]:
    """Satisfaction and complaint themes of the lead units of [start, end] (default: the last
    30 days): rates from the callbacks and the words of their unhappy requests."""
    user = request_user(request)
    require_reader(user)
    domain = get_domain(filters.domain)
    period = _period(filters)
    themes = department_themes(period_orders(user, period, domain))
    return {
        "domain": domain.code,
        "start": period.start,
        "end": period.end,
        "departments": [theme_out(t) for t in themes],
    }


def report_out(report: Report) -> dict[str, Any]:
    done = report.status == ReportStatus.DONE
    return {
        "id": report.pk,
        "domain": report.domain,
        "domain_label": report.domain_label,
        "period_start": report.period_start,
        "period_end": report.period_end,
        "status": report.status,
        "status_label": report.get_status_display(),
        "progress": report.progress,
        "stage": report.stage,
        "created_by": report.created_by.full_name or report.created_by.username,
        "created_at": report.created_at,
        "finished_at": report.finished_at,
        "html_url": reverse("opinion:report-html", args=[report.pk]) if done else None,
        "xlsx_url": reverse("opinion:report-xlsx", args=[report.pk]) if done else None,
    }


def visible_reports(user: Any) -> Any:
    return Report.objects.visible_to(user).select_related("created_by").defer("html", "xlsx")


@router.get("/opinion/reports", response=list[ReportSchema])
def list_reports(request: HttpRequest) -> list[dict[str, Any]]:
    """The report history the caller may see, newest first (at most 100)."""
    user = request_user(request)
    require_reader(user)
    return [report_out(r) for r in visible_reports(user)[:100]]


@router.post("/opinion/reports", response={202: ReportSchema})
def create_report(request: HttpRequest, payload: ReportIn) -> Status[dict[str, Any]]:
    """Queue a report of ``domain`` over [start, end] (default: the last 30 days); poll
    ``GET /opinion/reports/{id}`` for its progress."""
    user = request_user(request)
    end = payload.end or timezone.localdate()
    start = payload.start or end - timedelta(days=DEFAULT_DAYS - 1)
    report = request_report(actor=user, domain=payload.domain, start=start, end=end)
    return Status(202, report_out(visible_reports(user).get(pk=report.pk)))


@router.get("/opinion/reports/{report_id}", response=ReportSchema)
def report_status(request: HttpRequest, report_id: int) -> dict[str, Any]:
    """One report's status and progress (0–100, with the stage), and its links once done."""
    user = request_user(request)
    return report_out(get_visible_or_404(visible_reports(user), user, pk=report_id))
