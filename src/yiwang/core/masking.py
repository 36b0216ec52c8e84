"""Personal-data masking by role and field (PIPL; 等保 2.0).

Every read path that shows a person's name, phone or ID number passes it through ``reveal()``:
the viewer sees it in clear only if one of their roles is allowed that field (settings
``PERSONAL_DATA_CLEAR_ROLES``), or if it is their own.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

# field -> roles that see it in clear; override with PERSONAL_DATA_CLEAR_ROLES in settings.
DEFAULT_CLEAR_ROLES: dict[str, frozenset[str]] = {
    "name": frozenset(
        {
            "city_dispatcher",
            "county_dispatcher",
            "town_dispatcher",
            "dept_handler",
            "hotline_agent",
            "grid_worker",
            "security_admin",
        }
    ),
    "phone": frozenset(
        {"city_dispatcher", "county_dispatcher", "town_dispatcher", "dept_handler", "hotline_agent"}
    ),
    "id_number": frozenset(),
}


def mask_phone(value: str) -> str:
    """13812345678 -> 138****5678; shorter numbers keep their first and last two digits."""
    digits = value.strip()
    if len(digits) >= 11:
        return digits[:3] + "****" + digits[-4:]
    if len(digits) > 4:
        return digits[:2] + "*" * (len(digits) - 4) + digits[-2:]
    return "*" * len(digits)


def mask_name(value: str) -> str:
    """张三丰 -> 张*丰, 张三 -> 张*, Alice -> A****."""
    name = value.strip()
    if len(name) <= 1:
        return name
    if name.isascii():
        return name[0] + "*" * (len(name) - 1)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(value: str) -> str:
    """320602199001011234 -> 320602********1234."""
    text = value.strip()
    if len(text) <= 8:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


MASKERS = {"name": mask_name, "phone": mask_phone, "id_number": mask_id_number}


def clear_roles(field: str) -> frozenset[str]:
    policy: dict[str, Any] = getattr(settings, "PERSONAL_DATA_CLEAR_ROLES", None) or {}
    if field in policy:
        return frozenset(policy[field])
    return DEFAULT_CLEAR_ROLES.get(field, frozenset())


def reveal(viewer: Any, field: str, value: str, *, owner_id: int | None = None) -> str:
    """``value`` as ``viewer`` may see it: in clear, or masked for ``field``."""
    if not value:
        return value
    if owner_id is not None and getattr(viewer, "pk", None) == owner_id:
        return value
    from yiwang.core.scoping import roles_of

    if roles_of(viewer) & clear_roles(field):
        return value
    return MASKERS[field](value)
