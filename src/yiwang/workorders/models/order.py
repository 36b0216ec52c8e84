"""The work order (工单), its typed timeline, its number sequence and intake idempotency keys."""

from __future__ import annotations

import uuid
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yiwang.org.choices import Tier
from yiwang.workorders.choices import (
    FINAL_STATES,
    Channel,
    EventKind,
    Priority,
    Rating,
    RequestType,
    State,
    TimeUnit,
)

DESCRIPTION_MAX_LENGTH = 4000


# Orders still being worked on, in a stable order (the queue's default and its index's scope).
NOT_FINAL_STATES = tuple(sorted(set(State.values) - FINAL_STATES))


def urgency_rank() -> Case:
    """0 emergency, 1 urgent, 2 normal: the queue's first sort key (and its index's)."""
    return Case(
        When(priority=Priority.EMERGENCY, then=Value(0)),
        When(priority=Priority.URGENT, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def attention_at() -> Coalesce:
    """When the order needs attention: its deadline, or its arrival before it has one."""
    return Coalesce(F("due_at"), F("received_at"))


class WorkOrderQuerySet(models.QuerySet["WorkOrder"]):
    def visible_to(self, user: Any) -> WorkOrderQuerySet:
        from yiwang.core.scoping import scope_of

        return scope_of(user).workorders(self)

    def for_display(self) -> WorkOrderQuerySet:
        """Orders with their handler and parent joined in; the category, places, center and
        lead unit come from ``routing.attach_references`` after the fetch (never the places'
        boundaries: a county's GeoJSON decoded for every row of a page costs more than
        everything else on it)."""
        return self.select_related("handler", "parent").defer(
            "parent__description", "parent__paused"
        )


class WorkOrder(models.Model):
    """One request from any channel, from intake to closing.

    Written only by ``workorders.services``: every change goes through a lifecycle action that
    bumps ``version`` with a conditional UPDATE, so two people acting on the same loaded version
    never overwrite each other. ``region_path`` is the path of the town (or county, or the
    coordinating center's region) the order belongs to: scoped reads are one prefix filter.
    """

    number = models.CharField(_("number"), max_length=24, unique=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    request_type = models.CharField(_("request type"), max_length=16, choices=RequestType.choices)
    category = models.ForeignKey(
        "workorders.Category", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX_LENGTH)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    grid = models.ForeignKey(
        "geo.Grid", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    town = models.ForeignKey(
        "geo.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    county = models.ForeignKey(
        "geo.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    region_path = models.CharField(max_length=80, blank=True, db_index=True)
    contact_name = models.CharField(_("contact name"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contact_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confidential = models.BooleanField(_("confidential"), default=False)
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, default=Priority.NORMAL
    )
    needs_verification = models.BooleanField(_("needs on-site verification"), default=False)
    state = models.CharField(_("state"), max_length=16, choices=State.choices)
    tier = models.CharField(_("tier"), max_length=8, choices=Tier.choices)
    center = models.ForeignKey(
        "org.CommandCenter", on_delete=models.PROTECT, related_name="work_orders"
    )
    lead_department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lead_work_orders",
    )
    assisting_departments = models.ManyToManyField(
        "org.Department", blank=True, related_name="assisting_work_orders"
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    received_at = models.DateTimeField(_("received"))
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The time limit in force, copied at dispatch so a later catalogue edit does not move it.
    time_limit = models.DecimalField(
        _("time limit"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    time_limit_unit = models.CharField(
        _("time limit unit"), max_length=16, choices=TimeUnit.choices, blank=True
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    extension_requested_until = models.DateTimeField(
        _("extension requested until"), null=True, blank=True
    )
    extension_pending = models.BooleanField(_("extension pending"), default=False)
    extension_granted_until = models.DateTimeField(
        _("extension granted until"), null=True, blank=True
    )
    # [[start ISO, end ISO or null], ...]: spans during which the SLA clock stood still.
    paused = models.JSONField(_("paused intervals"), default=list, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged_children"
    )
    rating = models.CharField(_("rating"), max_length=24, choices=Rating.choices, blank=True)
    # The citizen's answer at the callback to "was the problem solved?" (解决率); None: not asked.
    resolved = models.BooleanField(_("resolved (citizen's answer)"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    return_count = models.PositiveIntegerField(_("returns"), default=0)
    reopen_count = models.PositiveIntegerField(_("reopens"), default=0)
    urge_count = models.PositiveIntegerField(_("urges"), default=0)
    supervise_count = models.PositiveIntegerField(_("supervisions"), default=0)
    extension_count = models.PositiveIntegerField(_("extensions"), default=0)
    version = models.PositiveIntegerField(_("version"), default=1)
    # The AI routing model version whose suggestion the intake used (nlp.RoutingModel.version).
    routing_model_version = models.CharField(_("routing model version"), max_length=32, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        indexes = [
            models.Index(fields=["received_at", "id"], name="wo_received_id"),
            models.Index(fields=["state", "received_at"], name="wo_state_received"),
            models.Index(fields=["county", "received_at"], name="wo_county_received"),
            models.Index(fields=["town", "received_at"], name="wo_town_received"),
            models.Index(fields=["lead_department", "state"], name="wo_lead_state"),
            models.Index(fields=["due_at"], name="wo_due"),
            # The dispatchers' queue: open orders by urgency, then by when they need attention.
            models.Index(
                urgency_rank(),
                attention_at(),
                F("id"),
                name="wo_open_urgency",
                condition=Q(state__in=NOT_FINAL_STATES),
            ),
            # Duplicate search: one category, a time window, then the lon/lat box in the index.
            models.Index(
                fields=["category", "received_at", "lat", "lon"], name="wo_category_received_box"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove a timeline entry."""


class WorkOrderEventQuerySet(models.QuerySet["WorkOrderEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("work-order events are append-only")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("work-order events are append-only")


class WorkOrderEvent(models.Model):
    """One entry of an order's timeline, for people: who did what, from which state to which,
    and why. Append-only, like the audit log (which is the auditors' record of the same act)."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=24, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_state = models.CharField(_("from state"), max_length=16, blank=True)
    to_state = models.CharField(_("to state"), max_length=16, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"))

    objects = WorkOrderEventQuerySet.as_manager()

    class Meta:
        ordering = ["order", "created_at", "id"]
        verbose_name = _("work-order event")
        verbose_name_plural = _("work-order events")

    def __str__(self) -> str:
        return f"{self.order_id} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("work-order events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("work-order events are append-only")


class Whistle(models.Model):
    """A town's call (吹哨) to a unit to come and deal with an order, which the unit must answer
    (报到) within ``WORKORDERS_WHISTLE_ANSWER_MINUTES``; the SLA sweep flags calls left
    unanswered. Written only through the ``whistle`` and ``answer_whistle`` actions."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="whistles")
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    called_at = models.DateTimeField(_("called"))
    answer_by = models.DateTimeField(_("answer by"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    overdue_noted_at = models.DateTimeField(_("overdue noted"), null=True, blank=True)

    class Meta:
        ordering = ["order", "called_at", "id"]
        indexes = [models.Index(fields=["answered_at", "answer_by"], name="wo_whistle_open")]
        verbose_name = _("whistle")
        verbose_name_plural = _("whistles")

    def __str__(self) -> str:
        return f"{self.order_id} → {self.department_id}"


def _attachment_path(instance: Attachment, filename: str) -> str:
    # Stored under a random name: the citizen's file name is kept in ``name`` only.
    return f"attachments/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file on a work order (photo, document, recording), checked by type and size on the
    way in (``attachments.check_attachment``) and served only to those who may see the order."""

    order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("file"), upload_to=_attachment_path, max_length=200)
    name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"))

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class WorkOrderSequence(models.Model):
    """The last number handed out per day and channel; locked by its UPDATE while allocating."""

    day = models.DateField()
    channel = models.CharField(max_length=16, choices=Channel.choices)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["day", "channel"], name="wo_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.channel} {self.last}"


class IdempotencyKey(models.Model):
    """A client's ``Idempotency-Key`` for one intake: the request it named and the order made."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=64)
    request_hash = models.CharField(max_length=64)
    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="wo_idempotency_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
