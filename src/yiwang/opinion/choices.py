"""Choices of the opinion app."""

from django.db import models
from django.utils.translation import pgettext_lazy


class ReportStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("opinion", "Queued")
    RUNNING = "running", pgettext_lazy("opinion", "Running")
    DONE = "done", pgettext_lazy("opinion", "Done")
    FAILED = "failed", pgettext_lazy("opinion", "Failed")


class SurgeWindow(models.TextChoices):
    """How long a surge's counting window is: one day against the trailing days, or seven
    days against the trailing weeks."""

    DAY = "day", pgettext_lazy("opinion", "Day")
    WEEK = "week", pgettext_lazy("opinion", "Week")


class AlertState(models.TextChoices):
    OPEN = "open", pgettext_lazy("opinion", "Open")
    ACKNOWLEDGED = "acknowledged", pgettext_lazy("opinion", "Acknowledged")


# Who uses the opinion pages: the centers (they receive surge alerts), leaders (reports) and
# auditors (read only). Departments see their own satisfaction in the console.
OPINION_READERS = frozenset(
    {"city_dispatcher", "county_dispatcher", "town_dispatcher", "leader", "auditor"}
)
REPORT_AUTHORS = frozenset({"city_dispatcher", "county_dispatcher", "town_dispatcher", "leader"})
ALERT_HANDLERS = frozenset({"city_dispatcher", "county_dispatcher", "town_dispatcher"})
