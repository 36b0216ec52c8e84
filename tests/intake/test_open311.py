"""Open311 GeoReport v2 as a client sees it: discovery, services, POST and GET requests, tokens,
XML and JSON, and the spec's errors."""

from typing import Any
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from yiwang.demo.accounts import DEMO_OPEN311_KEY
from yiwang.demo.services import load_demo
from yiwang.intake.models import Open311Request
from yiwang.workorders.models import Category, WorkOrder

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
# 崇川区, inside the city; Shanghai's People's Square, outside it.
INSIDE = {"lat": "32.0100", "long": "120.8700"}
OUTSIDE = {"lat": "31.2300", "long": "121.4700"}


@pytest.fixture
def service_code(db: Any) -> str:
    load_demo(scale="small")
    category = Category.objects.filter(parent__isnull=False, kind="event").order_by("code").first()
    assert category is not None
    return category.code


def _post(client: Client, fmt: str = "json", **fields: str) -> Any:
    return client.post(f"{BASE}/requests.{fmt}", fields)


def test_discovery_lists_the_endpoint_in_both_formats(client: Client) -> None:
    discovery = client.get(f"{BASE}/discovery.json").json()
    endpoint = discovery["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    xml = ET.fromstring(client.get(f"{BASE}/discovery.xml").content)
    assert xml.tag == "discovery"
    assert xml.find("endpoints/endpoint/formats/format") is not None


def test_services_and_their_definitions(client: Client, service_code: str) -> None:
    services = client.get(f"{BASE}/services.json").json()
    codes = [s["service_code"] for s in services]
    assert service_code in codes
    assert all(s["type"] == "realtime" and s["metadata"] is True for s in services)
    xml = client.get(f"{BASE}/services.xml")
    assert xml["Content-Type"] == "text/xml; charset=utf-8"
    assert xml.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert len(ET.fromstring(xml.content).findall("service")) == len(services)

    definition = client.get(f"{BASE}/services/{service_code}.json").json()
    attribute = definition["attributes"][0]
    assert attribute["code"] == "request_type"
    assert {"key": "complaint"}.items() <= attribute["values"][2].items()
    missing = client.get(f"{BASE}/services/NOPE.xml")
    assert missing.status_code == 404
    assert ET.fromstring(missing.content).find("error/code").text == "404"


def test_post_creates_an_ordinary_work_order(client: Client, service_code: str) -> None:
    response = _post(
        client,
        api_key=DEMO_OPEN311_KEY,
        service_code=service_code,
        description="小区门口垃圾堆放三天无人清运",
        first_name="小明",
        last_name="王",
        phone="13900001111",
        **{"attribute[request_type]": "complaint"},
        **INSIDE,
    )
    assert response.status_code == 201, response.content
    number = response.json()[0]["service_request_id"]
    order = WorkOrder.objects.get(number=number)
    assert (order.channel, order.request_type, order.category.code) == (
        "open311",
        "complaint",
        service_code,
    )
    assert order.county is not None and order.contact_name == "王小明"

    fetched = client.get(f"{BASE}/requests/{number}.json").json()
    assert len(fetched) == 1
    item = fetched[0]
    assert (item["status"], item["service_code"]) == ("open", service_code)
    assert item["requested_datetime"].endswith("+08:00")
    assert "13900001111" not in str(fetched)  # contact details are never published

    token = Open311Request.objects.get(order=order).token
    assert client.get(f"{BASE}/tokens/{token}.json").json() == [
        {"service_request_id": number, "token": token}
    ]
    listed = client.get(f"{BASE}/requests.json?status=open&service_code={service_code}").json()
    assert number in [r["service_request_id"] for r in listed]
    assert client.get(f"{BASE}/requests.json?status=closed").json() == []


def test_errors_follow_the_spec(client: Client, service_code: str) -> None:
    before = WorkOrder.objects.count()
    no_key = _post(client, "xml", service_code=service_code, description="x", **INSIDE)
    assert no_key.status_code == 403
    assert (
        ET.fromstring(no_key.content).find("error/description").text.startswith("Invalid api_key")
    )
    no_location = _post(client, api_key=DEMO_OPEN311_KEY, service_code=service_code)
    assert no_location.status_code == 400
    assert "location" in no_location.json()[0]["description"]
    unknown = _post(client, api_key=DEMO_OPEN311_KEY, service_code="NOPE", **INSIDE)
    assert unknown.status_code == 404
    outside = _post(
        client,
        api_key=DEMO_OPEN311_KEY,
        service_code=service_code,
        description="x",
        phone="13900001111",
        **OUTSIDE,
    )
    assert outside.status_code == 400
    assert "不在本市管辖范围内" in outside.json()[0]["description"]
    # A report is called back, so it needs a phone number.
    no_phone = _post(
        client, api_key=DEMO_OPEN311_KEY, service_code=service_code, description="x", **INSIDE
    )
    assert no_phone.status_code == 400
    assert "contact_phone" in no_phone.json()[0]["description"]
    too_long = _post(
        client,
        api_key=DEMO_OPEN311_KEY,
        service_code=service_code,
        description="长" * 4001,
        **INSIDE,
    )
    assert too_long.status_code == 400
    wrong_place = client.get(f"{BASE}/services.json?jurisdiction_id=sfgov.org")
    assert wrong_place.status_code == 404
    span = client.get(
        f"{BASE}/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z"
    )
    assert span.status_code == 400
    naive = client.get(f"{BASE}/requests.json?start_date=2026-11-01T00:00:00")
    assert naive.status_code == 400
    assert WorkOrder.objects.count() == before
    assert client.get(f"{BASE}/nothing.json").status_code == 404


def test_a_new_client_key_from_the_command_line_works(client: Client, service_code: str) -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("open311", "create-client", "海门区便民App", stdout=out, stderr=StringIO())
    key = out.getvalue().strip().splitlines()[-1]
    response = _post(
        client,
        "xml",
        api_key=key,
        service_code=service_code,
        description="路灯不亮",
        phone="13900002222",
        **INSIDE,
    )
    assert response.status_code == 201
    number = ET.fromstring(response.content).find("request/service_request_id").text
    order = WorkOrder.objects.get(number=number)
    assert order.created_by.open311_client.name == "海门区便民App"
