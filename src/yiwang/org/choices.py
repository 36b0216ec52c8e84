"""Roles, tiers and department kinds."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    CITY = "city", _("City")
    COUNTY = "county", _("County")
    TOWN = "town", _("Town")
    GRID = "grid", _("Grid")


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
