"""The grid's own records: who covers which grid (with leave and cover), patrols and their
track, the grid reports' grid facts, tasks from the center, the registers and visits, and the
special grids' units.

Written only through ``yiwang.grid.services``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.geo.models import Grid
from yiwang.org.models import Department
from yiwang.workorders.models import WorkOrder


class AssignmentKind(models.TextChoices):
    REGULAR = "regular", _("Regular")
    COVER = "cover", _("Cover during leave")


class GridAssignment(models.Model):
    """A worker covers a grid from ``starts_on`` to ``ends_on`` (open: still). One worker may
    cover several grids, a grid may have several workers. The grid worker's role assignment
    holds the grids of the assignments active today (``services.sync_worker_grids``)."""

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grid_assignments"
    )
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="assignments")
    kind = models.CharField(
        _("kind"), max_length=12, choices=AssignmentKind.choices, default="regular"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    covering_for = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["grid", "worker"]
        indexes = [models.Index(fields=["worker", "starts_on"])]
        verbose_name = _("grid assignment")

    def __str__(self) -> str:
        return f"{self.worker} @ {self.grid}"


class Leave(models.Model):
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grid_leaves"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.CharField(_("reason"), max_length=200)
    cover = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grid_covers"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("leave")

    def __str__(self) -> str:
        return f"{self.worker} {self.starts_on}–{self.ends_on}"


class SpecialGridUnit(models.Model):
    """The department a special grid (school, hospital, park …) belongs to: its escalated
    reports go to that department first."""

    grid = models.OneToOneField(Grid, on_delete=models.CASCADE, related_name="unit")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("special grid unit")

    def __str__(self) -> str:
        return f"{self.grid} → {self.department}"


class ReportMode(models.TextChoices):
    SELF = "self", _("Handle myself (自办)")
    ESCALATE = "escalate", _("Send up to the town (上报)")


class GridReport(models.Model):
    """The grid facts of an order a grid worker reported."""

    order = models.OneToOneField(WorkOrder, on_delete=models.CASCADE, related_name="grid_report")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grid_reports"
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="reports"
    )
    special_grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="special_reports"
    )
    town = models.ForeignKey(
        "geo.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    mode = models.CharField(_("mode"), max_length=12, choices=ReportMode.choices)
    outside_grid = models.BooleanField(_("outside the worker's grids"), default=False)
    outside_reason = models.CharField(_("reason for reporting outside"), max_length=200, blank=True)
    routed_to = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("grid report")

    def __str__(self) -> str:
        return str(self.order_id)


class Patrol(models.Model):
    """One patrol (巡查) of a worker: started, stopped, its track and the share of the grid's
    cells it came through."""

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patrols"
    )
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="patrols")
    day = models.DateField(db_index=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    points = models.PositiveIntegerField(default=0)
    distance_m = models.FloatField(default=0)
    coverage = models.FloatField(_("coverage"), default=0)
    cells = models.JSONField(default=list, blank=True)
    # The last position received: the worker's live position on the center's map.
    last_lon = models.FloatField(null=True, blank=True)
    last_lat = models.FloatField(null=True, blank=True)
    last_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["worker", "day"])]
        verbose_name = _("patrol")

    def __str__(self) -> str:
        return f"{self.worker} {self.day}"


class TrackPoint(models.Model):
    id = models.BigAutoField(primary_key=True)
    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="track")
    recorded_at = models.DateTimeField()
    lon = models.FloatField()
    lat = models.FloatField()
    accuracy = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["patrol", "recorded_at"]
        constraints = [
            models.UniqueConstraint(fields=["patrol", "recorded_at"], name="trackpoint_once")
        ]

    def __str__(self) -> str:
        return f"{self.lon:.6f},{self.lat:.6f}@{self.recorded_at:%H:%M:%S}"


class TaskKind(models.TextChoices):
    VERIFY = "verify", _("Verify on site")
    CALLBACK = "callback", _("Call back in person")
    RECHECK = "recheck", _("Check after a warning")
    VISIT = "visit", _("Visit")


class GridTask(models.Model):
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grid_tasks"
    )
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="tasks")
    kind = models.CharField(_("kind"), max_length=12, choices=TaskKind.choices)
    title = models.CharField(_("title"), max_length=120)
    detail = models.TextField(_("detail"), blank=True)
    order = models.ForeignKey(
        WorkOrder, on_delete=models.SET_NULL, null=True, blank=True, related_name="grid_tasks"
    )
    due_at = models.DateTimeField(_("due"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    result = models.TextField(_("result"), blank=True)

    class Meta:
        ordering = ["done_at", "due_at"]
        verbose_name = _("grid task")

    def __str__(self) -> str:
        return self.title


class EntryKind(models.TextChoices):
    HOUSEHOLD = "household", _("Household")
    BUILDING = "building", _("Building")
    POI = "poi", _("Point of interest")
    KEY_PERSON = "key_person", _("Key person")
    KEY_PLACE = "key_place", _("Key place")


class RegisterEntry(models.Model):
    """One line of a grid's registers (households and buildings, key persons and places)."""

    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="register")
    kind = models.CharField(_("kind"), max_length=12, choices=EntryKind.choices, db_index=True)
    name = models.CharField(_("name"), max_length=80)
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    visit_every_days = models.PositiveSmallIntegerField(_("visit every (days)"), default=0)
    last_visited_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["grid", "kind", "name"]
        verbose_name = _("register entry")

    def __str__(self) -> str:
        return self.name


class Visit(models.Model):
    entry = models.ForeignKey(RegisterEntry, on_delete=models.CASCADE, related_name="visits")
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    visited_at = models.DateTimeField()
    note = models.CharField(_("note"), max_length=500)

    class Meta:
        ordering = ["-visited_at"]
        verbose_name = _("visit")

    def __str__(self) -> str:
        return f"{self.entry_id} {self.visited_at:%Y-%m-%d}"
