"""Scoped reads in one place (NetBox's RestrictedQuerySet, Zulip's access_*_by_id).

``scope_of(user)`` turns a user's role assignments into a ``Scope``; every model's
``visible_to(user)`` asks the scope to narrow its queryset. Fetch-by-id goes through
``get_visible_or_404`` so "not yours" and "does not exist" look the same.

Scopes are kept per process (they cost a joined query and some path arithmetic, on every
request). A change of role assignments or regions drops them at once in this process and, through
the shared cache, in the other processes within ``SCOPE_CHECK_SECONDS``.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Model, Q, QuerySet

from yiwang.core.errors import NotFound

M = TypeVar("M", bound=Model)
QS = TypeVar("QS", bound=QuerySet[Any])

# Roles whose business reads cover the whole territory of their assignment's region.
_REGIONAL_ROLES = {"city_dispatcher", "county_dispatcher", "town_dispatcher", "leader"}
# Roles whose reads are city-wide by the nature of the work.
_CITYWIDE_ROLES = {"hotline_agent", "data_steward", "auditor", "system_admin"}


@dataclass(frozen=True)
class Scope:
    """What one user may read."""

    everything: bool = False
    region_paths: tuple[str, ...] = ()
    department_ids: frozenset[int] = frozenset()
    grid_ids: frozenset[int] = frozenset()
    # Regions above the user's own (and a grid worker's town): their centers and departments
    # are whom the user escalates and dispatches to, so they are visible as single nodes.
    upward_paths: tuple[str, ...] = ()
    public_directory: bool = False
    reads_audit: bool = False
    reads_people: bool = False
    user_id: int | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    def _paths_q(self, column: str) -> Q | None:
        if not self.region_paths:
            return None
        return reduce(or_, (Q(**{f"{column}__startswith": p}) for p in self.region_paths))

    def _subtree_and_ancestors(self, column: str) -> list[Q]:
        conditions = [q for q in (self._paths_q(column),) if q is not None]
        if self.upward_paths:
            conditions.append(Q(**{f"{column}__in": self.upward_paths}))
        return conditions

    def regions(self, qs: QS) -> QS:
        if self.everything:
            return qs
        conditions = [q for q in (self._paths_q("path"),) if q is not None]
        if self.public_directory:
            conditions.append(Q(level__in=("city", "county", "town")))
        if self.grid_ids:
            conditions.append(Q(town_grids__id__in=self.grid_ids))
        return _any(qs, conditions)

    def grids(self, qs: QS) -> QS:
        if self.everything:
            return qs
        conditions = [q for q in (self._paths_q("path"),) if q is not None]
        if self.grid_ids:
            conditions.append(Q(id__in=self.grid_ids))
        return _any(qs, conditions)

    def departments(self, qs: QS) -> QS:
        if self.everything or self.public_directory:
            return qs
        # A county or town dispatches to the departments of the tiers above it, too.
        conditions = self._subtree_and_ancestors("region__path")
        if self.department_ids:
            conditions.append(Q(id__in=self.department_ids) | Q(parent_id__in=self.department_ids))
        return _any(qs, conditions)

    def centers(self, qs: QS) -> QS:
        # Departments and citizens deal with centers everywhere; regional roles see their
        # own subtree and the centers above them.
        if self.everything or self.public_directory or self.department_ids:
            return qs
        return _any(qs, self._subtree_and_ancestors("region__path"))

    def workorders(self, qs: QS) -> QS:
        """Orders in the user's regions, of their department (lead or assisting, and the
        branches of a city department), in their grids, or filed by or for them."""
        if self.everything:
            return qs
        conditions = [q for q in (self._paths_q("region_path"),) if q is not None]
        if self.department_ids:
            from yiwang.workorders.models import WorkOrder

            assisting = WorkOrder.assisting_departments.through.objects.filter(
                Q(department_id__in=self.department_ids)
                | Q(department__parent_id__in=self.department_ids)
            ).values("workorder_id")
            conditions += [
                Q(lead_department_id__in=self.department_ids),
                Q(lead_department__parent_id__in=self.department_ids),
                Q(id__in=assisting),
            ]
        if self.grid_ids:
            conditions.append(Q(grid_id__in=self.grid_ids))
        if self.user_id:
            conditions += [Q(created_by_id=self.user_id), Q(contact_user_id=self.user_id)]
        # No distinct(): every condition is on the order's own row or a subquery.
        return qs.filter(reduce(or_, conditions)) if conditions else qs.none()

    def people(self, qs: QS) -> QS:
        if self.everything or self.reads_people:
            return qs
        conditions: list[Q] = [Q(id=self.user_id)] if self.user_id else []
        paths = self._paths_q("role_assignments__region__path")
        if paths is not None:
            conditions.append(paths)
        if self.department_ids:
            conditions.append(Q(role_assignments__department_id__in=self.department_ids))
        return _any(qs, conditions)


def _ancestor_paths(path: str) -> list[str]:
    """Ancestors of a path: 320600/320613/320613001/ -> 320600/ and 320600/320613/."""
    codes = path.strip("/").split("/")
    return ["/".join(codes[:n]) + "/" for n in range(1, len(codes))]


def _any(qs: QS, conditions: list[Q]) -> QS:
    if not conditions:
        return qs.none()
    return qs.filter(reduce(or_, conditions)).distinct()


NOBODY = Scope()


def roles_of(user: Any) -> frozenset[str]:
    return scope_of(user).roles


SCOPE_VERSION_KEY = "core:scope-version"
SCOPE_CHECK_SECONDS = 5.0

_scopes_lock = threading.Lock()
_scopes: dict[tuple[int, bool], Scope] = {}
_scopes_version: Any = None
_scopes_fresh_until = 0.0


def scope_of(user: Any) -> Scope:
    """The user's read scope: once per user object, and shared by the process's requests."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOBODY
    cached = getattr(user, "_yiwang_scope", None)
    if cached is not None:
        return cached
    key = (user.pk, bool(user.is_superuser))
    shared = _process_scopes()
    scope = shared.get(key)
    if scope is None:
        scope = _compute(user)
        shared[key] = scope
    user._yiwang_scope = scope
    return scope


def _process_scopes() -> dict[tuple[int, bool], Scope]:
    """This process's scopes, emptied when another process announced a change."""
    global _scopes, _scopes_version, _scopes_fresh_until
    now = time.monotonic()
    if now >= _scopes_fresh_until:
        version = cache.get(SCOPE_VERSION_KEY)
        with _scopes_lock:
            if version != _scopes_version:
                _scopes = {}
                _scopes_version = version
            _scopes_fresh_until = now + SCOPE_CHECK_SECONDS
    return _scopes


def _announce_scope_change() -> None:
    global _scopes
    _scopes = {}
    cache.set(SCOPE_VERSION_KEY, uuid.uuid4().hex, timeout=None)


def invalidate_scopes() -> None:
    """Forget every cached scope now, in all processes, and again once the transaction commits
    (so no other request keeps a scope computed from the rows before the change)."""
    _announce_scope_change()
    transaction.on_commit(_announce_scope_change)


def forget_scopes_locally() -> None:
    """Drop this process's scopes without telling others (tests, after loads)."""
    global _scopes, _scopes_fresh_until
    with _scopes_lock:
        _scopes = {}
        _scopes_fresh_until = 0.0


def forget_scope(user: Any) -> None:
    """Drop cached scopes after the user's roles change."""
    if hasattr(user, "_yiwang_scope"):
        del user._yiwang_scope
    invalidate_scopes()


def on_scope_source_change(sender: Any, **kwargs: Any) -> None:
    """Signal receiver for role assignments and regions (connected in ``CoreConfig.ready``)."""
    invalidate_scopes()


def _compute(user: Any) -> Scope:
    from yiwang.org.models import RoleAssignment

    assignments = list(
        RoleAssignment.objects.filter(user=user)
        .select_related("region", "department", "center__region")
        .defer("region__geometry", "center__region__geometry")
    )
    roles = frozenset(a.role for a in assignments)
    everything = bool(user.is_superuser) or bool(roles & _CITYWIDE_ROLES)
    paths: list[str] = []
    upward: set[str] = set()
    departments: set[int] = set()
    grids: set[int] = set()
    for a in assignments:
        region = a.region
        if a.role in _REGIONAL_ROLES and region is not None:
            if region.level == "city":
                everything = True
            paths.append(region.path)
        elif a.role in ("dept_handler", "dept_liaison") and a.department is not None:
            departments.add(a.department.pk)
        elif a.role == "grid_worker":
            grids.update(a.grids.values_list("id", flat=True))
            if region is not None:
                upward.update([region.path, *_ancestor_paths(region.path)])
    for path in paths:
        upward.update(_ancestor_paths(path))
    return Scope(
        everything=everything,
        region_paths=tuple(sorted(set(paths))),
        department_ids=frozenset(departments),
        grid_ids=frozenset(grids),
        upward_paths=tuple(sorted(upward)),
        public_directory="citizen" in roles,
        reads_audit=bool(user.is_superuser) or bool(roles & {"auditor", "audit_admin"}),
        reads_people=bool(roles & {"security_admin"}),
        user_id=user.pk,
        roles=roles,
    )


def get_visible_or_404(qs: QuerySet[M], user: Any, **lookup: Any) -> M:
    """Fetch one object through the user's scope; out of scope is the same 404 as missing."""
    visible = qs.visible_to(user)  # type: ignore[attr-defined]
    try:
        return visible.get(**lookup)
    except ObjectDoesNotExist as exc:
        raise NotFound(f"{qs.model._meta.verbose_name} not found") from exc


def describe_scope(user: Any) -> str:
    """A one-line description of what the user may read, for people to see."""
    from django.utils.translation import gettext as _

    scope = scope_of(user)
    parts: list[str] = []
    if scope.everything:
        parts.append(_("city-wide"))
    if scope.region_paths and not scope.everything:
        from yiwang.geo.models import Region

        regions = Region.objects.filter(path__in=scope.region_paths).order_by("code")
        parts += list(regions.values_list("name", flat=True))
    if scope.department_ids:
        from yiwang.org.models import Department

        departments = Department.objects.filter(id__in=scope.department_ids).order_by("code")
        parts += list(departments.values_list("name", flat=True))
    if scope.grid_ids:
        parts.append(_("%(count)d grids") % {"count": len(scope.grid_ids)})
    if scope.public_directory:
        parts.append(_("public directory"))
    if scope.reads_people:
        parts.append(_("people and roles"))
    if scope.reads_audit:
        parts.append(_("audit log"))
    return ", ".join(parts) or _("nothing")
