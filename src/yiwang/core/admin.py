"""The audit log in the admin site: read-only, for the audit administrator and auditors."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from yiwang.core.models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "created_at",
        "actor_username",
        "action",
        "object_repr",
        "result",
        "client_address",
    ]
    list_filter = ["result", "action"]
    search_fields = ["actor_username", "action", "object_repr", "request_id"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in AuditRecord._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
