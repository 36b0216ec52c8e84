"""The console's own data: a dispatcher's saved queue views."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

NAME_MAX_LENGTH = 60
QUERY_MAX_LENGTH = 1000


class SavedView(models.Model):
    """A named queue filter (the query string of the queue page) that one person keeps.

    Written only by ``console.services``; each person sees only their own.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views"
    )
    name = models.CharField(_("name"), max_length=NAME_MAX_LENGTH)
    query = models.CharField(_("query"), max_length=QUERY_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["owner", "name"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="console_saved_view_unique")
        ]

    def __str__(self) -> str:
        return self.name
