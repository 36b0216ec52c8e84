"""The two-level category taxonomy (大类 → 小类) and the dispatch catalogue (派单目录)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.org.choices import Tier
from yiwang.workorders.choices import CategoryKind, TimeUnit


class Category(models.Model):
    """A class (大类, no parent) or subclass (小类) of requests.

    Subclasses carry the time limit, the closing condition and the default responsible unit;
    they are loaded from data files (cities number them differently), never hard-coded.
    """

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=64)
    kind = models.CharField(_("kind"), max_length=16, choices=CategoryKind.choices, db_index=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    time_limit = models.DecimalField(
        _("time limit"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    time_limit_unit = models.CharField(
        _("time limit unit"), max_length=16, choices=TimeUnit.choices, blank=True
    )
    closing_condition = models.TextField(_("closing condition"), blank=True)
    default_department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class DispatchRule(models.Model):
    """A line of the dispatch catalogue: requests of ``category`` in ``region`` (or anywhere,
    when empty) go to ``department`` at ``tier``. The most specific active rule wins; ``direct``
    marks the city's direct dispatch (直派) past the county tier."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="rules")
    region = models.ForeignKey(
        "geo.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, related_name="dispatch_rules"
    )
    tier = models.CharField(_("tier"), max_length=8, choices=Tier.choices)
    direct = models.BooleanField(_("direct dispatch"), default=False)
    priority = models.PositiveSmallIntegerField(_("priority"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["category", "priority", "id"]
        verbose_name = _("dispatch rule")
        verbose_name_plural = _("dispatch catalogue")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "region", "department"], name="dispatch_rule_unique"
            ),
        ]
        # NULLs are distinct in this constraint, so taxonomy.check_dispatch_rule refuses a
        # second "anywhere" rule for the same category and department itself.

    def __str__(self) -> str:
        return f"{self.category} → {self.department}"
