"""The administrative tree (city → county → town → community) and the grids that tile it.

Geometry is stored as GeoJSON in the database; the locator builds its in-memory index from it.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from yiwang.geo.choices import GridKind, RegionKind, RegionLevel, SiteType


class RegionQuerySet(models.QuerySet["Region"]):
    def visible_to(self, user: Any) -> RegionQuerySet:
        from yiwang.core.scoping import scope_of

        return scope_of(user).regions(self)


class Region(models.Model):
    """A node of the administrative tree.

    ``path`` is the chain of codes from the city down to this node ("320600/320612/…/"), so a
    subtree is one ``path__startswith`` filter — the basis of scoped reads.
    """

    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=RegionLevel.choices, db_index=True)
    kind = models.CharField(_("kind"), max_length=24, choices=RegionKind.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    path = models.CharField(max_length=80, unique=True)
    geometry = models.JSONField(_("boundary (GeoJSON)"))
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    centroid_lon = models.FloatField()
    centroid_lat = models.FloatField()
    area_km2 = models.FloatField(_("area (km²)"))
    synthetic = models.BooleanField(
        _("synthetic"), default=False, help_text=_("Generated for the demo, not a real boundary.")
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class GridQuerySet(models.QuerySet["Grid"]):
    def visible_to(self, user: Any) -> GridQuerySet:
        from yiwang.core.scoping import scope_of

        return scope_of(user).grids(self)


class Grid(models.Model):
    """The smallest unit of management (网格). Comprehensive grids tile each town without gaps
    or overlaps; special grids cover one site (a school, a hospital, a park …) inside them.

    ``code`` is the 15-digit unit-grid code: county adcode (6) + town (3) + community (3) +
    sequence (3).
    """

    code = models.CharField(_("code"), max_length=15, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=16, choices=GridKind.choices, db_index=True)
    site_type = models.CharField(
        _("site type"), max_length=24, choices=SiteType.choices, blank=True
    )
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="county_grids")
    town = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="town_grids")
    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="grids")
    path = models.CharField(max_length=80, db_index=True, help_text="the community's region path")
    geometry = models.JSONField(_("boundary (GeoJSON)"))
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    centroid_lon = models.FloatField()
    centroid_lat = models.FloatField()
    area_km2 = models.FloatField(_("area (km²)"))
    households = models.PositiveIntegerField(_("households"), default=0)
    synthetic = models.BooleanField(_("synthetic"), default=False)

    objects = GridQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind="special") & ~models.Q(site_type=""))
                | (models.Q(kind="comprehensive") & models.Q(site_type="")),
                name="grid_site_type_only_for_special",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class GeographyVersion(models.Model):
    """Bumped by every import, so long-lived processes know their locator index is stale."""

    version = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=200, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"geography v{self.version}"
