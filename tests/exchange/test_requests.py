"""Share requests, decisions, disputes, grants and revocation."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.exchange.conftest import World
from yiwang.core.errors import Conflict, PermissionDenied, ValidationFailed
from yiwang.core.models import AuditRecord
from yiwang.exchange import services
from yiwang.exchange.choices import RequestStatus
from yiwang.exchange.models import Resource

pytestmark = pytest.mark.django_db


def _conditional(world: World) -> Resource:
    return services.register_resource(
        actor=world.provider_user,
        provider=world.provider,
        code="ZJJ-OWNERS",
        name="房屋权属信息",
        items=[{"name": "owner", "type": "string", "personal": "name"}, {"name": "addr"}],
        sharing_type="conditional",
        legal_basis="不动产登记暂行条例",
    )


def test_unconditional_request_waits_for_the_data_authority(world: World, client: Client) -> None:
    client.force_login(world.consumer_user)
    response = client.post(
        "/api/v1/exchange/requests",
        {
            "resource": "ZJJ-PERMIT",
            "consumer": "NT-GAJ",
            "purpose": "执法核查",
            "items": ["permit_no", "phone"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    share_id = response.json()["id"]
    assert response.json()["status"] == "review"
    # The consumer cannot approve its own request; the steward can.
    assert (
        client.post(
            f"/api/v1/exchange/requests/{share_id}/approve", {}, content_type="application/json"
        ).status_code
        == 403
    )
    client.force_login(world.steward)
    grant = client.post(
        f"/api/v1/exchange/requests/{share_id}/approve", {}, content_type="application/json"
    )
    assert grant.status_code == 200
    assert grant.json()["items"] == ["permit_no", "phone"]
    assert grant.json()["masked_items"] == ["phone"]  # personal items masked by default


def test_conditional_request_goes_to_the_provider_with_a_due_date(world: World) -> None:
    resource = _conditional(world)
    share = services.request_share(
        resource,
        actor=world.consumer_user,
        consumer=world.consumer,
        purpose="户籍核验",
        items=["owner"],
    )
    assert share.status == RequestStatus.PROVIDER
    assert share.due_at is not None and (share.due_at - share.created_at).days >= 12
    with pytest.raises(PermissionDenied):
        services.approve_request(
            share, actor=world.steward
        )  # the provider answers, not the steward
    with pytest.raises(ValidationFailed) as err:
        services.refuse_request(share, actor=world.provider_user, reason=" ")
    assert err.value.field == "reason"
    refused = services.refuse_request(share, actor=world.provider_user, reason="涉及个人隐私")
    assert refused.status == RequestStatus.REFUSED and refused.reason == "涉及个人隐私"
    disputed = services.dispute_request(refused, actor=world.consumer_user, reason="执法需要")
    assert disputed.status == RequestStatus.DISPUTED
    with pytest.raises(PermissionDenied):
        services.approve_request(disputed, actor=world.provider_user)
    grant = services.approve_request(disputed, actor=world.steward)
    assert grant.masked_items == ["owner"]
    with pytest.raises(Conflict):
        services.refuse_request(disputed, actor=world.steward, reason="again")


def test_not_shared_resources_cannot_be_requested(world: World) -> None:
    resource = services.register_resource(
        actor=world.steward,
        provider=world.provider,
        code="ZJJ-SECRET",
        name="涉密信息",
        items=[{"name": "x"}],
        sharing_type="not_shared",
        legal_basis="保守国家秘密法",
    )
    with pytest.raises(ValidationFailed) as err:
        services.request_share(
            resource, actor=world.consumer_user, consumer=world.consumer, purpose="x", items=["x"]
        )
    assert err.value.field == "resource"


def test_unknown_items_are_refused(world: World) -> None:
    with pytest.raises(ValidationFailed) as err:
        services.request_share(
            world.resource,
            actor=world.consumer_user,
            consumer=world.consumer,
            purpose="x",
            items=["nope"],
        )
    assert "nope" in err.value.message


def test_revoke_is_audited_and_listed(world: World, granted: object, client: Client) -> None:
    client.force_login(world.steward)
    grant_id = granted.pk  # type: ignore[attr-defined]
    response = client.post(
        f"/api/v1/exchange/grants/{grant_id}/revoke",
        {"reason": "用途变更"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["active"] is False
    listed = client.get("/api/v1/exchange/grants", {"resource": "ZJJ-PERMIT"}).json()
    assert listed[0]["revoked_at"] is not None
    assert AuditRecord.objects.filter(action="exchange.revoked").count() == 1
