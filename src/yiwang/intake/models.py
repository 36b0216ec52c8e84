"""Intake channels' own records: Open311 clients and their requests; the 12345 side's legacy
hotlines, calls and the 一企来 specialist pool."""

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


# --- 12345: legacy hotlines, calls, enterprise specialists --------------------------------------


class HotlineRule(models.TextChoices):
    """What happens to a call dialled to a number that was folded into 12345."""

    PREFILL = "prefill", _("Answered by a 12345 agent, department and category pre-filled")
    DEPARTMENT_SEAT = (
        "department_seat",
        _("Answered by a 12345 agent, then handed to the department's expert seat"),
    )


class LegacyHotline(models.Model):
    """One of the old department numbers (12315, 12333, 0513-…) now answered by 12345.

    The telephony side passes the number the caller dialled; the workbench uses this register to
    pre-fill the department and category, and the consolidation report counts calls per number.
    """

    number = models.CharField(_("number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=80)
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, related_name="legacy_lines"
    )
    categories = models.ManyToManyField(
        "workorders.Category", related_name="legacy_lines", blank=True
    )
    default_category = models.ForeignKey(
        "workorders.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("default category"),
    )
    rule = models.CharField(
        _("routing rule"), max_length=20, choices=HotlineRule.choices, default=HotlineRule.PREFILL
    )
    merged_on = models.DateField(_("merged into 12345 on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("legacy hotline")
        verbose_name_plural = _("legacy hotlines")

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class CallSource(models.TextChoices):
    """Where a contact reached the 12345 intake."""

    PHONE = "phone", _("Phone (12345)")
    WEB = "web", _("Website")
    WECHAT = "wechat", _("WeChat")
    WEIBO = "weibo", _("Weibo")
    ENTERPRISE = "enterprise", _("Enterprise service 一企来")


class CallOutcome(models.TextChoices):
    OPEN = "open", _("In progress")
    DIRECT_ANSWER = "direct_answer", _("Answered on the spot")
    WORK_ORDER = "work_order", _("Work order filed")
    EMERGENCY = "emergency", _("Transferred to an emergency line")
    ABANDONED = "abandoned", _("Abandoned before answer")


class Call(models.Model):
    """One contact with 12345: a phone call (rang, answered, ended) or a message from a bridge.

    It records who took it, what the caller asked, what the agent was advised (routing
    suggestion, knowledge-base entries) and how it ended: answered on the spot citing entries,
    a work order, or a transfer to an emergency line.
    """

    source = models.CharField(
        _("source"), max_length=12, choices=CallSource.choices, default=CallSource.PHONE
    )
    caller = models.CharField(_("caller number or account"), max_length=64, db_index=True)
    dialled = models.CharField(_("dialled number"), max_length=20, blank=True)
    legacy_line = models.ForeignKey(
        LegacyHotline, on_delete=models.PROTECT, null=True, blank=True, related_name="calls"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hotline_calls",
    )
    rang_at = models.DateTimeField(_("rang at"), db_index=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=CallOutcome.choices, default=CallOutcome.OPEN
    )
    text = models.TextField(_("request"), blank=True)
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calls",
    )
    emergency_line = models.CharField(_("emergency line"), max_length=4, blank=True)
    cited_entries = models.JSONField(_("knowledge entries cited"), default=list, blank=True)
    suggestion = models.JSONField(_("routing advice shown"), default=dict, blank=True)

    class Meta:
        ordering = ["-rang_at"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        indexes = [models.Index(fields=["legacy_line", "rang_at"], name="call_line_rang")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.caller} {self.rang_at:%Y-%m-%d %H:%M}"


class PolicySpecialist(models.Model):
    """A member of the 一企来 pool: answers enterprises' policy requests in their sectors and
    counties (none = the whole city)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="policy_specialist"
    )
    sectors = models.JSONField(_("sectors"), default=list)
    counties = models.ManyToManyField("geo.Region", blank=True, related_name="+")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("policy specialist")
        verbose_name_plural = _("policy specialists")

    def __str__(self) -> str:
        return str(self.user)


class EnterpriseRequest(models.Model):
    """An enterprise's request through 一企来: its work order and the specialist assigned."""

    order = models.OneToOneField(
        "workorders.WorkOrder", on_delete=models.PROTECT, related_name="enterprise_request"
    )
    company = models.CharField(_("company"), max_length=120)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    sector = models.CharField(_("sector"), max_length=24, db_index=True)
    specialist = models.ForeignKey(
        PolicySpecialist,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enterprise request")
        verbose_name_plural = _("enterprise requests")

    def __str__(self) -> str:
        return f"{self.company} ({self.sector})"
