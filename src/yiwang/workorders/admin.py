"""Admin pages for the taxonomy and the dispatch catalogue. Saves go through
``workorders.taxonomy`` so each change is checked and audited, and routing sees it at once.
Nothing is deleted here: work orders name categories and rules, so both are deactivated."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import ValidationFailed
from yiwang.org.choices import Tier
from yiwang.workorders.models import Category, DispatchRule
from yiwang.workorders.taxonomy import (
    check_category,
    check_dispatch_rule,
    deactivate_dispatch_rule,
    save_category,
    save_dispatch_rule,
)


class CategoryForm(forms.ModelForm):
    """Shows the service's refusals on the form instead of failing the save."""

    class Meta:
        model = Category
        fields = (
            "code",
            "name",
            "kind",
            "parent",
            "time_limit",
            "time_limit_unit",
            "closing_condition",
            "default_department",
            "keywords",
            "is_active",
        )

    def _post_clean(self) -> None:  # the instance is complete only from here on
        super()._post_clean()  # type: ignore[misc]
        if not self.errors:
            _add_refusal(self, lambda: check_category(self.instance, changed=self.changed_data))


class DispatchRuleForm(forms.ModelForm):
    class Meta:
        model = DispatchRule
        fields = ("category", "region", "department", "tier", "direct", "priority", "is_active")

    def _post_clean(self) -> None:  # the instance is complete only from here on
        super()._post_clean()  # type: ignore[misc]
        if not self.errors:
            _add_refusal(self, lambda: check_dispatch_rule(self.instance))


def _add_refusal(form: forms.ModelForm[Any], check: Callable[[], None]) -> None:
    try:
        check()
    except ValidationFailed as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    form = CategoryForm
    list_display = (
        "code",
        "name",
        "kind",
        "parent",
        "time_limit",
        "time_limit_unit",
        "default_department",
        "rule_count",
        "is_active",
    )
    list_filter = ("kind", "time_limit_unit", "is_active", ("parent", admin.EmptyFieldListFilter))
    search_fields = ("code", "name", "keywords", "closing_condition")
    list_select_related = ("parent", "default_department")
    raw_id_fields = ("parent", "default_department")
    ordering = ("code",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return super().get_queryset(request).annotate(rule_total=Count("rules"))

    @admin.display(description=_("dispatch rules"), ordering="rule_total")
    def rule_count(self, obj: Any) -> str:
        url = reverse("admin:workorders_dispatchrule_changelist")
        return format_html(
            '<a href="{}?category__id__exact={}">{}</a>', url, obj.pk, obj.rule_total
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Category | None = None) -> Any:
        # Codes are how work orders and the data files name a category.
        return ("code",) if obj is not None else ()

    def save_model(
        self, request: HttpRequest, obj: Category, form: ModelForm[Category], change: bool
    ) -> None:
        save_category(obj, actor=request.user, changed=form.changed_data)

    def has_delete_permission(self, request: HttpRequest, obj: Category | None = None) -> bool:
        return False  # deactivate instead


@admin.action(description=_("Deactivate the selected rules"), permissions=["change"])
def deactivate_rules(
    modeladmin: DispatchRuleAdmin, request: HttpRequest, queryset: QuerySet[DispatchRule]
) -> None:
    count = 0
    for rule in queryset.filter(is_active=True):
        deactivate_dispatch_rule(rule, actor=request.user, reason="admin")
        count += 1
    modeladmin.message_user(
        request, _("%(n)d rules deactivated.") % {"n": count}, level=messages.SUCCESS
    )


@admin.register(DispatchRule)
class DispatchRuleAdmin(admin.ModelAdmin):
    form = DispatchRuleForm
    list_display = (
        "category",
        "region",
        "department",
        "tier",
        "resolves_to",
        "direct",
        "priority",
        "is_active",
    )
    list_filter = (
        "tier",
        "direct",
        "is_active",
        "category__kind",
        ("region", admin.EmptyFieldListFilter),
    )
    search_fields = (
        "category__code",
        "category__name",
        "department__code",
        "department__name",
        "region__code",
        "region__name",
    )
    list_select_related = ("category", "region", "department")
    raw_id_fields = ("category", "region", "department")
    ordering = ("category__code", "priority", "id")
    actions = (deactivate_rules,)

    @admin.display(description=_("goes to"))
    def resolves_to(self, obj: DispatchRule) -> str:
        if obj.tier != Tier.CITY and obj.department.tier == Tier.CITY:
            return str(_("its branch in the order's county, else the city department"))
        return str(obj.department)

    def save_model(
        self,
        request: HttpRequest,
        obj: DispatchRule,
        form: ModelForm[DispatchRule],
        change: bool,
    ) -> None:
        save_dispatch_rule(obj, actor=request.user, changed=form.changed_data)

    def has_delete_permission(self, request: HttpRequest, obj: DispatchRule | None = None) -> bool:
        return False  # deactivate instead: work orders name the rule that routed them
