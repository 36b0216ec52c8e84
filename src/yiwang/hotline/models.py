"""The 12345 knowledge base: entries with their version history, and the search dictionary
(words and synonym groups) data stewards maintain in the admin.

Writes go through ``yiwang.hotline.services``; the signal receivers at the end keep each
process's search index (``yiwang.hotline.knowledge``) up to date with any save or delete.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EntryStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    EXPIRED = "expired", _("Expired")


class KnowledgeEntryQuerySet(models.QuerySet["KnowledgeEntry"]):
    def suggestible(self, today: Any = None) -> KnowledgeEntryQuerySet:
        """Entries a search may suggest: published, in force today, not past expiry."""
        today = today or timezone.localdate()
        return (
            self.filter(status=EntryStatus.PUBLISHED)
            .exclude(effective_from__gt=today)
            .exclude(expires_on__lt=today)
        )


class KnowledgeEntry(models.Model):
    """One question and its answer as agents give it to callers."""

    external_id = models.CharField(
        _("reference"),
        max_length=40,
        unique=True,
        help_text=_("Stable reference used by import and export, e.g. faq-001."),
    )
    question = models.CharField(_("question"), max_length=500)
    answer = models.TextField(_("answer"))
    category = models.ForeignKey(
        "workorders.Category",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    area = models.ForeignKey(
        "geo.Region",
        verbose_name=_("applicable area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty means the whole city."),
    )
    policy_documents = models.JSONField(_("policy documents"), default=list, blank=True)
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    review_cycle_days = models.PositiveSmallIntegerField(
        _("review cycle (days)"), null=True, blank=True
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=EntryStatus.choices,
        default=EntryStatus.DRAFT,
        db_index=True,
    )
    source = models.CharField(_("source"), max_length=500, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, db_index=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = KnowledgeEntryQuerySet.as_manager()

    class Meta:
        ordering = ["external_id"]
        verbose_name = _("knowledge entry")
        verbose_name_plural = _("knowledge entries")

    def __str__(self) -> str:
        return f"{self.external_id} {self.question[:60]}"

    def is_suggestible(self, today: Any = None) -> bool:
        today = today or timezone.localdate()
        return (
            self.status == EntryStatus.PUBLISHED
            and (self.effective_from is None or self.effective_from <= today)
            and (self.expires_on is None or self.expires_on >= today)
        )

    def review_due(self) -> Any:
        if not self.review_cycle_days:
            return None
        return (self.updated_at + timedelta(days=self.review_cycle_days)).date()


class KnowledgeVersion(models.Model):
    """An entry as it was before a change (the previous text is kept), who changed it, what."""

    entry = models.ForeignKey(KnowledgeEntry, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("content"))
    changed_fields = models.JSONField(_("changed fields"), default=list)
    note = models.CharField(_("note"), max_length=200, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)

    class Meta:
        ordering = ["entry", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "version"], name="kb_version_unique")
        ]
        verbose_name = _("knowledge entry version")
        verbose_name_plural = _("knowledge entry versions")

    def __str__(self) -> str:
        return f"{self.entry_id} v{self.version}"


class DictionaryWord(models.Model):
    """A word the search tokenizer must keep whole (a place, a programme, a local term)."""

    word = models.CharField(_("word"), max_length=40, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["word"]
        verbose_name = _("search dictionary word")
        verbose_name_plural = _("search dictionary words")

    def __str__(self) -> str:
        return self.word


class SynonymGroup(models.Model):
    """Words a search treats as the same (公积金 / 住房公积金): a query with one also finds
    entries with the others."""

    terms = models.CharField(
        _("terms"),
        max_length=300,
        help_text=_("Two or more words separated by spaces, commas or slashes."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["terms"]
        verbose_name = _("synonym group")
        verbose_name_plural = _("synonym groups")

    def __str__(self) -> str:
        return self.terms

    def term_list(self) -> list[str]:
        return split_terms(self.terms)


def split_terms(text: str) -> list[str]:
    seen: list[str] = []
    for term in re.split(r"[\s,，、/;；|]+", text.strip().lower()):
        if term and term not in seen:
            seen.append(term)
    return seen


def _entry_changed(sender: Any, instance: KnowledgeEntry, **kwargs: Any) -> None:
    from yiwang.hotline.knowledge import entry_changed

    entry_changed(instance.pk)


def _dictionary_changed(sender: Any, **kwargs: Any) -> None:
    from yiwang.hotline.knowledge import dictionary_changed

    dictionary_changed()


post_save.connect(_entry_changed, sender=KnowledgeEntry, dispatch_uid="kb-entry-saved")
post_delete.connect(_entry_changed, sender=KnowledgeEntry, dispatch_uid="kb-entry-deleted")
for _model in (DictionaryWord, SynonymGroup):
    post_save.connect(_dictionary_changed, sender=_model, dispatch_uid=f"kb-{_model.__name__}-s")
    post_delete.connect(_dictionary_changed, sender=_model, dispatch_uid=f"kb-{_model.__name__}-d")
