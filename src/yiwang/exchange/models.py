"""The exchange's relational state: the catalogue, schema versions, requests and grants, the
department systems' tokens, accepted batches, subscriptions, backflow connectors and the daily
volume. The records themselves live in ``exchange_record`` (see ``store.py``), a table the
migration creates by hand so that PostgreSQL can partition it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.exchange.choices import (
    Classification,
    DataFormat,
    Direction,
    OpenAttribute,
    RequestStatus,
    RunStatus,
    SharingMethod,
    SharingType,
    SourceLevel,
    SubscriptionKind,
    Theme,
    UpdateCycle,
)
from yiwang.org.models import Department


class ResourceQuerySet(models.QuerySet["Resource"]):
    def visible_to(self, user: Any) -> ResourceQuerySet:
        """The catalogue is open to every signed-in official (sharing is the default, 国发
        〔2016〕51号); the records are what grants protect."""
        if user is None or not getattr(user, "is_authenticated", False):
            return self.none()
        return self


class Resource(models.Model):
    """One entry of the government information resource catalogue (政务信息资源目录)."""

    code = models.CharField(_("resource code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120, db_index=True)
    classification = models.CharField(
        _("classification"), max_length=16, choices=Classification.choices
    )
    theme = models.CharField(_("theme"), max_length=16, choices=Theme.choices, db_index=True)
    provider = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="exchange_resources"
    )
    abstract = models.TextField(_("abstract"), blank=True)
    format = models.CharField(_("format"), max_length=16, choices=DataFormat.choices)
    sharing_type = models.CharField(
        _("sharing type"), max_length=16, choices=SharingType.choices, db_index=True
    )
    legal_basis = models.TextField(_("legal basis"), blank=True)
    sharing_conditions = models.TextField(_("sharing conditions"), blank=True)
    sharing_method = models.CharField(
        _("sharing method"), max_length=8, choices=SharingMethod.choices
    )
    open_attribute = models.CharField(
        _("open-data attribute"), max_length=16, choices=OpenAttribute.choices
    )
    update_cycle = models.CharField(_("update cycle"), max_length=16, choices=UpdateCycle.choices)
    published_on = models.DateField(_("publish date"), default=timezone.localdate)
    related = models.ManyToManyField("self", blank=True, verbose_name=_("related resources"))
    key_item = models.CharField(
        _("key item"), max_length=64, blank=True, help_text=_("The item that keys a record.")
    )
    items = models.JSONField(_("data items"), default=list)
    schema_version = models.PositiveIntegerField(_("schema version"), default=1)
    backflow_level = models.CharField(
        _("backflow source"), max_length=16, choices=SourceLevel.choices, blank=True
    )
    # Per-resource sequence: ingest takes numbers with one UPDATE … RETURNING, which holds the
    # row until commit, so numbers become visible in order and a cursor never skips one.
    last_sequence = models.BigIntegerField(default=0)
    published_sequence = models.BigIntegerField(default=0)
    record_count = models.BigIntegerField(_("records"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("data resource")
        verbose_name_plural = _("data resources")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def item_names(self) -> list[str]:
        return [item["name"] for item in self.items]


class SchemaVersion(models.Model):
    """One version of a resource's data items; the newest is the resource's ``items``."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    items = models.JSONField()
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["resource", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "version"], name="exchange_schema_once")
        ]

    def __str__(self) -> str:
        return f"{self.resource.code} v{self.version}"


class ShareRequest(models.Model):
    """A department asks for a resource, with a purpose and the items it needs."""

    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="requests")
    consumer = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="exchange_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    purpose = models.TextField(_("purpose"))
    items = models.JSONField(_("data items"))
    status = models.CharField(
        _("status"), max_length=16, choices=RequestStatus.choices, db_index=True
    )
    due_at = models.DateTimeField(_("answer due"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    dispute_reason = models.TextField(_("dispute"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.consumer.short_name} → {self.resource.code}"


class GrantQuerySet(models.QuerySet["Grant"]):
    def active(self) -> GrantQuerySet:
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class Grant(models.Model):
    """Who may read a resource, which items (projection), masked how, how fast, until when."""

    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="grants")
    consumer = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="exchange_grants"
    )
    request = models.OneToOneField(
        ShareRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="grant"
    )
    items = models.JSONField(_("items"))
    masked_items = models.JSONField(_("masked items"), default=list)
    rate_limit = models.CharField(_("rate limit"), max_length=16, default="600/m")
    expires_at = models.DateTimeField(_("expires"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoke_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GrantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.resource.code} → {self.consumer.short_name}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class ExchangeClient(models.Model):
    """A department system's token for pushing and pulling records (only its digest is kept)."""

    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="exchange_clients"
    )
    name = models.CharField(_("name"), max_length=64)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["department", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Batch(models.Model):
    """An accepted batch; its ``batch_id`` makes a resend harmless."""

    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="batches")
    batch_id = models.CharField(max_length=80)
    client = models.ForeignKey(ExchangeClient, on_delete=models.SET_NULL, null=True, blank=True)
    record_count = models.PositiveIntegerField()
    first_sequence = models.BigIntegerField()
    last_sequence = models.BigIntegerField()
    schema_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "batch_id"], name="exchange_batch_once")
        ]

    def __str__(self) -> str:
        return f"{self.resource.code}/{self.batch_id}"


class Subscription(models.Model):
    """A consumer's push delivery (webhook) or stream consumer, with its own cursor."""

    grant = models.ForeignKey(Grant, on_delete=models.CASCADE, related_name="subscriptions")
    kind = models.CharField(max_length=8, choices=SubscriptionKind.choices)
    target_url = models.URLField(blank=True, max_length=400)
    cursor = models.BigIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    failures = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} on {self.grant}"

    @property
    def durable_name(self) -> str:
        return f"yiwang-sub-{self.pk}"


class BackflowConnector(models.Model):
    """Pulls an upstream platform's endpoint on a schedule into a local resource (数据回流)."""

    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="connectors")
    source_level = models.CharField(max_length=16, choices=SourceLevel.choices)
    url = models.URLField(max_length=400)
    token = models.CharField(max_length=200, blank=True)
    format = models.CharField(max_length=8, choices=[("json", "JSON"), ("csv", "CSV")])
    page_size = models.PositiveIntegerField(default=500)
    interval_minutes = models.PositiveIntegerField(default=60)
    next_page = models.PositiveIntegerField(default=1)
    rows_done = models.PositiveIntegerField(default=0)
    next_run_at = models.DateTimeField(default=timezone.now)
    failures = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_source_level_display()} → {self.resource.code}"


class BackflowRun(models.Model):
    """One run of a connector: what it fetched, or why it failed."""

    connector = models.ForeignKey(BackflowConnector, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=8, choices=RunStatus.choices)
    pages = models.PositiveIntegerField(default=0)
    records = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.connector} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class DailyVolume(models.Model):
    """Records exchanged per day, resource, department and direction, and failures."""

    day = models.DateField(db_index=True)
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="volumes")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    direction = models.CharField(max_length=4, choices=Direction.choices)
    records = models.BigIntegerField(default=0)
    operations = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day", "resource", "direction"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "resource", "department", "direction"], name="exchange_volume_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.direction} {self.records}"
