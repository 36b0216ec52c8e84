"""Choices of the exchange: the national catalogue's enumerations and the states of requests."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Classification(models.TextChoices):
    """The catalogue's three kinds of resource (国家政务信息资源目录编制指南)."""

    BASE = "base", _("Base resource")
    THEME = "theme", _("Theme resource")
    DEPARTMENT = "department", _("Department resource")


class Theme(models.TextChoices):
    POPULATION = "population", _("Population")
    LEGAL_ENTITY = "legal_entity", _("Legal entities")
    GEOSPATIAL = "geospatial", _("Geospatial")
    ECONOMY = "economy", _("Economy")
    SOCIAL = "social", _("Social affairs")
    URBAN = "urban", _("Urban management")
    ENVIRONMENT = "environment", _("Environment")
    SAFETY = "safety", _("Public safety")
    CREDIT = "credit", _("Credit")
    HEALTH = "health", _("Health")


class SharingType(models.TextChoices):
    UNCONDITIONAL = "unconditional", _("Unconditional")
    CONDITIONAL = "conditional", _("Conditional")
    NOT_SHARED = "not_shared", _("Not shared")


class SharingMethod(models.TextChoices):
    API = "api", _("API")
    TABLE = "table", _("Table")
    FILE = "file", _("File")


class OpenAttribute(models.TextChoices):
    OPEN = "open", _("Open")
    CONDITIONAL = "conditional", _("Conditionally open")
    NOT_OPEN = "not_open", _("Not open")


class UpdateCycle(models.TextChoices):
    REALTIME = "realtime", _("Real time")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")


class DataFormat(models.TextChoices):
    DATABASE = "database", _("Database")
    SPREADSHEET = "spreadsheet", _("Spreadsheet")
    DOCUMENT = "document", _("Document")
    IMAGE = "image", _("Image")
    STREAM = "stream", _("Stream")


class ItemType(models.TextChoices):
    STRING = "string", _("Text")
    INTEGER = "integer", _("Integer")
    NUMBER = "number", _("Number")
    BOOLEAN = "boolean", _("Boolean")
    DATE = "date", _("Date")
    DATETIME = "datetime", _("Date and time")


class Personal(models.TextChoices):
    """Whether an item is personal or sensitive, and how it is masked when a grant says so."""

    NO = "", _("Not personal")
    NAME = "name", _("Personal name")
    PHONE = "phone", _("Phone number")
    ID_NUMBER = "id_number", _("ID number")
    OTHER = "other", _("Other personal or sensitive")


class SourceLevel(models.TextChoices):
    LOCAL = "", _("Local")
    PROVINCE = "province", _("Province")
    NATION = "nation", _("Nation")


class RequestStatus(models.TextChoices):
    REVIEW = "review", _("Awaiting the data authority's review")
    PROVIDER = "provider", _("Awaiting the provider")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    DISPUTED = "disputed", _("Disputed")


class Direction(models.TextChoices):
    IN = "in", _("In")
    OUT = "out", _("Out")


class SubscriptionKind(models.TextChoices):
    WEBHOOK = "webhook", _("Webhook")
    STREAM = "stream", _("Stream")


class RunStatus(models.TextChoices):
    OK = "ok", _("Succeeded")
    FAILED = "failed", _("Failed")


class Action(models.TextChoices):
    """Audit actions of the exchange."""

    RESOURCE_REGISTERED = "exchange.resource_registered"
    SCHEMA_CHANGED = "exchange.schema_changed"
    REQUESTED = "exchange.requested"
    APPROVED = "exchange.request_approved"
    REFUSED = "exchange.request_refused"
    DISPUTED = "exchange.request_disputed"
    GRANTED = "exchange.granted"
    REVOKED = "exchange.revoked"
    PUSHED = "exchange.pushed"
    PUSH_REJECTED = "exchange.push_rejected"
    PULLED = "exchange.pulled"
    PULL_REFUSED = "exchange.pull_refused"
    DELIVERED = "exchange.delivered"
    CLIENT_ISSUED = "exchange.client_issued"
    SUBSCRIBED = "exchange.subscribed"
    BACKFLOW_RUN = "exchange.backflow_run"
