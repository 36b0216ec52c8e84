"""Model permissions that follow from roles, so the admin site shows each administrator
exactly their part (三员分立): configuration, accounts, or the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import BaseBackend

_VIEW_CHANGE_ADD = ("view", "change", "add")

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "system_admin": frozenset(
        {f"geo.{a}_{m}" for m in ("region", "grid") for a in ("view",)}
        | {
            f"org.{a}_{m}"
            for m in ("department", "commandcenter", "stationing")
            for a in _VIEW_CHANGE_ADD
        }
        | {"org.view_roleassignment"}
        | {f"workorders.{a}_{m}" for m in ("category", "dispatchrule") for a in _VIEW_CHANGE_ADD}
        # 12345: the register of old numbers, the 一企来 pool, the search's words and synonyms,
        # the routing model's label mapping.
        | {
            f"intake.{a}_{m}"
            for m in ("legacyhotline", "policyspecialist")
            for a in _VIEW_CHANGE_ADD
        }
        | {
            f"hotline.{a}_{m}"
            for m in ("dictionaryword", "synonymgroup")
            for a in (*_VIEW_CHANGE_ADD, "delete")
        }
        | {"hotline.view_knowledgeentry"}
        | {f"nlp.{a}_{m}" for m in ("labelmapping",) for a in (*_VIEW_CHANGE_ADD, "delete")}
    ),
    "security_admin": frozenset(
        {
            "accounts.view_user",
            "accounts.change_user",
            "accounts.view_apitoken",
            "accounts.change_apitoken",
            "org.view_roleassignment",
        }
    ),
    "audit_admin": frozenset({"core.view_auditrecord"}),
    "auditor": frozenset({"core.view_auditrecord"}),
}


class RolePermissionBackend(BaseBackend):
    """Grants the permissions of the user's roles; authenticates nobody itself."""

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        from yiwang.core.scoping import roles_of

        permissions: set[str] = set()
        for role in roles_of(user_obj):
            permissions |= ROLE_PERMISSIONS.get(role, frozenset())
        return permissions

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)

    def has_module_perms(self, user_obj: Any, app_label: str) -> bool:
        return any(p.startswith(f"{app_label}.") for p in self.get_all_permissions(user_obj))
