"""The append-only, hash-chained audit log."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.core.choices import AuditResult


class AppendOnlyError(Exception):
    """Raised when application code tries to change or remove an audit record."""


class AuditRecordQuerySet(models.QuerySet["AuditRecord"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit records are append-only")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("audit records are append-only")

    def visible_to(self, user: Any) -> AuditRecordQuerySet:
        from yiwang.core.scoping import scope_of

        return self if scope_of(user).reads_audit else self.none()


class AuditRecord(models.Model):
    """One audited action: who did what to which object, with what result, from where.

    ``entry_hash`` is SHA-256 over the record's canonical content and ``previous_hash``, so
    changing, inserting or removing a record breaks the chain at that point
    (``yiwang audit verify``). Rows are never updated or deleted by the application; the
    database refuses it too (triggers installed by this app's migrations).
    """

    created_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_username = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=16, choices=AuditResult.choices)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    client_address = models.CharField(_("client address"), max_length=64, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("audit record")
        verbose_name_plural = _("audit records")

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} by {self.actor_username or '-'}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("audit records are append-only")


class AuditChainHead(models.Model):
    """The single row that serialises writers of the audit chain (locked FOR UPDATE)."""

    last_hash = models.CharField(max_length=64)
    last_record_id = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"audit chain head @{self.last_record_id}"
