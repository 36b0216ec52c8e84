"""Channels, request types, states, events and units of the work order."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.core.workcalendar import TimeUnit

__all__ = ["TimeUnit"]  # one definition, in core.workcalendar; re-exported for the models


class CategoryKind(models.TextChoices):
    EVENT = "event", _("Event (事件)")
    COMPONENT = "component", _("Component (部件)")
    HOTLINE = "hotline", _("Hotline request")


class Channel(models.TextChoices):
    """Where a request came in; ``prefix`` gives the two letters that start its number."""

    HOTLINE = "hotline", _("12345 hotline")
    WEB = "web", _("Website")
    APP = "app", _("Mobile app")
    OPEN311 = "open311", _("Open311 client")
    GRID = "grid", _("Grid worker report")
    MAILBOX = "mailbox", _("Mayor's mailbox")
    ENTERPRISE = "enterprise", _("Enterprise request")
    WARNING = "warning", _("Early warning")
    LEADER = "leader", _("Leader's assignment")


CHANNEL_PREFIXES: dict[str, str] = {
    Channel.HOTLINE: "RX",
    Channel.WEB: "WZ",
    Channel.APP: "AP",
    Channel.OPEN311: "KF",
    Channel.GRID: "WG",
    Channel.MAILBOX: "XX",
    Channel.ENTERPRISE: "QY",
    Channel.WARNING: "YJ",
    Channel.LEADER: "LD",
}


class RequestType(models.TextChoices):
    CONSULTATION = "consultation", _("Consultation (咨询)")
    HELP = "help", _("Help (求助)")
    COMPLAINT = "complaint", _("Complaint (投诉)")
    REPORT = "report", _("Report (举报)")
    SUGGESTION = "suggestion", _("Suggestion (建议)")
    PRAISE = "praise", _("Praise (表扬)")


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")
    EMERGENCY = "emergency", _("Emergency")


class State(models.TextChoices):
    """Where an order stands in its lifecycle (see ``workorders.lifecycle``)."""

    RECEIVED = "received", _("Received")
    DISPATCHED = "dispatched", _("Dispatched")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    REPLIED = "replied", _("Replied, awaiting review")
    VERIFYING = "verifying", _("On-site verification")
    CALLBACK = "callback", _("Awaiting callback")
    CLOSED = "closed", _("Closed")
    RETURNED = "returned", _("Returned by the unit")
    DISPUTED = "disputed", _("Disputed ownership")
    MERGED = "merged", _("Merged into another order")
    SHELVED = "shelved", _("Shelved")
    INVALID = "invalid", _("Invalid")
    TRANSFERRED = "transferred", _("Transferred to an emergency line")


# States in which an order no longer runs against a deadline.
FINAL_STATES = frozenset(
    {State.CLOSED, State.MERGED, State.INVALID, State.TRANSFERRED, State.SHELVED}
)
# States in which the responsible unit's clock runs (overdue means one of these past due_at).
HANDLING_STATES = frozenset(
    {State.DISPATCHED, State.ACKNOWLEDGED, State.IN_PROGRESS, State.RETURNED, State.DISPUTED}
)


class EventKind(models.TextChoices):
    """The typed timeline entries of a work order."""

    RECEIVED = "received", _("Received")
    ROUTED = "routed", _("Routing suggested")
    CLASSIFIED = "classified", _("Classified")
    DISPATCHED = "dispatched", _("Dispatched")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    STARTED = "started", _("Work started")
    REPLIED = "replied", _("Replied")
    APPROVED = "approved", _("Reply approved")
    REJECTED = "rejected", _("Reply rejected")
    VERIFIED = "verified", _("Verified on site")
    CALLED_BACK = "called_back", _("Called back")
    CLOSED = "closed", _("Closed")
    RETURNED = "returned", _("Returned")
    REDISPATCHED = "redispatched", _("Re-dispatched")
    DISPUTED = "disputed", _("Disputed")
    RULED = "ruled", _("Ruled by joint conference")
    EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
    EXTENSION_GRANTED = "extension_granted", _("Extension granted")
    EXTENSION_DENIED = "extension_denied", _("Extension denied")
    ESCALATED = "escalated", _("Escalated")
    MERGED = "merged", _("Merged")
    REOPENED = "reopened", _("Reopened")
    SHELVED = "shelved", _("Shelved")
    INVALIDATED = "invalidated", _("Invalidated")
    TRANSFERRED = "transferred", _("Transferred")
    DIRECT_ANSWERED = "direct_answered", _("Answered directly")
    SLA_WARNED = "sla_warned", _("Deadline approaching")
    URGED = "urged", _("Urged")
    SUPERVISED = "supervised", _("Supervised")
    UNIT_ADDED = "unit_added", _("Assisting unit added")
    NOTED = "noted", _("Note")
    ATTACHED = "attached", _("Attachment added")
    WHISTLED = "whistled", _("Whistle blown to a unit (吹哨)")
    WHISTLE_ANSWERED = "whistle_answered", _("Unit reported to the whistle (报到)")
    WHISTLE_OVERDUE = "whistle_overdue", _("Whistle not answered in time")
    SELF_HANDLED = "self_handled", _("Handled by the grid worker (自办)")
    SELF_HANDLE_CHECKED = "self_handle_checked", _("Self-handling checked by the center")
    GRID_ESCALATED = "grid_escalated", _("Escalated by the grid worker (上报)")


class Rating(models.TextChoices):
    """好差评, five levels (national)."""

    VERY_SATISFIED = "very_satisfied", _("Very satisfied")
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")
    VERY_DISSATISFIED = "very_dissatisfied", _("Very dissatisfied")


UNSATISFIED_RATINGS = frozenset({Rating.DISSATISFIED, Rating.VERY_DISSATISFIED})


class EmergencyLine(models.TextChoices):
    POLICE = "110", _("110 police")
    FIRE = "119", _("119 fire and rescue")
    AMBULANCE = "120", _("120 ambulance")
    TRAFFIC = "122", _("122 traffic police")
