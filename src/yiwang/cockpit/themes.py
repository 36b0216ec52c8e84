"""The 16 thematic maps (专题图): a registry of themes, each with its layers, filters and figures.

A theme's work-order layer is the orders whose category lies under one of ``categories``
(class or subclass codes of ``workorders/data/categories.json``) or that came in on one of
``channels``. Every other layer names the capability whose data it needs; a layer is connected
when ``cockpit.layers.PROVIDERS`` has its figures, and until then the page lists it as not yet
connected and shows no figure for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yiwang.workorders.choices import Channel

# Where a layer's data comes from. Only work orders exist today.
WORKORDERS = "workorders"
WARNINGS = "warnings"
IOT = "iot"
EXCHANGE = "exchange"
PORTAL = "portal"
GRID_APP = "grid"
ENTERPRISE = "enterprise"
WHISTLE = "whistle"
CONNECTED_SOURCES = frozenset({WORKORDERS})
SOURCE_LABELS: dict[str, str | Promise] = {
    WORKORDERS: _("Work orders"),
    WARNINGS: _("Early warnings"),
    IOT: _("Sensors (IoT)"),
    EXCHANGE: _("Data sharing and exchange"),
    PORTAL: _("Citizen and enterprise portal"),
    GRID_APP: _("Grid workers' mobile app"),
    WHISTLE: _("Whistle and report (吹哨报到)"),
    ENTERPRISE: _("一企来 enterprise service"),
}


@dataclass(frozen=True)
class Layer:
    key: str
    name: str | Promise
    source: str

    @property
    def connected(self) -> bool:
        from yiwang.cockpit.layers import PROVIDERS

        return self.source in CONNECTED_SOURCES or self.key in PROVIDERS

    @property
    def source_label(self) -> str | Promise:
        return SOURCE_LABELS[self.source]


@dataclass(frozen=True)
class Theme:
    slug: str
    name: str | Promise
    summary: str | Promise
    categories: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    layers: tuple[Layer, ...] = field(default_factory=tuple)

    @property
    def has_orders(self) -> bool:
        return bool(self.categories or self.channels)

    def order_condition(self) -> Q:
        """Which work orders belong to the theme (a filter on ``WorkOrder``)."""
        condition = Q(pk__in=[])
        for code in self.categories:
            condition |= Q(category__code__startswith=code)
        if self.channels:
            condition |= Q(channel__in=self.channels)
        return condition

    @property
    def connected_layers(self) -> list[Layer]:
        return [layer for layer in self.layers if layer.connected]

    @property
    def pending_layers(self) -> list[Layer]:
        return [layer for layer in self.layers if not layer.connected]


_ORDERS_ON_THEME = _("Work orders on the theme")


def _orders(name: str | Promise = _ORDERS_ON_THEME) -> Layer:
    return Layer("orders", name, WORKORDERS)


THEMES: tuple[Theme, ...] = (
    Theme(
        "public-safety",
        _("Public safety"),
        _("Public order, fire hazards, accidents and dangerous situations reported by citizens."),
        categories=("H10", "E0506", "E0509", "E0604", "C0108"),
        layers=(
            _orders(),
            Layer("fire-warnings", _("Fire-risk warnings"), WARNINGS),
            Layer("video", _("Public video points"), IOT),
        ),
    ),
    Theme(
        "city-management",
        _("City management"),
        _("Digital city management: events and components on the streets."),
        categories=("E01", "E02", "E03", "E04", "C01", "C02", "C03", "C04", "C05", "C06"),
        layers=(
            _orders(),
            Layer("components", _("Component registry (manhole covers, street lights…)"), EXCHANGE),
        ),
    ),
    Theme(
        "environment",
        _("Ecology and environment"),
        _("Air, water, noise and waste complaints, burning and polluted waters."),
        categories=("H02", "E0104", "E0109", "E0110", "E0113", "E0302", "E0607", "H1206"),
        layers=(
            _orders(),
            Layer("air-stations", _("Air and water quality stations"), IOT),
            Layer("pollution-warnings", _("Pollution warnings"), WARNINGS),
        ),
    ),
    Theme(
        "transport",
        _("Transport"),
        _("Buses, taxis, congestion, traffic facilities and parking on the street."),
        categories=("H03", "C02", "E0405", "E0406", "E0408"),
        layers=(
            _orders(),
            Layer("traffic-flow", _("Traffic flow"), EXCHANGE),
        ),
    ),
    Theme(
        "work-safety",
        _("Work safety and hazardous chemicals"),
        _("Safety hazards at work, hazardous-chemical leaks, gas leaks and special equipment."),
        categories=("H1005", "E0508", "E0503", "H0807", "H0905"),
        layers=(
            _orders(),
            Layer("hazchem-enterprises", _("Hazardous-chemical enterprises"), EXCHANGE),
            Layer("hazchem-vehicles", _("Hazardous-chemical vehicles (GPS, waybills)"), EXCHANGE),
            Layer("hazard-sensors", _("Major-hazard storage sensors"), IOT),
            Layer("hazchem-warnings", _("Hazardous-chemical warnings"), WARNINGS),
        ),
    ),
    Theme(
        "group-rental",
        _("Group rental housing"),
        _("Group rental hazards and indoor e-bike charging reported by citizens and grids."),
        categories=("E0602", "E0603"),
        layers=(
            _orders(),
            Layer("power-profile", _("Electricity consumption profile"), EXCHANGE),
            Layer("population", _("Population ledger per dwelling"), EXCHANGE),
            Layer("group-rental-warnings", _("Group rental warnings"), WARNINGS),
        ),
    ),
    Theme(
        "market-food",
        _("Market supervision and food safety"),
        _("Consumer complaints, food and drug safety, prices, markets and supermarkets."),
        categories=("H09", "H0603", "H0604", "H0602"),
        layers=(
            _orders(),
            Layer("licences", _("Business licences"), EXCHANGE),
        ),
    ),
    Theme(
        "hotline-12345",
        _("Citizen requests (12345)"),
        _("Everything that came in on the 12345 hotline."),
        channels=(Channel.HOTLINE,),
        layers=(_orders(_("12345 hotline work orders")),),
    ),
    Theme(
        "grid-governance",
        _("Grid governance"),
        _("What grid workers report and handle in their grids."),
        channels=(Channel.GRID,),
        layers=(
            _orders(_("Grid worker reports")),
            Layer("patrols", _("Grid worker patrols"), GRID_APP),
        ),
    ),
    Theme(
        "emergency",
        _("Emergency management"),
        _("Sudden events: collapses, burst mains, fires, fallen trees and dangerous situations."),
        categories=("E05", "H1007"),
        layers=(
            _orders(),
            Layer("emergency-warnings", _("Emergencies pushed by warning rules"), WARNINGS),
            Layer("resources", _("Rescue teams and supplies"), EXCHANGE),
        ),
    ),
    Theme(
        "flood",
        _("Flood and typhoon prevention"),
        _("Standing water, drainage, sluices and pumping stations."),
        categories=("E0505", "C0104", "C0602", "C0603", "H0808"),
        layers=(
            _orders(),
            Layer("rain-gauges", _("Rain gauges and water levels"), IOT),
            Layer("flood-warnings", _("Flood warnings"), WARNINGS),
        ),
    ),
    Theme(
        "petitions",
        _("Petitions and disputes"),
        _("Petitions, unpaid wages, demolition and resettlement, legal aid and mediation."),
        categories=("H1305", "H1106", "H0501", "H0103"),
        layers=(
            _orders(),
            Layer("petition-system", _("Petition system cases"), EXCHANGE),
        ),
    ),
    Theme(
        "government-services",
        _("Government services"),
        _("Questions about services, taxes and e-certificates."),
        categories=("H1301", "H1302", "H1304"),
        layers=(
            _orders(),
            Layer("appointments", _("Appointments and service ratings"), PORTAL),
        ),
    ),
    Theme(
        "enterprise-services",
        _("Enterprise services"),
        _("Requests from enterprises (一企来), business policies and registration."),
        categories=("H1303", "H0907"),
        channels=(Channel.ENTERPRISE,),
        layers=(
            _orders(),
            Layer("policy-specialists", _("Policy specialists' cases"), ENTERPRISE),
        ),
    ),
    Theme(
        "data-sharing",
        _("Data sharing"),
        _("Shared data resources, requests, grants and backflow between departments."),
        categories=("H1304",),
        layers=(
            _orders(_("Data correction requests from citizens")),
            Layer("catalogue", _("Resource catalogue"), EXCHANGE),
            Layer("share-requests", _("Share requests and grants"), EXCHANGE),
            Layer("exchange-volume", _("Records exchanged per day"), EXCHANGE),
        ),
    ),
    Theme(
        "grassroots",
        _("Grassroots governance"),
        _("Social assistance, elderly care, rural affairs, property management, neighbourhoods."),
        categories=("H11", "H12", "H0101", "E0605"),
        layers=(
            _orders(),
            Layer("whistles", _("Towns whistling for departments"), WHISTLE),
        ),
    ),
)
THEME_BY_SLUG = {theme.slug: theme for theme in THEMES}
