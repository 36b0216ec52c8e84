"""The console pages: catalogue search, a resource with grants, requests to decide, metrics."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.exchange.conftest import World, lines, pull, push
from yiwang.exchange.models import Grant, Resource, ShareRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def steward_client(world: World, client: Client) -> Client:
    client.force_login(world.steward)
    return client


def test_catalogue_search_and_filter(world: World, steward_client: Client) -> None:
    page = steward_client.get("/exchange/", {"q": "施工许可"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "资源目录" in html and "ZJJ-PERMIT" in html and "建筑施工许可信息" in html
    none = steward_client.get("/exchange/", {"sharing_type": "conditional"}).content.decode()
    assert "ZJJ-PERMIT" not in none and "没有符合条件的资源" in none


def test_resource_page_shows_items_grants_and_volume(
    world: World, granted: Grant, steward_client: Client
) -> None:
    push(steward_client, world.provider_token, "ZJJ-PERMIT", lines(4), "p1")
    html = steward_client.get("/exchange/resources/ZJJ-PERMIT/").content.decode()
    assert "市公安局" in html and "holder, phone" in html  # the grant, with its masked items
    assert "permit_no" in html and "无条件" in html
    assert 'id="volume-table"' in html


def test_revoke_from_the_resource_page(
    world: World, granted: Grant, steward_client: Client
) -> None:
    response = steward_client.post(f"/exchange/grants/{granted.pk}/revoke/", {"reason": ""})
    assert response.status_code == 302
    assert Grant.objects.get(pk=granted.pk).revoked_at is not None
    assert pull(steward_client, world.consumer_token, "ZJJ-PERMIT").status_code == 403


def test_department_requests_and_steward_approves(world: World, client: Client) -> None:
    client.force_login(world.consumer_user)
    response = client.post(
        "/exchange/resources/ZJJ-PERMIT/",
        {"consumer": world.consumer.pk, "purpose": "核查", "items": ["permit_no", "holder"]},
    )
    assert response.status_code == 302
    share = ShareRequest.objects.get()
    client.force_login(world.steward)
    assert "核查" in client.get("/exchange/requests/").content.decode()
    client.post(f"/exchange/requests/{share.pk}/approve/")
    assert Grant.objects.get(request=share).masked_items == ["holder"]


def test_refusal_needs_a_reason_on_the_page(world: World, client: Client) -> None:
    from yiwang.exchange import services

    share = services.request_share(
        world.resource, actor=world.consumer_user, consumer=world.consumer, purpose="x",
        items=["permit_no"],
    )  # fmt: skip
    client.force_login(world.steward)
    response = client.post(f"/exchange/requests/{share.pk}/refuse/", {"reason": ""}, follow=True)
    assert "拒绝必须说明理由" in response.content.decode()
    assert ShareRequest.objects.get(pk=share.pk).status == "review"


def test_register_from_the_console(world: World, client: Client) -> None:
    client.force_login(world.provider_user)
    form = {
        "provider": "NT-ZJJ", "code": "ZJJ-NEW", "name": "新资源", "classification": "base",
        "theme": "urban", "abstract": "测试", "sharing_type": "unconditional",
        "sharing_method": "api", "open_attribute": "open", "update_cycle": "daily",
        "items": "site_no, string, , 工地编号\nowner, string, name, 业主",
    }  # fmt: skip
    response = client.post("/exchange/resources/new/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Resource.objects.get(code="ZJJ-NEW").items[1]["personal"] == "name"
    bad = client.post("/exchange/resources/new/", {**form, "code": "ZJJ-NEW2", "items": "Bad Name"})
    assert "数据项名称" in bad.content.decode()


def test_metrics_page(world: World, granted: Grant, steward_client: Client) -> None:
    push(steward_client, world.provider_token, "ZJJ-PERMIT", lines(6), "m1")
    pull(steward_client, world.consumer_token, "ZJJ-PERMIT")
    html = steward_client.get("/exchange/metrics/").content.decode()
    assert "交换指标" in html and 'id="volume-chart-data"' in html
    assert '<dd class="yw-card-value" id="records-in">6</dd>' in html


def test_people_without_an_exchange_role_are_refused(make_user: Any, client: Client) -> None:
    client.force_login(make_user("nobody"))
    assert client.get("/exchange/").status_code == 403
