"""Accounts in the admin site, for the security administrator. Changes go through services."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yiwang.accounts.models import ApiToken, User
from yiwang.accounts.services import revoke_token, unlock_user


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["username", "full_name", "is_active", "locked_until", "last_login"]
    search_fields = ["username", "full_name", "email"]
    list_filter = ["is_active", "role_assignments__role"]
    readonly_fields = [
        "username",
        "full_name",
        "phone",
        "email",
        "last_login",
        "date_joined",
        "failed_login_count",
        "locked_until",
        "is_staff",
        "is_superuser",
    ]
    fields = tuple(readonly_fields)
    actions = ["unlock"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # accounts are created with `yiwang user create` (validated, audited)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Unlock the selected accounts"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            unlock_user(user, actor=request.user)
        self.message_user(request, _("Unlocked."), messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "prefix",
        "user",
        "name",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    search_fields = ["prefix", "user__username", "name"]
    readonly_fields = [
        "prefix",
        "user",
        "name",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    fields = tuple(readonly_fields)
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            revoke_token(token, actor=request.user)
        self.message_user(request, _("Revoked."), messages.SUCCESS)
