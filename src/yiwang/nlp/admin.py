from django.contrib import admin

from yiwang.nlp.models import LabelMapping, RoutingModel, TrainingExample


@admin.register(LabelMapping)
class LabelMappingAdmin(admin.ModelAdmin):
    """Where a model label that is not a category code goes (kept by data stewards)."""

    list_display = ("label", "category", "department")
    search_fields = ("label",)
    autocomplete_fields = ("category", "department")


@admin.register(TrainingExample)
class TrainingExampleAdmin(admin.ModelAdmin):
    list_display = ("source", "category_label", "unit_label", "title", "imported_at")
    list_filter = ("source",)
    search_fields = ("text", "title", "category_label")

    def has_add_permission(self, request: object) -> bool:
        return False  # imported through ``yiwang routing import``

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(RoutingModel)
class RoutingModelAdmin(admin.ModelAdmin):
    """Read-only: versions are trained and published through the services."""

    list_display = ("version", "status", "examples", "created_at", "published_at")
    exclude = ("blob",)

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
