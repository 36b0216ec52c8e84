"""Who may read the opinion analytics, checked the same way by pages and API."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from yiwang.core.errors import PermissionDenied
from yiwang.core.scoping import roles_of
from yiwang.opinion.choices import OPINION_READERS


def may_read(user: Any) -> bool:
    return bool(roles_of(user) & OPINION_READERS)


def require_reader(user: Any) -> None:
    if not may_read(user):
        raise PermissionDenied(
            _("Public-opinion analytics are for leaders, command centers and auditors.")
        )
