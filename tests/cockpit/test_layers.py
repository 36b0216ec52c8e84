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


def test_grid_layer_counts_patrols_in_the_viewers_grids(city: City) -> None:
    from django.utils import timezone

    from yiwang.grid.models import Patrol

    worker = city["grid_worker"]
    grid = worker.role_assignments.get(role="grid_worker").grids.first()
    now = timezone.now()
    Patrol.objects.create(
        worker=worker, grid=grid, day=now.date(), started_at=now, distance_m=1500, coverage=0.5
    )
    page = client_for(city, "leader").get("/cockpit/themes/grid-governance/").content.decode()
    layer = _layer(page, "patrols")
    assert "巡查里程（公里）" in layer
    assert "1.5" in layer and "50.0%" in layer
    assert grid.county.name in layer


def test_data_sharing_layers_show_the_catalogue_requests_and_volume(city: City) -> None:
    from yiwang.exchange.demo import load_demo_data
    from yiwang.exchange.models import Resource

    load_demo_data(scale="small", seed=1, progress=lambda *a: None)
    page = client_for(city, "leader").get("/cockpit/themes/data-sharing/").content.decode()
    catalogue = _layer(page, "catalogue")
    assert f'<dd class="yw-card-value">{Resource.objects.count()}</dd>' in catalogue
    assert "无条件共享" in catalogue or "有条件共享" in catalogue
    assert "share-requests" in page and "exchange-volume" in page
    volume = _layer(page, "exchange-volume")
    assert "接收记录数" in volume and "交付记录数" in volume
