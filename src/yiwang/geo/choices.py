"""Choices for the geography app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    CITY = "city", _("City")
    COUNTY = "county", _("County-level division")
    TOWN = "town", _("Town / street")
    COMMUNITY = "community", _("Community / village")


class RegionKind(models.TextChoices):
    CITY = "city", _("Prefecture-level city")
    DISTRICT = "district", _("District")
    COUNTY = "county", _("County")
    COUNTY_CITY = "county_city", _("County-level city")
    FUNCTIONAL_ZONE = "functional_zone", _("Functional zone")
    STREET = "street", _("Street (街道)")
    TOWN = "town", _("Town (镇)")
    COMMUNITY = "community", _("Community (社区)")
    VILLAGE = "village", _("Village (村)")


class GridKind(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("Comprehensive grid")
    SPECIAL = "special", _("Special grid")


class SiteType(models.TextChoices):
    SCHOOL = "school", _("School")
    HOSPITAL = "hospital", _("Hospital")
    INDUSTRIAL_PARK = "industrial_park", _("Industrial park")
    MARKET = "market", _("Market")
    CHEMICAL_PLANT = "chemical_plant", _("Hazardous-chemical enterprise")
    TRANSPORT_HUB = "transport_hub", _("Transport hub")
    SCENIC_AREA = "scenic_area", _("Scenic area")
    CONSTRUCTION_SITE = "construction_site", _("Construction site")
    GOVERNMENT_COMPOUND = "government_compound", _("Government compound")
    PORT = "port", _("Port / wharf")
