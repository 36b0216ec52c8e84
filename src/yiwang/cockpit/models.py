"""What the cockpit stores itself: leaders' acknowledgements of the urgent items pushed to them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UrgentAcknowledgement(models.Model):
    """A leader (or city dispatcher) has seen an urgent work order on the big screen.

    One per person and order: acknowledging is "I have seen it", not a lifecycle action, so the
    order itself is not changed. Written only by ``cockpit.services.acknowledge_urgent_item``.
    """

    order = models.ForeignKey("workorders.WorkOrder", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    acknowledged_at = models.DateTimeField(_("seen at"))

    class Meta:
        ordering = ["-acknowledged_at", "-id"]
        verbose_name = _("urgent item acknowledgement")
        verbose_name_plural = _("urgent item acknowledgements")
        constraints = [models.UniqueConstraint(fields=["order", "user"], name="cockpit_ack_unique")]

    def __str__(self) -> str:
        return f"{self.order_id} by {self.user_id}"
