"""Admin pages for the 12345 side's configuration: the register of legacy hotlines and the 一企来
specialist pool. Saves go through ``intake.services`` so each change is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms import ModelForm
from django.http import HttpRequest

from yiwang.intake.models import LegacyHotline, PolicySpecialist
from yiwang.intake.services import save_legacy_hotline, save_policy_specialist


@admin.register(LegacyHotline)
class LegacyHotlineAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "department", "default_category", "rule", "is_active")
    list_filter = ("rule", "is_active")
    search_fields = ("number", "name", "department__name")
    autocomplete_fields = ("department",)
    filter_horizontal = ("categories",)
    raw_id_fields = ("default_category",)

    def save_model(
        self, request: HttpRequest, obj: LegacyHotline, form: ModelForm[Any], change: bool
    ) -> None:
        save_legacy_hotline(obj, actor=request.user, changed=form.changed_data)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # calls refer to their line: deactivate it instead


@admin.register(PolicySpecialist)
class PolicySpecialistAdmin(admin.ModelAdmin):
    list_display = ("user", "sectors", "is_active")
    list_filter = ("is_active",)
    search_fields = ("user__username", "user__full_name")
    raw_id_fields = ("user",)
    filter_horizontal = ("counties",)

    def save_model(
        self, request: HttpRequest, obj: PolicySpecialist, form: ModelForm[Any], change: bool
    ) -> None:
        save_policy_specialist(obj, actor=request.user, changed=form.changed_data)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # requests refer to their specialist: deactivate instead
