"""The order page: details, masking, the actions offered, every action form, refusals."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.workorders.factories import City, new_order, order_in, step
from yiwang.workorders.choices import State
from yiwang.workorders.models import WorkOrder, WorkOrderEvent

pytestmark = pytest.mark.django_db


def _page(number: str) -> str:
    return reverse("console:order", args=[number])


def _act(number: str, action: str) -> str:
    return reverse("console:order-action", args=[number, action])


def _post(client: Any, order: WorkOrder, action: str, **fields: Any) -> Any:
    data = {f"{action}-{k}": v for k, v in fields.items()}
    data.setdefault(f"{action}-version", order.version)
    return client.post(_act(order.number, action), data)


def test_the_page_shows_the_order_and_only_the_actions_allowed(city: City, as_user: Any) -> None:
    order = new_order(city, request_type="complaint")
    page = as_user("town_dispatcher").get(_page(order.number)).content.decode()
    assert order.title in page
    assert "13812345678" in page  # dispatchers see the phone in clear
    assert f'action="{_act(order.number, "dispatch")}"' in page
    assert f'action="{_act(order.number, "escalate")}"' in page
    # Not for a dispatcher, or not in this state:
    for action in ("acknowledge", "reply", "approve", "callback", "rule", "grant_extension"):
        assert f"/{action}/" not in page
    # Only a consultation is answered directly.
    assert "/direct_answer/" not in page
    assert 'id="order-map"' in page and "order-map-data" in page


def test_a_liaison_sees_the_contact_masked(city: City, as_user: Any) -> None:
    order = order_in(city, State.DISPATCHED)
    page = as_user("lead_liaison").get(_page(order.number)).content.decode()
    assert "138****5678" in page
    assert "13812345678" not in page
    assert "张*丰" in page


def test_out_of_scope_is_a_404(city: City, as_user: Any) -> None:
    order = new_order(city)
    assert as_user("dept_handler").get(_page(order.number)).status_code == 404
    assert as_user("town_dispatcher").get(_page("RX20000101999999")).status_code == 404


def test_the_routing_suggestion_and_duplicates_show(city: City, as_user: Any) -> None:
    first = new_order(city, category=city.category.code)
    second = new_order(city, category=city.category.code)
    page = as_user("town_dispatcher").get(_page(second.number)).content.decode()
    assert city.department.name in page  # the catalogue's answer (the category's default)
    assert first.number in page
    assert f"合并到 {first.number}" in page
    response = _post(as_user("town_dispatcher"), second, "merge", parent=first.number)
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.state == State.MERGED and second.parent_id == first.pk


def _errors(response: Any) -> list[str]:
    """The messages a refused form shows, for the assertion's explanation."""
    body = response.content.decode()
    return re.findall(r'class="yw-field-error"[^>]*>([^<]*)<|role="alert">\s*<p>([^<]*)<', body)


def _until(order: WorkOrder, days: int = 10) -> str:
    due = timezone.localtime(order.due_at or timezone.now()) + timedelta(days=days)
    return due.strftime("%Y-%m-%dT%H:%M")


# (state to start from, who acts, action, form fields, expected state or event kind)
CASES: list[tuple[str, str, str, dict[str, Any], str]] = [
    (State.RECEIVED, "town_dispatcher", "classify", {"category": "ZZ9901"}, "classified"),
    (State.RECEIVED, "town_dispatcher", "dispatch", {"department": "@dept"}, State.DISPATCHED),
    (State.RECEIVED, "town_dispatcher", "direct_answer", {"reply": "已答复"}, State.CLOSED),
    (State.RECEIVED, "town_dispatcher", "invalidate", {"reason": "无效"}, State.INVALID),
    (State.RECEIVED, "town_dispatcher", "transfer", {"line": "119"}, State.TRANSFERRED),
    (State.RECEIVED, "town_dispatcher", "escalate", {"reason": "无法解决"}, "escalated"),
    (State.RECEIVED, "town_dispatcher", "shelve", {"reason": "明年计划"}, State.SHELVED),
    (State.RECEIVED, "town_dispatcher", "note", {"note": "已联系"}, "noted"),
    (State.DISPATCHED, "dept_handler", "acknowledge", {}, State.ACKNOWLEDGED),
    (State.DISPATCHED, "dept_handler", "return", {"reason": "非本单位职责"}, State.RETURNED),
    (State.DISPATCHED, "town_dispatcher", "urge", {}, "urged"),
    (State.DISPATCHED, "town_dispatcher", "supervise", {"note": "限期办结"}, "supervised"),
    (State.DISPATCHED, "town_dispatcher", "add_unit", {"department": "@other"}, "unit_added"),
    (State.ACKNOWLEDGED, "dept_handler", "start", {}, State.IN_PROGRESS),
    (State.IN_PROGRESS, "dept_handler", "reply", {"reply": "已修复"}, State.REPLIED),
    (
        State.IN_PROGRESS,
        "dept_handler",
        "request_extension",
        {"until": "@until", "reason": "需采购材料"},
        "extension_requested",
    ),
    (State.REPLIED, "town_dispatcher", "approve", {}, State.CALLBACK),
    (State.REPLIED, "town_dispatcher", "reject", {"reason": "答复不完整"}, State.IN_PROGRESS),
    (State.VERIFYING, "town_dispatcher", "verify", {}, State.CALLBACK),
    (State.CALLBACK, "town_dispatcher", "callback", {"rating": "satisfied"}, State.CLOSED),
    (
        State.CALLBACK,
        "town_dispatcher",
        "reopen",
        {"rating": "dissatisfied", "reason": "路灯仍不亮"},
        State.DISPATCHED,
    ),
    (State.RETURNED, "town_dispatcher", "redispatch", {"department": "@other"}, State.DISPATCHED),
    (State.RETURNED, "town_dispatcher", "dispute", {"reason": "职责有争议"}, State.DISPUTED),
    (
        State.DISPUTED,
        "city_dispatcher",
        "rule",
        {"department": "@dept", "reason": "联席会议裁定"},
        State.DISPATCHED,
    ),
]


@pytest.mark.parametrize(("state", "actor", "action", "fields", "expected"), CASES)
def test_every_action_form_posts_and_moves_the_order(
    city: City,
    as_user: Any,
    state: str,
    actor: str,
    action: str,
    fields: dict[str, Any],
    expected: str,
) -> None:
    order = order_in(city, state)
    client = as_user(actor)
    page = client.get(_page(order.number)).content.decode()
    assert f'action="{_act(order.number, action)}"' in page, f"{action} is not offered"
    values = {
        k: {
            "@dept": city.department.code,
            "@other": city.other_department.code,
            "@until": _until(order),
        }.get(v, v)
        for k, v in fields.items()
    }
    response = _post(client, order, action, **values)
    assert response.status_code == 302, _errors(response)
    order.refresh_from_db()
    kinds = list(WorkOrderEvent.objects.filter(order=order).values_list("kind", flat=True))
    assert expected in (order.state, kinds[-1])


def test_extension_decisions_from_the_order_page(city: City, as_user: Any) -> None:
    order = order_in(city, State.IN_PROGRESS)
    step(
        city,
        order,
        "request_extension",
        "dept_handler",
        until=order.due_at + timedelta(days=5),
        reason="需采购材料",
    )
    order.refresh_from_db()
    client = as_user("town_dispatcher")
    page = client.get(_page(order.number)).content.decode()
    assert "/grant_extension/" in page and "/deny_extension/" in page
    assert _post(client, order, "grant_extension").status_code == 302
    order.refresh_from_db()
    assert not order.extension_pending
    assert order.due_at == order.extension_requested_until


def test_dispatch_with_assisting_units(city: City, as_user: Any) -> None:
    order = new_order(city)
    client = as_user("town_dispatcher")
    response = client.post(
        _act(order.number, "dispatch"),
        {
            "dispatch-version": order.version,
            "dispatch-department": city.department.code,
            "dispatch-assisting": [city.other_department.code],
        },
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.lead_department_id == city.department.pk
    assert list(order.assisting_departments.all()) == [city.other_department]


def test_a_stale_version_shows_a_conflict_message(city: City, as_user: Any) -> None:
    order = new_order(city)
    loaded = order.version
    step(city, order, "note", "hotline_agent", note="另一人的备注")
    response = _post(
        as_user("town_dispatcher"),
        order,
        "dispatch",
        version=loaded,
        department=city.department.code,
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "其他人修改了此工单" in body
    assert "Traceback" not in body
    order.refresh_from_db()
    assert order.state == State.RECEIVED


@pytest.mark.parametrize(
    ("state", "actor", "action", "fields"),
    [
        (State.DISPATCHED, "town_dispatcher", "acknowledge", {}),
        (State.REPLIED, "dept_handler", "approve", {}),
        (State.DISPUTED, "town_dispatcher", "rule", {"department": "x", "reason": "y"}),
        (State.DISPATCHED, "leader", "return", {"reason": "y"}),
    ],
)
def test_a_crafted_post_for_an_action_the_role_may_not_take_is_refused(
    city: City, as_user: Any, state: str, actor: str, action: str, fields: dict[str, Any]
) -> None:
    order = order_in(city, state)
    before = order.version
    response = _post(as_user(actor), order, action, **fields)
    assert response.status_code == 403
    assert "无权" in response.content.decode()
    order.refresh_from_db()
    assert order.version == before


def test_field_errors_show_beside_the_field_and_keep_the_input(city: City, as_user: Any) -> None:
    order = order_in(city, State.IN_PROGRESS)
    response = _post(
        as_user("dept_handler"), order, "request_extension", reason="需要采购路灯配件", until=""
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "需要采购路灯配件" in body
    assert 'id="id_request_extension-until-error"' in body


def test_a_service_validation_error_lands_on_its_field(city: City, as_user: Any) -> None:
    order = order_in(city, State.IN_PROGRESS)
    assert order.due_at is not None
    too_early = timezone.localtime(order.due_at - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = _post(
        as_user("dept_handler"), order, "request_extension", reason="理由写在这里", until=too_early
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="id_request_extension-until-error"' in body
    assert "理由写在这里" in body


def test_a_wrong_state_is_a_clear_conflict(city: City, as_user: Any) -> None:
    order = order_in(city, State.ACKNOWLEDGED)
    response = _post(as_user("dept_handler"), order, "acknowledge")
    assert response.status_code == 409
    assert "Traceback" not in response.content.decode()


def _order_queries(client: Any, number: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(_page(number)).status_code == 200
    return len(ctx.captured_queries)


def test_the_order_page_costs_a_fixed_number_of_queries(
    city: City, as_user: Any, django_assert_max_num_queries: Any
) -> None:
    client = as_user("town_dispatcher")
    short = order_in(city, State.RETURNED, category=city.category.code)
    long = order_in(city, State.RETURNED, category=city.category.code)
    for _ in range(5):
        step(city, long, "note", "town_dispatcher", note="跟进")
    _order_queries(client, short.number)  # warm the routing index
    with django_assert_max_num_queries(16):
        client.get(_page(long.number))
    assert _order_queries(client, long.number) == _order_queries(client, short.number)
