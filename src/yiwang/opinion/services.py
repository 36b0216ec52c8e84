"""The opinion app's write paths: reports (request, generate), surge alerts (raise,
acknowledge). Each write is one transaction with its audit record."""

from __future__ import annotations

import logging
import threading
import traceback
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from yiwang.core.audit import record_audit
from yiwang.core.errors import Conflict, PermissionDenied, ValidationFailed
from yiwang.core.scoping import describe_scope, roles_of
from yiwang.geo.models import Region
from yiwang.opinion.analysis import MAX_PERIOD_DAYS
from yiwang.opinion.choices import ALERT_HANDLERS, REPORT_AUTHORS, AlertState, ReportStatus
from yiwang.opinion.corpus import Period
from yiwang.opinion.domains import get_domain
from yiwang.opinion.models import OpinionAlert, Report
from yiwang.opinion.surges import Surge, find_surges
from yiwang.workorders.models import Category

log = logging.getLogger(__name__)


# --- reports ---------------------------------------------------------------------------------


def check_period(start: date | None, end: date | None) -> Period:
    """A period users may ask for: both days given, in order, not in the future, at most a
    year long."""
    if start is None:
        raise ValidationFailed(_("Enter the first day."), field="start")
    if end is None:
        raise ValidationFailed(_("Enter the last day."), field="end")
    if start > end:
        raise ValidationFailed(_("The first day must not be after the last day."), field="start")
    if end > timezone.localdate():
        raise ValidationFailed(_("The last day must not be in the future."), field="end")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise ValidationFailed(
            _("The period may not be longer than %(days)d days.") % {"days": MAX_PERIOD_DAYS},
            field="end",
        )
    return Period(start, end)


def request_report(
    *,
    actor: Any,
    domain: str,
    start: date | None,
    end: date | None,
    background: bool = True,
) -> Report:
    """Queue an analysis report of ``domain`` over [start, end] in ``actor``'s scope; it is
    generated in the background once the transaction commits (``background=False``: the
    caller runs ``generate_report`` itself — the command line, the demo loader)."""
    if not roles_of(actor) & REPORT_AUTHORS:
        raise PermissionDenied(_("Only leaders and command-center dispatchers generate reports."))
    the_domain = get_domain(domain)
    period = check_period(start, end)
    with transaction.atomic():
        report = Report.objects.create(
            domain=the_domain.code,
            period_start=period.start,
            period_end=period.end,
            created_by=actor,
            created_at=timezone.now(),
            scope_label=describe_scope(actor)[:200],
            stage=_("Waiting to start"),
        )
        record_audit(
            "opinion.report_requested",
            actor=actor,
            obj=report,
            after={"domain": report.domain, "start": period.start, "end": period.end},
        )
        if background:
            transaction.on_commit(lambda: schedule_report(report.pk))
    return report


def schedule_report(report_id: int) -> None:
    """Hand the report to the job worker, or — the embedded set-up runs no worker — to a
    thread of this process (``OPINION_REPORT_RUNNER``)."""
    if getattr(settings, "OPINION_REPORT_RUNNER", "thread") == "worker":
        from yiwang.opinion.tasks import generate_report_task

        generate_report_task(report_id)
        return
    threading.Thread(
        target=_run_in_thread, args=(report_id,), name=f"opinion-report-{report_id}", daemon=True
    ).start()


def _run_in_thread(report_id: int) -> None:
    close_old_connections()
    try:
        generate_report(report_id)
    except Exception:  # generate_report records failures; this only keeps the thread quiet
        log.exception("report %s failed", report_id)
    finally:
        connection.close()


def _set_progress(report_id: int, progress: int, stage: str) -> None:
    # Outside any transaction, so that the status endpoint sees it at once.
    Report.objects.filter(pk=report_id, status=ReportStatus.RUNNING).update(
        progress=max(0, min(progress, 99)), stage=stage[:120]
    )


def generate_report(report_id: int) -> Report:
    """Generate a queued report (the job the worker or thread runs): its HTML and XLSX over
    its author's scope, with progress along the way; a failure is recorded on the report."""
    from yiwang.opinion.reports import build_content, build_xlsx, render_html

    started = Report.objects.filter(pk=report_id, status=ReportStatus.QUEUED).update(
        status=ReportStatus.RUNNING,
        started_at=timezone.now(),
        progress=1,
        stage=_("Starting"),
    )
    report = Report.objects.select_related("created_by").get(pk=report_id)
    if not started:
        raise Conflict(_("This report is not waiting to be generated."))
    author = report.created_by
    try:
        # Reports read in the platform's language whoever's request the job runs for.
        with override(settings.LANGUAGE_CODE):
            content = build_content(
                author,
                Period(report.period_start, report.period_end),
                get_domain(report.domain),
                lambda progress, stage: _set_progress(report_id, progress, stage),
            )
            _set_progress(report_id, 92, _("Writing HTML and XLSX"))
            html = render_html(content)
            xlsx = build_xlsx(content)
    except Exception:
        with transaction.atomic():
            Report.objects.filter(pk=report_id).update(
                status=ReportStatus.FAILED,
                finished_at=timezone.now(),
                error=traceback.format_exc()[-4000:],
                stage=_("Failed"),
            )
            record_audit(
                "opinion.report_failed",
                actor=None,
                obj=report,
                result="failure",
            )
        raise
    with transaction.atomic():
        report.status = ReportStatus.DONE
        report.progress = 100
        report.stage = _("Done")
        report.finished_at = timezone.now()
        report.html = html
        report.xlsx = xlsx
        report.summary = {
            "orders": content.summary["orders"],
            "satisfaction_rate": content.summary["satisfaction_rate"],
            "clusters": len(content.topics.clusters),
            "sampled": content.topics.sampled,
        }
        report.save(
            update_fields=["status", "progress", "stage", "finished_at", "html", "xlsx", "summary"]
        )
        record_audit(
            "opinion.report_generated",
            actor=None,
            obj=report,
            after={"orders": content.summary["orders"], "bytes_xlsx": len(xlsx)},
        )
    return report


def fail_stale_reports(*, older_than: timedelta = timedelta(hours=1)) -> int:
    """Mark reports failed that a stopped server or worker left queued or running."""
    cutoff = timezone.now() - older_than
    stale = Report.objects.filter(
        status__in=(ReportStatus.QUEUED, ReportStatus.RUNNING), created_at__lt=cutoff
    )
    with transaction.atomic():
        ids = list(stale.values_list("id", flat=True))
        if ids:
            Report.objects.filter(id__in=ids).update(
                status=ReportStatus.FAILED,
                finished_at=timezone.now(),
                stage=_("Interrupted"),
                error="the job did not finish (server or worker stopped)",
            )
            record_audit(
                "opinion.reports_interrupted",
                actor=None,
                object_type="opinion.report",
                after={"ids": ids},
            )
    return len(ids)


# --- surge alerts ----------------------------------------------------------------------------


def _subject(surge: Surge, categories: dict[int, Category], regions: dict[int, Region]) -> str:
    region = regions[surge.region_id]
    if surge.category_id is None:
        return region.name
    return f"{region.name} · {categories[surge.category_id].name}"


def detect_surges(*, today: date | None = None, actor: Any = None) -> list[OpinionAlert]:
    """Raise an alert for every new surge (``surges.find_surges``); a surge already alerted —
    the same subject with an alert whose days overlap — is not raised again."""
    today = today or timezone.localdate()
    surges = find_surges(today)
    if not surges:
        return []
    categories = Category.objects.in_bulk({s.category_id for s in surges if s.category_id})
    regions = Region.objects.defer("geometry").in_bulk({s.region_id for s in surges})
    raised = []
    with transaction.atomic():
        for surge in surges:
            if OpinionAlert.objects.filter(
                subject_key=surge.subject_key, period_end__gte=surge.period.start
            ).exists():
                continue
            alert = OpinionAlert.objects.create(
                window=surge.window,
                category_id=surge.category_id,
                region_id=surge.region_id,
                region_path=regions[surge.region_id].path,
                subject_key=surge.subject_key,
                subject=_subject(surge, categories, regions)[:160],
                period_start=surge.period.start,
                period_end=surge.period.end,
                count=surge.check.count,
                baseline_mean=surge.check.mean,
                baseline_std=surge.check.std,
                threshold=surge.check.threshold,
                created_at=timezone.now(),
            )
            record_audit(
                "opinion.surge_raised",
                actor=actor,
                obj=alert,
                after={"count": alert.count, "threshold": alert.threshold, "window": alert.window},
            )
            raised.append(alert)
    return raised


def acknowledge_alert(alert: OpinionAlert, *, actor: Any) -> OpinionAlert:
    """A center dispatcher takes note of a surge (it leaves the open count)."""
    if not roles_of(actor) & ALERT_HANDLERS:
        raise PermissionDenied(_("Only command-center dispatchers acknowledge surge alerts."))
    if not OpinionAlert.objects.visible_to(actor).filter(pk=alert.pk).exists():
        raise PermissionDenied(_("This alert is outside your jurisdiction."))
    with transaction.atomic():
        updated = OpinionAlert.objects.filter(pk=alert.pk, state=AlertState.OPEN).update(
            state=AlertState.ACKNOWLEDGED, acknowledged_by=actor, acknowledged_at=timezone.now()
        )
        if not updated:
            raise Conflict(_("This alert has already been acknowledged."))
        record_audit("opinion.surge_acknowledged", actor=actor, obj=alert)
    alert.refresh_from_db()
    return alert
