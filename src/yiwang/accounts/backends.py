"""Authentication that honours the login-failure lockout."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend


class LockoutModelBackend(ModelBackend):
    """Django's model backend, refusing accounts that are locked after repeated failures."""

    def user_can_authenticate(self, user: Any) -> bool:
        if getattr(user, "is_locked", False):
            return False
        return super().user_can_authenticate(user)
