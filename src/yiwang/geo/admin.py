"""Read-only admin lists for regions and grids: geography changes only through imports
(``yiwang geo_import``), which validate every feature and write the audit record."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from yiwang.geo.models import GeographyVersion, Grid, Region


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "level", "kind", "parent", "area_km2", "synthetic")
    list_filter = ("level", "kind", "synthetic")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    exclude = ("geometry",)
    show_full_result_count = False


@admin.register(Grid)
class GridAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "kind", "site_type", "town", "county", "households")
    list_filter = ("kind", "site_type", ("county", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "name")
    list_select_related = ("town", "county")
    exclude = ("geometry",)
    raw_id_fields = ("county", "town", "community")
    show_full_result_count = False


@admin.register(GeographyVersion)
class GeographyVersionAdmin(ReadOnlyAdmin):
    list_display = ("version", "source", "imported_at")
