"""The 12345 agent's workbench: calls from start to end, the bridges, 一企来, the legacy-line
register and its consolidation report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.workorders.factories import City, load_city
from yiwang.core.errors import Conflict, ValidationFailed
from yiwang.core.models import AuditRecord
from yiwang.hotline.advice import caller_history
from yiwang.hotline.models import EntryStatus, KnowledgeEntry
from yiwang.hotline.reports import consolidation
from yiwang.intake import services
from yiwang.intake.demo import load_demo_data
from yiwang.intake.models import Call, CallOutcome, EnterpriseRequest, LegacyHotline
from yiwang.workorders.choices import State
from yiwang.workorders.models import WorkOrder

CALLER = "13912345678"


@pytest.fixture
def city(db: Any) -> City:
    return load_city()


@pytest.fixture
def lines(city: City) -> list[LegacyHotline]:
    load_demo_data(scale="small", seed=7, progress=lambda *a: None)
    return list(LegacyHotline.objects.select_related("department", "default_category"))


def _entry(question: str, answer: str, **extra: Any) -> KnowledgeEntry:
    values = {"status": EntryStatus.PUBLISHED, **extra}
    return KnowledgeEntry.objects.create(
        external_id=f"t-{KnowledgeEntry.objects.count() + 1}",
        question=question,
        answer=answer,
        **values,
    )


def _agent_client(city: City) -> Client:
    client = Client()
    client.force_login(city["hotline_agent"])
    return client


# --- the register and the demo ---------------------------------------------------------------


def test_demo_registers_78_legacy_lines_with_departments_and_three_months_of_calls(
    lines: list[LegacyHotline],
) -> None:
    assert len(lines) == 78
    numbers = {line.number for line in lines}
    assert {"12315", "12333"} <= numbers  # national short numbers folded into 12345
    assert "12345" not in numbers
    assert all(line.department_id for line in lines)
    assert sum(1 for line in lines if line.default_category_id) > 20
    # Each line lists the categories it served: its department's in the catalogue.
    served = next(line for line in lines if line.default_category_id)
    assert served.default_category in served.categories.all()
    assert Call.objects.filter(legacy_line__isnull=False).count() > 500


def test_consolidation_report_counts_calls_per_old_number_and_the_answer_rates(
    city: City, lines: list[LegacyHotline]
) -> None:
    end = timezone.localdate()
    report = consolidation(city["leader"], end - timedelta(days=89), end)
    assert report["legacy_lines"] == 78
    assert (
        report["calls"] == Call.objects.filter(rang_at__date__gte=end - timedelta(days=89)).count()
    )
    assert report["via_legacy_numbers"] + report["via_12345"] == report["calls"]
    assert sum(row["calls"] for row in report["lines"]) == report["via_legacy_numbers"]
    # Busiest line first; the demo answers about 96.5% and most within 15 s.
    assert report["lines"][0]["calls"] >= report["lines"][-1]["calls"]
    assert 0.9 < report["answer_rate"] < 1
    assert 0.5 < report["fast_answer_rate"] < 1
    # Legacy habits fade: the old numbers carry more calls in the first month than in the last.
    daily = report["daily"]
    assert sum(d["legacy"] for d in daily[:30]) > sum(d["legacy"] for d in daily[-30:])


# --- a call from start to end ----------------------------------------------------------------


def test_dialled_legacy_line_prefills_department_and_category_on_the_screen_pop(
    city: City, lines: list[LegacyHotline]
) -> None:
    line = next(x for x in lines if x.default_category_id)
    response = _agent_client(city).post(
        "/api/v1/hotline/calls",
        {"caller": CALLER, "dialled": line.number},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    pop = response.json()
    assert pop["prefill"]["department"] == line.department.name
    assert pop["prefill"]["category"] == line.default_category.code
    assert Call.objects.get(pk=pop["call"]).legacy_line == line


def test_caller_history_shows_earlier_orders_and_masks_the_phone_for_roles_without_it(
    city: City,
) -> None:
    call = services.start_call(actor=city["hotline_agent"], caller=CALLER)
    services.file_call(
        call,
        actor=city["hotline_agent"],
        text="小区门口路灯坏了三天",
        request_type="complaint",
        category=city.category.code,
        lon=city.point[0],
        lat=city.point[1],
    )
    agent_view = caller_history(city["hotline_agent"], CALLER)
    assert [row["contact_phone"] for row in agent_view] == [CALLER]
    leader_view = caller_history(city["leader"], CALLER)
    assert leader_view and leader_view[0]["contact_phone"] != CALLER
    assert "*" in leader_view[0]["contact_phone"]
    assert caller_history(city["hotline_agent"], "13800000000") == []


def test_consultation_answered_from_the_knowledge_base_is_closed_on_the_spot_citing_entries(
    city: City,
) -> None:
    entry = _entry("公积金怎么提取？", "凭身份证到公积金中心柜台或网上办理提取。")
    agent = city["hotline_agent"]
    call = services.start_call(actor=agent, caller=CALLER)
    call = services.answer_call(
        call, actor=agent, text="我想问公积金怎么取", reply=entry.answer, entry_ids=[entry.pk]
    )
    assert call.outcome == CallOutcome.DIRECT_ANSWER
    assert call.cited_entries == [{"id": entry.pk, "question": entry.question}]
    order = call.work_order
    assert order.state == State.CLOSED
    assert order.reply == entry.answer
    event = order.events.order_by("-pk").first()
    assert event is not None and f"#{entry.pk} {entry.question}" in event.note
    assert AuditRecord.objects.filter(action="hotline.call_ended", object_id=str(call.pk)).exists()


def test_an_expired_entry_cannot_be_cited_and_nothing_is_written(city: City) -> None:
    expired = _entry(
        "老年优待证怎么办？", "旧办法", expires_on=timezone.localdate() - timedelta(days=1)
    )
    agent = city["hotline_agent"]
    call = services.start_call(actor=agent, caller=CALLER)
    before = WorkOrder.objects.count()
    with pytest.raises(ValidationFailed) as error:
        services.answer_call(
            call, actor=agent, text="优待证", reply="旧办法", entry_ids=[expired.pk]
        )
    assert error.value.field == "entries"
    assert WorkOrder.objects.count() == before
    call.refresh_from_db()
    assert call.outcome == CallOutcome.OPEN


def test_other_requests_become_work_orders_and_a_call_ends_only_once(city: City) -> None:
    agent = city["hotline_agent"]
    call = services.start_call(actor=agent, caller=CALLER)
    call = services.file_call(
        call,
        actor=agent,
        text="楼下饭店油烟很大，晚上熏得睡不着",
        request_type="complaint",
        category=city.category.code,
        lon=city.point[0],
        lat=city.point[1],
        contact_name="王先生",
    )
    assert call.outcome == CallOutcome.WORK_ORDER
    order = call.work_order
    assert order.channel == "hotline"
    assert order.contact_phone == CALLER
    assert order.state in {State.RECEIVED, State.DISPATCHED}
    with pytest.raises(Conflict):
        services.transfer_call(call, actor=agent, text="再转一次", line="110")
    assert WorkOrder.objects.filter(calls__pk=call.pk).count() == 1


def test_emergencies_are_transferred_to_their_line_and_recorded(city: City) -> None:
    agent = city["hotline_agent"]
    call = services.start_call(actor=agent, caller=CALLER)
    with pytest.raises(ValidationFailed) as error:
        services.transfer_call(call, actor=agent, text="着火了", line="999")
    assert error.value.field == "line"
    call = services.transfer_call(call, actor=agent, text="楼道里着火了，有烟", line="119")
    assert call.outcome == CallOutcome.EMERGENCY
    assert call.emergency_line == "119"
    assert call.work_order.state == State.TRANSFERRED
    assert call.work_order.priority == "emergency"


# --- the API ---------------------------------------------------------------------------------


def test_advice_api_refuses_empty_text_naming_the_field(city: City) -> None:
    response = _agent_client(city).get("/api/v1/hotline/advice", {"text": "   "})
    assert response.status_code == 422
    assert response.json()["error"]["details"]["field"] == "text"


def test_advice_api_returns_knowledge_hits_and_similar_open_orders(city: City) -> None:
    _entry("住房公积金怎么提取？", "凭身份证到公积金中心办理提取。")
    agent = city["hotline_agent"]
    first = services.start_call(actor=agent, caller="13900000001")
    first = services.file_call(
        first,
        actor=agent,
        text="人民路上井盖丢了，很危险",
        request_type="report",
        category=city.category.code,
        lon=city.point[0],
        lat=city.point[1],
    )
    client = _agent_client(city)
    response = client.get(
        "/api/v1/hotline/advice", {"text": "人民路井盖丢了", "category": city.category.code}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [row["number"] for row in body["similar"]] == [first.work_order.number]
    assert set(body["timings_ms"]) == {"routing", "knowledge", "similar"}
    kb = client.get("/api/v1/hotline/advice", {"text": "公积金提取"}).json()["knowledge"]
    assert kb and kb[0]["question"] == "住房公积金怎么提取？"


def test_answer_api_names_the_missing_reply(city: City) -> None:
    client = _agent_client(city)
    call = client.post(
        "/api/v1/hotline/calls", {"caller": CALLER}, content_type="application/json"
    ).json()
    response = client.post(
        f"/api/v1/hotline/calls/{call['call']}/answer",
        {"text": "问个政策", "reply": " ", "entries": [1]},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"]["field"] == "reply"


def test_only_agents_and_dispatchers_work_calls(city: City) -> None:
    client = Client()
    client.force_login(city["grid_worker"])
    response = client.post(
        "/api/v1/hotline/calls", {"caller": CALLER}, content_type="application/json"
    )
    assert response.status_code == 403


def test_wechat_bridge_message_becomes_a_work_order(city: City) -> None:
    response = _agent_client(city).post(
        "/api/v1/hotline/messages",
        {
            "source": "wechat",
            "sender": CALLER,
            "text": "小区垃圾两天没人清运了",
            "request_type": "complaint",
            "category": city.category.code,
            "lon": city.point[0],
            "lat": city.point[1],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    call = Call.objects.get(pk=body["call"])
    assert call.source == "wechat"
    assert call.work_order.number == body["order"]


def test_enterprise_requests_go_to_the_specialist_of_their_sector(
    city: City, lines: list[LegacyHotline]
) -> None:
    client = _agent_client(city)
    payload = {
        "company": "南通某精密机械有限公司",
        "sector": "manufacturing",
        "description": "想了解技术改造补贴的申报条件",
        "contact_phone": "13900001111",
        "lon": city.point[0],
        "lat": city.point[1],
    }
    response = client.post("/api/v1/hotline/enterprise", payload, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["specialist"]["username"] == "policy_specialist"
    request = EnterpriseRequest.objects.get(order__number=response.json()["order"])
    assert request.order.channel == "enterprise"
    # Dispatched to the specialist's department, so it is in their workbench.
    specialist = request.specialist.user
    assert request.order.state == State.DISPATCHED
    assert WorkOrder.objects.visible_to(specialist).filter(pk=request.order.pk).exists()
    bad = client.post(
        "/api/v1/hotline/enterprise",
        {**payload, "sector": "mining"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["details"]["field"] == "sector"
    assert EnterpriseRequest.objects.count() == 1


# --- the pages -------------------------------------------------------------------------------


def test_call_screen_files_an_order_and_shows_errors_beside_the_field(
    city: City, lines: list[LegacyHotline]
) -> None:
    client = _agent_client(city)
    page = client.get("/hotline/")
    assert page.status_code == 200
    assert "来电" in page.content.decode()
    response = client.post("/hotline/", {"caller": CALLER, "dialled": "12345", "source": "phone"})
    assert response.status_code == 302
    screen = response["Location"]
    refused = client.post(
        screen,
        {
            "action": "order",
            "order-text": "",
            "order-priority": "normal",
            "order-request_type": "help",
        },
    )
    assert refused.status_code == 200
    assert "这个字段是必填项" in refused.content.decode()
    call = Call.objects.get(caller=CALLER)
    assert call.outcome == CallOutcome.OPEN
    town = city.department.region.children.filter(level="town").order_by("code").first()
    done = client.post(
        screen,
        {
            "action": "order",
            "order-text": "路口红绿灯不亮了",
            "order-request_type": "report",
            "order-priority": "urgent",
            "order-category": city.category.code,
            "order-town": town.code,
        },
    )
    assert done.status_code == 302
    call.refresh_from_db()
    assert call.outcome == CallOutcome.WORK_ORDER
    assert call.work_order.town_id == town.pk
    ended = client.get(screen).content.decode()
    assert call.work_order.number in ended


def test_legacy_line_page_lists_the_register(city: City, lines: list[LegacyHotline]) -> None:
    client = Client()
    client.force_login(city["leader"])
    page = client.get("/hotline/lines/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "12315" in body
    assert "接通率" in body
    assert "原热线受理分类" in body


def test_advice_for_stop_words_or_a_long_text_answers_without_failing(city: City) -> None:
    client = _agent_client(city)
    only_stop_words = client.get("/api/v1/hotline/advice", {"text": "的了吗呢"})
    assert only_stop_words.status_code == 200
    assert only_stop_words.json()["knowledge"] == []
    long = client.get("/api/v1/hotline/advice", {"text": "公积金提取" * 700})
    assert long.status_code == 200, long.content


def test_an_order_filed_on_the_model_s_advice_records_the_model_version(city: City) -> None:
    from yiwang.nlp.routing import published_version

    agent = city["hotline_agent"]
    common = {
        "actor": agent,
        "text": "路灯不亮",
        "request_type": "report",
        "category": city.category.code,
        "lon": city.point[0],
        "lat": city.point[1],
    }
    followed = services.file_call(
        services.start_call(actor=agent, caller=CALLER),
        suggestion={"model_version": "r20261127-9", "source": "model", "used": True},
        **common,
    )
    assert followed.work_order.routing_model_version == "r20261127-9"
    detail = _agent_client(city).get(f"/api/v1/workorders/{followed.work_order.number}")
    assert detail.json()["routing_model_version"] == "r20261127-9"
    ignored = services.file_call(
        services.start_call(actor=agent, caller=CALLER),
        suggestion={"model_version": "r20261127-9", "source": "model"},
        **common,
    )
    assert ignored.work_order.routing_model_version == ""
    assert published_version() is None  # no model in this city: the catalogue advised


def test_a_call_to_a_department_seat_line_goes_to_that_department(
    city: City, lines: list[LegacyHotline]
) -> None:
    from yiwang.intake.models import HotlineRule

    seat = next(line for line in lines if line.rule == HotlineRule.DEPARTMENT_SEAT)
    prefill = next(line for line in lines if line.rule == HotlineRule.PREFILL)
    agent = city["hotline_agent"]
    common = {
        "actor": agent,
        "text": "咨询一下这个业务怎么办理",
        "request_type": "help",
        "lon": city.point[0],
        "lat": city.point[1],
    }
    handed = services.file_call(
        services.start_call(actor=agent, caller=CALLER, dialled=seat.number), **common
    )
    assert handed.work_order.state == State.DISPATCHED
    assert handed.work_order.lead_department == seat.department
    kept = services.file_call(
        services.start_call(actor=agent, caller=CALLER, dialled=prefill.number), **common
    )
    assert kept.work_order.state == State.RECEIVED  # the center dispatches it


def test_the_system_administrator_keeps_the_register_in_the_admin(
    city: City, lines: list[LegacyHotline]
) -> None:
    client = Client()
    client.force_login(city["system_admin"])
    assert client.get("/admin/intake/legacyhotline/").status_code == 200
    response = client.post(
        "/admin/intake/legacyhotline/add/",
        {
            "number": "0513-85550000",
            "name": "市城管局夜间投诉电话",
            "department": city.department.pk,
            "rule": "prefill",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    line = LegacyHotline.objects.get(number="0513-85550000")
    assert AuditRecord.objects.filter(
        action="hotline.legacy_line_created", object_id=str(line.pk)
    ).exists()
    # An agent has no business in the register.
    agent = _agent_client(city)
    assert agent.get("/admin/intake/legacyhotline/").status_code == 302


def test_the_pool_shares_enterprise_requests_evenly_whatever_counties_a_specialist_covers(
    city: City,
) -> None:
    from yiwang.accounts.services import create_user
    from yiwang.geo.models import Region
    from yiwang.intake.models import PolicySpecialist

    county = city.department.region
    other = Region.objects.filter(level="county").exclude(pk=county.pk).first()
    pool = []
    for name, counties in (("wide", [county, other]), ("narrow", [county])):
        user = create_user(actor=None, username=name, password="Test-Passw0rd!")
        specialist = PolicySpecialist.objects.create(user=user, sectors=["trade"])
        specialist.counties.set(counties)
        pool.append(specialist)
    assigned = [
        services.submit_enterprise_request(
            actor=city["hotline_agent"],
            company=f"南通商贸{i}号公司",
            sector="trade",
            description="咨询外贸补贴政策",
            contact_phone="13900003333",
            lon=city.point[0],
            lat=city.point[1],
        ).specialist
        for i in range(4)
    ]
    assert [s.user.username for s in assigned] == ["wide", "narrow", "wide", "narrow"]
