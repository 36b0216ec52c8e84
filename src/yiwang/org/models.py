"""Departments, command centers, stationing and the roles people hold."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.geo.models import Grid, Region
from yiwang.org.choices import DepartmentKind, Role, Tier


class DepartmentQuerySet(models.QuerySet["Department"]):
    def visible_to(self, user: Any) -> DepartmentQuerySet:
        from yiwang.core.scoping import scope_of

        return scope_of(user).departments(self)


class Department(models.Model):
    """A government department, public institution or utility; county branches point to the
    city department they belong to through ``parent``."""

    code = models.CharField(_("code"), max_length=24, unique=True)
    name = models.CharField(_("name"), max_length=80)
    short_name = models.CharField(_("short name"), max_length=40)
    kind = models.CharField(_("kind"), max_length=16, choices=DepartmentKind.choices)
    tier = models.CharField(_("tier"), max_length=8, choices=Tier.choices, db_index=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="branches"
    )
    duties = models.TextField(_("duties"))
    legacy_hotline = models.CharField(_("legacy hotline"), max_length=32, blank=True)
    offers_online_services = models.BooleanField(_("offers online services"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        ordering = ["tier", "code"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "name"], name="department_name_unique_in_region"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CommandCenterQuerySet(models.QuerySet["CommandCenter"]):
    def visible_to(self, user: Any) -> CommandCenterQuerySet:
        from yiwang.core.scoping import scope_of

        return scope_of(user).centers(self)


class CommandCenter(models.Model):
    """A governance command center (指挥中心) at city, county or town level; one per region."""

    name = models.CharField(_("name"), max_length=80)
    tier = models.CharField(_("tier"), max_length=8, choices=Tier.choices, db_index=True)
    region = models.OneToOneField(Region, on_delete=models.PROTECT, related_name="command_center")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    duty_phone = models.CharField(_("duty phone"), max_length=32, blank=True)
    stationed_departments = models.ManyToManyField(
        Department, through="Stationing", related_name="stationed_in", blank=True
    )

    objects = CommandCenterQuerySet.as_manager()

    class Meta:
        ordering = ["region__code"]
        verbose_name = _("command center")
        verbose_name_plural = _("command centers")

    def __str__(self) -> str:
        return self.name


class Stationing(models.Model):
    """A department stationed in a command center (部门进驻), with the staff it sends."""

    center = models.ForeignKey(CommandCenter, on_delete=models.CASCADE, related_name="stationings")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="stationings")
    staff_count = models.PositiveSmallIntegerField(_("staff stationed"), default=1)
    since = models.DateField(_("since"), null=True, blank=True)

    class Meta:
        ordering = ["center", "department"]
        constraints = [
            models.UniqueConstraint(fields=["center", "department"], name="stationing_unique")
        ]

    def __str__(self) -> str:
        return f"{self.department} @ {self.center}"


class RoleAssignment(models.Model):
    """A role a person holds, with where it applies: a center (dispatchers), a department
    (handlers, liaisons), a region (leaders), grids (grid workers).

    Written only by ``org.services.assign_role``, which enforces the separation of the three
    administrators (三员分立) from each other and from business roles.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Where the role applies; derived from the center or department when set."),
    )
    center = models.ForeignKey(
        CommandCenter, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    grids = models.ManyToManyField(Grid, blank=True, related_name="workers")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "role"]
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="one_assignment_per_role")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"
