"""Thematic layers beyond the work orders: the towns' whistles and the 一企来 cases."""

from __future__ import annotations

from tests.cockpit.conftest import client_for
from tests.workorders.factories import City, order_in, step
from yiwang.intake.models import PolicySpecialist
from yiwang.intake.services import submit_enterprise_request
from yiwang.workorders.choices import State


def _layer(page: str, key: str) -> str:
    start = page.index(f'data-layer="{key}"')
    return page[start : page.index("</section>", start)]


def test_whistle_layer_counts_whistles_and_the_towns_whistle_rate(city: City) -> None:
    order = order_in(city, State.RECEIVED)
    order_in(city, State.RECEIVED)  # a second order of the same town, not whistled
    step(city, order, "whistle", "town_dispatcher", department=city.department.code)
    step(city, order, "answer_whistle", "dept_handler")
    page = client_for(city, "leader").get("/cockpit/themes/grassroots/").content.decode()
    layer = _layer(page, "whistles")
    assert "吹哨次数" in layer
    assert '<dd class="yw-card-value">1</dd>' in layer  # one whistle, one unit reported
    assert "100.0%" in layer  # reported in time
    assert order.town.name in layer and "50.0%" in layer  # one of the town's two orders


def test_enterprise_layer_counts_requests_per_sector_and_the_assigned_share(city: City) -> None:
    PolicySpecialist.objects.create(user=city["dept_handler"], sectors=["technology"])
    lon, lat = city.point
    for sector in ("technology", "technology", "trade"):
        submit_enterprise_request(
            actor=city["hotline_agent"],
            company="南通某科技有限公司",
            sector=sector,
            description="咨询高新技术企业认定的条件",
            contact_phone="13900002222",
            lon=lon,
            lat=lat,
        )
    page = client_for(city, "leader").get("/cockpit/themes/enterprise-services/").content.decode()
    layer = _layer(page, "policy-specialists")
    assert "66.7%" in layer  # two of three have a specialist (nobody covers trade)
    assert "科技" in layer and "商贸" in layer
