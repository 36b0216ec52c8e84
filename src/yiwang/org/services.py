"""Organisation: who holds which role, where. The only write path for role assignments."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from yiwang.core.audit import record_audit, save_audited
from yiwang.core.errors import ValidationFailed
from yiwang.core.scoping import forget_scope
from yiwang.geo.models import Grid, Region
from yiwang.org.choices import ADMIN_ROLES, DEPARTMENT_ROLES, DISPATCHER_ROLES, Role
from yiwang.org.models import CommandCenter, Department, RoleAssignment, Stationing


def check_separation_of_duties(current: Iterable[str], new_role: str) -> None:
    """三员分立: an administrator role must be an account's only role."""
    held = set(current) - {new_role}
    if not held:
        return
    if new_role in ADMIN_ROLES:
        raise ValidationFailed(
            _("%(role)s must be the account's only role; it already holds: %(held)s.")
            % {"role": Role(new_role).label, "held": ", ".join(sorted(held))},
            field="role",
        )
    admin_held = held & ADMIN_ROLES
    if admin_held:
        raise ValidationFailed(
            _("The account is an administrator (%(held)s) and cannot take a business role.")
            % {"held": ", ".join(sorted(admin_held))},
            field="role",
        )


def assign_role(
    user: Any,
    role: str,
    *,
    actor: Any | None,
    center: CommandCenter | None = None,
    department: Department | None = None,
    region: Region | None = None,
    grids: Iterable[Grid] = (),
) -> RoleAssignment:
    """Give ``user`` a role with the place it applies to, checking the role's requirements."""
    if role not in Role.values:
        raise ValidationFailed(_("Unknown role %(role)s.") % {"role": role}, field="role")
    grid_list = list(grids)
    if role in DISPATCHER_ROLES:
        if center is None:
            raise ValidationFailed(_("A dispatcher needs a command center."), field="center")
        if center.tier != DISPATCHER_ROLES[Role(role)]:
            raise ValidationFailed(
                _("A %(role)s works in a %(tier)s-level center.")
                % {"role": Role(role).label, "tier": DISPATCHER_ROLES[Role(role)].label},
                field="center",
            )
        region = center.region
    elif role in DEPARTMENT_ROLES:
        if department is None:
            raise ValidationFailed(_("A department role needs a department."), field="department")
        if not department.is_active:
            raise ValidationFailed(
                _("%(department)s is no longer active.") % {"department": department.name},
                field="department",
            )
        region = department.region
    elif role == Role.GRID_WORKER:
        if not grid_list:
            raise ValidationFailed(_("A grid worker needs at least one grid."), field="grids")
        region = grid_list[0].town
    elif role == Role.LEADER and region is None:
        raise ValidationFailed(_("A leader needs the region they lead."), field="region")
    # Keep only the places this role uses, so scope is never derived from a stray field.
    if role not in DISPATCHER_ROLES:
        center = None
    if role not in DEPARTMENT_ROLES:
        department = None
    if role != Role.GRID_WORKER:
        grid_list = []

    with transaction.atomic():
        held = list(
            RoleAssignment.objects.select_for_update()
            .filter(user=user)
            .values_list("role", flat=True)
        )
        check_separation_of_duties(held, role)
        assignment, _created = RoleAssignment.objects.update_or_create(
            user=user,
            role=role,
            defaults={"center": center, "department": department, "region": region},
        )
        assignment.grids.set(grid_list)
        if role in ADMIN_ROLES and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        record_audit(
            "org.role_assigned",
            actor=actor,
            obj=user,
            after={
                "role": role,
                "center": center.pk if center else None,
                "department": department.pk if department else None,
                "region": region.code if region else None,
                "grids": [g.code for g in grid_list],
            },
        )
    forget_scope(user)
    return assignment


def remove_role(user: Any, role: str, *, actor: Any | None) -> None:
    with transaction.atomic():
        deleted, _rows = RoleAssignment.objects.filter(user=user, role=role).delete()
        if deleted:
            still_admin = RoleAssignment.objects.filter(user=user, role__in=ADMIN_ROLES).exists()
            if user.is_staff and not still_admin and not user.is_superuser:
                user.is_staff = False
                user.save(update_fields=["is_staff"])
            record_audit("org.role_removed", actor=actor, obj=user, before={"role": role})
    forget_scope(user)


# --- operators' edits of the organisation (the admin site calls these) ----------------------


def save_department(
    department: Department, *, actor: Any | None, changed: Iterable[str] = ()
) -> Department:
    """Create a department, or save the fields named in ``changed``, with an audit record."""
    save_audited(department, actor=actor, changed=changed, action="org.department")
    return department


def save_command_center(
    center: CommandCenter, *, actor: Any | None, changed: Iterable[str] = ()
) -> CommandCenter:
    """Create a command center, or save the fields named in ``changed``, with an audit record."""
    save_audited(center, actor=actor, changed=changed, action="org.center")
    return center


def save_stationing(
    stationing: Stationing, *, actor: Any | None, changed: Iterable[str] = ()
) -> Stationing:
    """Station a department in a center (部门进驻), or change its staff, with an audit record."""
    save_audited(stationing, actor=actor, changed=changed, action="org.stationing")
    return stationing


def remove_stationing(stationing: Stationing, *, actor: Any | None) -> None:
    """Withdraw a department from a center, with an audit record."""
    with transaction.atomic():
        record_audit(
            "org.stationing_removed",
            actor=actor,
            obj=stationing,
            before={
                "center": stationing.center_id,
                "department": stationing.department_id,
                "staff_count": stationing.staff_count,
            },
        )
        stationing.delete()
