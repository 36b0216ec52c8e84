"""Admin pages for the knowledge base's search dictionary (words the tokenizer keeps whole,
synonym groups) and a read-only view of the entries and their versions. Saves go through
``hotline.services`` so each change is checked and audited and the search index follows it.
Entries are edited on the knowledge-base pages (/hotline/kb/), which keep the version history."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from yiwang.core.errors import DomainError
from yiwang.hotline import services
from yiwang.hotline.models import DictionaryWord, KnowledgeEntry, KnowledgeVersion, SynonymGroup


class _ServiceAdmin(admin.ModelAdmin):
    """Runs the service's checks in the form, so a refusal shows beside the field."""

    checker: Any = None
    saver: Any = None

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        checker = type(self).checker

        class Checked(form_class):  # type: ignore[misc, valid-type]
            def _post_clean(self) -> None:
                super()._post_clean()
                if self.errors:
                    return
                try:
                    checker(self.instance)
                except DomainError as exc:
                    self.add_error(exc.field if exc.field in self.fields else None, exc.message)

        return Checked

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        type(self).saver(obj, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.delete_search_term(obj, actor=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            services.delete_search_term(obj, actor=request.user)


@admin.register(DictionaryWord)
class DictionaryWordAdmin(_ServiceAdmin):
    checker = staticmethod(services.clean_dictionary_word)
    saver = staticmethod(services.save_dictionary_word)
    list_display = ("word", "is_active", "note")
    list_filter = ("is_active",)
    search_fields = ("word", "note")


@admin.register(SynonymGroup)
class SynonymGroupAdmin(_ServiceAdmin):
    checker = staticmethod(services.clean_synonym_group)
    saver = staticmethod(services.save_synonym_group)
    list_display = ("terms", "is_active")
    list_filter = ("is_active",)
    search_fields = ("terms",)


class VersionInline(admin.TabularInline):
    model = KnowledgeVersion
    extra = 0
    can_delete = False
    fields = ("version", "changed_at", "changed_by", "changed_fields", "note")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(KnowledgeEntry)
class KnowledgeEntryAdmin(admin.ModelAdmin):
    list_display = ("external_id", "question", "status", "category", "department", "updated_at")
    list_filter = ("status",)
    search_fields = ("external_id", "question")
    list_select_related = ("category", "department")
    inlines = [VersionInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
