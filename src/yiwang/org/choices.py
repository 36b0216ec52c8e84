"""Roles, tiers and department kinds."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Tier(models.TextChoices):
    CITY = "city", pgettext_lazy("tier", "City")
    COUNTY = "county", pgettext_lazy("tier", "County")
    TOWN = "town", pgettext_lazy("tier", "Town")
    GRID = "grid", pgettext_lazy("tier", "Grid")


class DepartmentKind(models.TextChoices):
    BUREAU = "bureau", _("Government department")
    INSTITUTION = "institution", _("Public institution")
    UTILITY = "utility", _("Public utility")
    FORCE = "force", _("Emergency force")


class Role(models.TextChoices):
    CITY_DISPATCHER = "city_dispatcher", _("City center dispatcher")
    COUNTY_DISPATCHER = "county_dispatcher", _("County center dispatcher")
    TOWN_DISPATCHER = "town_dispatcher", _("Town center dispatcher")
    DEPT_HANDLER = "dept_handler", _("Department handler")
    DEPT_LIAISON = "dept_liaison", _("Department liaison")
    GRID_WORKER = "grid_worker", _("Grid worker")
    HOTLINE_AGENT = "hotline_agent", _("Hotline agent")
    LEADER = "leader", _("Leader")
    DATA_STEWARD = "data_steward", _("Data steward")
    AUDITOR = "auditor", _("Auditor")
    SYSTEM_ADMIN = "system_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")
    CITIZEN = "citizen", _("Citizen")


# 三员分立: each of these must be the account's only role.
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
DISPATCHER_ROLES = {
    Role.CITY_DISPATCHER: Tier.CITY,
    Role.COUNTY_DISPATCHER: Tier.COUNTY,
    Role.TOWN_DISPATCHER: Tier.TOWN,
}
DEPARTMENT_ROLES = frozenset({Role.DEPT_HANDLER, Role.DEPT_LIAISON})
