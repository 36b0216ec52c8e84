"""Surge alerts and analysis reports."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiwang.opinion.choices import AlertState, ReportStatus, SurgeWindow


class OpinionAlertQuerySet(models.QuerySet["OpinionAlert"]):
    def visible_to(self, user: Any) -> OpinionAlertQuerySet:
        """Alerts about the user's regions (a county dispatcher: their county and its towns);
        city-wide users see every alert."""
        from yiwang.core.scoping import scope_of

        scope = scope_of(user)
        if scope.everything:
            return self
        if not scope.region_paths:
            return self.none()
        condition = Q()
        for path in scope.region_paths:
            condition |= Q(region_path__startswith=path)
        return self.filter(condition)


class OpinionAlert(models.Model):
    """A surge (激增): requests of a category, a place or a category in a place rising well
    above their baseline. Raised once per surge by ``services.detect_surges``; the centers
    acknowledge it."""

    window = models.CharField(_("window"), max_length=8, choices=SurgeWindow.choices)
    category = models.ForeignKey(
        "workorders.Category", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    region = models.ForeignKey("geo.Region", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=80, db_index=True)
    # "<category code or *>@<region code>": what the surge is about, for deduplication.
    subject_key = models.CharField(max_length=64)
    subject = models.CharField(_("subject"), max_length=160)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    count = models.PositiveIntegerField(_("count"))
    baseline_mean = models.FloatField(_("baseline mean"))
    baseline_std = models.FloatField(_("baseline standard deviation"))
    threshold = models.FloatField(_("threshold"))
    state = models.CharField(
        _("state"), max_length=16, choices=AlertState.choices, default=AlertState.OPEN
    )
    created_at = models.DateTimeField(_("raised"))
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)

    objects = OpinionAlertQuerySet.as_manager()

    class Meta:
        ordering = ["-period_end", "-count", "id"]
        verbose_name = _("surge alert")
        verbose_name_plural = _("surge alerts")
        indexes = [models.Index(fields=["state", "region_path"], name="opinion_alert_open")]
        constraints = [
            # Two detections racing for the same surge store it once.
            models.UniqueConstraint(
                fields=["window", "subject_key", "period_end"], name="opinion_alert_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.period_end}"

    @property
    def ratio(self) -> float:
        return self.count / self.baseline_mean if self.baseline_mean else float(self.count)


class ReportQuerySet(models.QuerySet["Report"]):
    def visible_to(self, user: Any) -> ReportQuerySet:
        """A report holds figures of its author's scope: city-wide users see every report,
        everyone else their own."""
        from yiwang.core.scoping import scope_of

        scope = scope_of(user)
        if scope.everything:
            return self
        if scope.user_id is None:
            return self.none()
        return self.filter(created_by_id=scope.user_id)


class Report(models.Model):
    """One periodic analysis report of a domain: queued, generated in the background with its
    progress here, and kept with its HTML and XLSX in the report history."""

    domain = models.CharField(_("domain"), max_length=32)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    stage = models.CharField(_("stage"), max_length=120, blank=True)
    scope_label = models.CharField(_("scope"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("requested"))
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    html = models.TextField(_("HTML"), blank=True)
    xlsx = models.BinaryField(_("XLSX"), blank=True, default=b"")
    error = models.TextField(_("error"), blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("analysis report")
        verbose_name_plural = _("analysis reports")

    def __str__(self) -> str:
        return f"{self.domain} {self.period_start}–{self.period_end}"

    @property
    def domain_label(self) -> str:
        from yiwang.opinion.domains import load_domains

        for domain in load_domains():
            if domain.code == self.domain:
                return domain.label
        return self.domain
