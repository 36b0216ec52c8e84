"""Admin pages for the organisation. Saves go through ``org.services`` so each change is
audited; role assignments are read-only here because only ``assign_role`` may write them
(it enforces the separation of the three administrators, 三员分立)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from yiwang.org.models import CommandCenter, Department, RoleAssignment, Stationing
from yiwang.org.services import (
    remove_stationing,
    save_command_center,
    save_department,
    save_stationing,
)


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "short_name",
        "kind",
        "tier",
        "region",
        "parent",
        "legacy_hotline",
        "offers_online_services",
        "is_active",
    )
    list_filter = (
        "tier",
        "kind",
        "offers_online_services",
        "is_active",
        ("region", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("code", "name", "short_name", "duties", "legacy_hotline")
    list_select_related = ("region", "parent")
    raw_id_fields = ("region", "parent")
    ordering = ("tier", "code")

    def get_readonly_fields(self, request: HttpRequest, obj: Department | None = None) -> Any:
        # Codes are how other records and data files name a department.
        return ("code",) if obj is not None else ()

    def save_model(
        self, request: HttpRequest, obj: Department, form: ModelForm[Department], change: bool
    ) -> None:
        save_department(obj, actor=request.user, changed=form.changed_data)

    def has_delete_permission(self, request: HttpRequest, obj: Department | None = None) -> bool:
        return False  # deactivate instead: work orders and roles refer to departments


class StationingInline(admin.TabularInline):
    model = Stationing
    fields = ("department", "staff_count", "since")
    raw_id_fields = ("department",)
    extra = 0


@admin.register(CommandCenter)
class CommandCenterAdmin(admin.ModelAdmin):
    list_display = ("name", "tier", "region", "parent", "duty_phone", "stationed_count")
    list_filter = ("tier",)
    search_fields = ("name", "region__name", "region__code")
    list_select_related = ("region", "parent")
    raw_id_fields = ("region", "parent")
    ordering = ("region__code",)
    inlines = (StationingInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[CommandCenter]:
        return super().get_queryset(request).annotate(stationed=Count("stationings"))

    @admin.display(description=_("departments stationed"), ordering="stationed")
    def stationed_count(self, obj: Any) -> int:
        return int(obj.stationed)

    def save_model(
        self,
        request: HttpRequest,
        obj: CommandCenter,
        form: ModelForm[CommandCenter],
        change: bool,
    ) -> None:
        save_command_center(obj, actor=request.user, changed=form.changed_data)

    def save_formset(
        self,
        request: HttpRequest,
        form: Any,
        formset: BaseInlineFormSet[Any, Any, Any],
        change: bool,
    ) -> None:
        formset.save(commit=False)
        for stationing in formset.deleted_objects:
            remove_stationing(stationing, actor=request.user)
        for stationing in formset.new_objects:
            save_stationing(stationing, actor=request.user)
        for stationing, changed in formset.changed_objects:
            save_stationing(stationing, actor=request.user, changed=changed)

    def has_delete_permission(self, request: HttpRequest, obj: CommandCenter | None = None) -> bool:
        return False  # one center per region; staff roles refer to it


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    """Read-only: roles change only through ``org.services.assign_role`` / ``remove_role``."""

    list_display = ("user", "role", "region", "center", "department", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__full_name", "department__name", "center__name")
    list_select_related = ("user", "region", "center", "department")
    readonly_fields = ("user", "role", "region", "center", "department", "grids", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(
        self, request: HttpRequest, obj: RoleAssignment | None = None
    ) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: RoleAssignment | None = None
    ) -> bool:
        return False
