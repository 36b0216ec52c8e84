"""Monthly KPI counts per unit and place: the rankings' aggregate (``workorders.kpi_rollup``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class KpiMonth(models.Model):
    """The counts of ``kpis.COUNTS`` for one month, lead unit, county, town and region path:
    orders received that month, and (for the deadline counts) orders due that month. Rebuilt
    whole by ``kpi_rollup.refresh_months``; never edited row by row."""

    month = models.DateField(_("month"))
    lead_department = models.ForeignKey(
        "org.Department", on_delete=models.CASCADE, null=True, related_name="+"
    )
    county = models.ForeignKey("geo.Region", on_delete=models.CASCADE, null=True, related_name="+")
    town = models.ForeignKey("geo.Region", on_delete=models.CASCADE, null=True, related_name="+")
    region_path = models.CharField(max_length=80, blank=True)
    orders = models.PositiveIntegerField(default=0)
    due = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    completed_on_time = models.PositiveIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    dispatched = models.PositiveIntegerField(default=0)
    responded = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    extended = models.PositiveIntegerField(default=0)
    urged = models.PositiveIntegerField(default=0)
    reworked = models.PositiveIntegerField(default=0)
    repeats = models.PositiveIntegerField(default=0)
    called_back = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["month", "id"]
        indexes = [models.Index(fields=["month", "region_path"], name="kpi_month_path")]
        verbose_name = _("monthly KPI counts")
        verbose_name_plural = _("monthly KPI counts")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.lead_department_id} {self.region_path}"


class KpiMonthRefresh(models.Model):
    """When each month's counts were last rebuilt (a month without a row was never built)."""

    month = models.DateField(_("month"), unique=True)
    refreshed_at = models.DateTimeField(_("refreshed"))

    class Meta:
        ordering = ["month"]
        verbose_name = _("KPI month refresh")
        verbose_name_plural = _("KPI month refreshes")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} @ {self.refreshed_at:%Y-%m-%d %H:%M}"
