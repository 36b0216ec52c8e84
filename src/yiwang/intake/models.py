"""Intake channels' own records: Open311 clients and what they submitted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Open311Client(models.Model):
    """An application allowed to POST service requests (Open311 ``api_key``).

    Only the SHA-256 digest of the key is kept. Requests are created as ``account``, a
    service account of role citizen, so they are ordinary work orders with a known author.
    """

    name = models.CharField(_("name"), max_length=64, unique=True)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="open311_client"
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")

    def __str__(self) -> str:
        return self.name


class Open311Request(models.Model):
    """What an Open311 client sent beside the work order: its attributes, device, media link,
    and the token clients can exchange for the request id."""

    order = models.OneToOneField(
        "workorders.WorkOrder", on_delete=models.PROTECT, related_name="open311"
    )
    client = models.ForeignKey(Open311Client, on_delete=models.PROTECT, related_name="requests")
    token = models.CharField(max_length=32, unique=True)
    attributes = models.JSONField(default=dict, blank=True)
    media_url = models.URLField(max_length=500, blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    account_id = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("Open311 request")
        verbose_name_plural = _("Open311 requests")

    def __str__(self) -> str:
        return f"open311 {self.token}"
