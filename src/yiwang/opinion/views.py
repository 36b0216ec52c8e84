"""The opinion pages: hot topics, surge alerts, department themes, and the reports with
their history. Each view checks the role, reads through the user's scope, renders."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.cockpit.access import roles_required
from yiwang.core.errors import DomainError, NotFound
from yiwang.core.scoping import describe_scope, get_visible_or_404, roles_of
from yiwang.opinion.analysis import hot_topics
from yiwang.opinion.choices import ALERT_HANDLERS, OPINION_READERS, REPORT_AUTHORS, AlertState
from yiwang.opinion.corpus import period_orders
from yiwang.opinion.domains import get_domain
from yiwang.opinion.forms import PeriodForm
from yiwang.opinion.models import OpinionAlert, Report
from yiwang.opinion.reports import XLSX_TYPE, percent
from yiwang.opinion.services import acknowledge_alert, request_report
from yiwang.opinion.themes import department_themes

REPORTS_API_URL = "/api/v1/opinion/reports/"
# The stored report is a document of its own: no scripts, nothing fetched, not framable.
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)


def _page(request: HttpRequest, template: str, section: str, **context: Any) -> HttpResponse:
    open_alerts = OpinionAlert.objects.visible_to(request.user).filter(state=AlertState.OPEN)
    context.update(
        section=section,
        open_alerts=open_alerts.count(),
        scope=describe_scope(request.user),
    )
    return render(request, template, context, status=context.pop("status", 200))


def _period_form(request: HttpRequest) -> PeriodForm:
    data = request.GET if request.GET else PeriodForm.initial_values()
    return PeriodForm(data)


@roles_required(OPINION_READERS)
def home(request: HttpRequest) -> HttpResponse:
    """Hot topics of a period: volume, keywords, clusters, with their trends."""
    form = _period_form(request)
    topics = None
    chart = None
    if form.is_valid():
        topics = hot_topics(
            request.user, form.get_period(), get_domain(form.cleaned_data["domain"])
        )
        chart = {
            "days": [d.strftime("%m-%d") for d, _n in topics.daily],
            "series": [
                {"name": _("All requests"), "values": [n for _d, n in topics.daily]},
                *[{"name": c.label, "values": c.trend} for c in topics.clusters[:5]],
            ],
        }
    return _page(
        request,
        "opinion/home.html",
        "topics",
        form=form,
        topics=topics,
        change=percent(topics.change) if topics else None,
        keywords=[(k, percent(k.change)) for k in topics.keywords] if topics else [],
        chart=chart,
        status=200 if form.is_valid() else 400,
    )


@roles_required(OPINION_READERS)
def surges(request: HttpRequest) -> HttpResponse:
    """Surge alerts about the user's regions, open ones first."""
    alerts = list(
        OpinionAlert.objects.visible_to(request.user)
        .select_related("category", "region", "acknowledged_by")
        .defer("region__geometry")
        .order_by("state", "-period_end", "-count", "id")[:200]
    )
    return _page(
        request,
        "opinion/surges.html",
        "surges",
        alerts=alerts,
        may_acknowledge=bool(roles_of(request.user) & ALERT_HANDLERS),
    )


@require_POST
@roles_required(OPINION_READERS)
def acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    try:
        alert = get_visible_or_404(OpinionAlert.objects.all(), request.user, pk=alert_id)
        acknowledge_alert(alert, actor=request.user)
    except NotFound:
        return _page(request, "opinion/surges.html", "surges", alerts=[], status=404)
    except DomainError as exc:
        return _page(
            request,
            "opinion/surges.html",
            "surges",
            alerts=[],
            error=exc.message,
            status=exc.status,
        )
    return HttpResponseRedirect(reverse("opinion:surges"))


@roles_required(OPINION_READERS)
def themes(request: HttpRequest) -> HttpResponse:
    """Satisfaction and complaint themes by department."""
    form = _period_form(request)
    rows = None
    if form.is_valid():
        orders = period_orders(
            request.user, form.get_period(), get_domain(form.cleaned_data["domain"])
        )
        rows = [
            (t, percent(t.satisfaction_rate), percent(t.resolution_rate))
            for t in department_themes(orders)
        ]
    return _page(
        request,
        "opinion/themes.html",
        "themes",
        form=form,
        rows=rows,
        status=200 if form.is_valid() else 400,
    )


@require_http_methods(["GET", "POST"])
@roles_required(OPINION_READERS)
def reports(request: HttpRequest) -> HttpResponse:
    """The report history, and (leaders and dispatchers) the form that queues a new one."""
    may_create = bool(roles_of(request.user) & REPORT_AUTHORS)
    status = 200
    if request.method == "POST" and may_create:
        form = PeriodForm(request.POST)
        if form.is_valid():
            period = form.get_period()
            try:
                report = request_report(
                    actor=request.user,
                    domain=form.cleaned_data["domain"],
                    start=period.start,
                    end=period.end,
                )
            except DomainError as exc:
                form.add_error(exc.field, exc.message)
            else:
                return HttpResponseRedirect(f"{reverse('opinion:reports')}?new={report.pk}")
        status = 400
    else:
        form = PeriodForm(initial=PeriodForm.initial_values())
    history = list(
        Report.objects.visible_to(request.user)
        .select_related("created_by")
        .defer("html", "xlsx")[:100]
    )
    return _page(
        request,
        "opinion/reports.html",
        "reports",
        form=form,
        may_create=may_create,
        history=history,
        status=status,
        status_url=REPORTS_API_URL,
        new_report=request.GET.get("new", ""),
    )


def _done_report(request: HttpRequest, report_id: int) -> Report:
    report = get_visible_or_404(Report.objects.all(), request.user, pk=report_id)
    if report.status != "done":
        raise NotFound("report not ready")
    return report


@roles_required(OPINION_READERS)
def report_html(request: HttpRequest, report_id: int) -> HttpResponse:
    try:
        report = _done_report(request, report_id)
    except NotFound:
        return _page(request, "opinion/missing.html", "reports", status=404)
    response = HttpResponse(report.html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = REPORT_CSP
    return response


@roles_required(OPINION_READERS)
def report_xlsx(request: HttpRequest, report_id: int) -> HttpResponse:
    try:
        report = _done_report(request, report_id)
    except NotFound:
        return _page(request, "opinion/missing.html", "reports", status=404)
    response = HttpResponse(bytes(report.xlsx), content_type=XLSX_TYPE)
    name = f"opinion-report-{report.domain}-{report.period_start}-{report.period_end}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
