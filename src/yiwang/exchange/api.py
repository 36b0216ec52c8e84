"""The exchange API under /api/v1/exchange/: the catalogue, share requests and grants (people,
by token or session), and push, pull and subscriptions (department systems, by ``yx_`` token).
Handlers parse, call one service, render."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Header, Query, Router, Schema, Status

from yiwang.core.api_auth import request_user
from yiwang.core.errors import NotFound, PermissionDenied, ValidationFailed
from yiwang.core.scoping import roles_of
from yiwang.exchange import services
from yiwang.exchange.access import READERS, ExchangeClientAuth, acts_for, departments_of, is_steward
from yiwang.exchange.metrics import exchange_metrics
from yiwang.exchange.models import ExchangeClient, Grant, Resource, ShareRequest, Subscription
from yiwang.exchange.schemas import (
    BatchOut,
    ClientIn,
    ClientOut,
    DecisionIn,
    GrantIn,
    GrantOut,
    MetricsOut,
    PullPage,
    ResourceIn,
    ResourceOut,
    ResourcePage,
    RevokeIn,
    SchemaChangeIn,
    SchemaVersionOut,
    ShareRequestIn,
    ShareRequestOut,
    SubscriptionIn,
    SubscriptionOut,
)
from yiwang.exchange.stream import lag, subject
from yiwang.org.models import Department

router = Router(tags=["exchange"])
client_auth = ExchangeClientAuth()


class ResourceFilter(Schema):
    q: str = ""
    department: str = ""
    theme: str = ""
    sharing_type: str = ""
    backflow: bool | None = None
    limit: int = 50
    offset: int = 0


def filter_resources(qs: QuerySet[Resource], f: Any) -> QuerySet[Resource]:
    """The catalogue's filters, shared by the API and the console page."""
    if f.q:
        qs = qs.filter(Q(name__icontains=f.q) | Q(code__icontains=f.q) | Q(abstract__icontains=f.q))
    if f.department:
        qs = qs.filter(provider__code=f.department)
    if f.theme:
        qs = qs.filter(theme=f.theme)
    if f.sharing_type:
        qs = qs.filter(sharing_type=f.sharing_type)
    if getattr(f, "backflow", None) is not None:
        qs = qs.exclude(backflow_level="") if f.backflow else qs.filter(backflow_level="")
    return qs


def resource_out(r: Resource, related: list[str] | None = None) -> dict[str, Any]:
    return {
        "code": r.code,
        "name": r.name,
        "classification": r.classification,
        "theme": r.theme,
        "provider": r.provider.code,
        "provider_name": r.provider.name,
        "abstract": r.abstract,
        "format": r.format,
        "sharing_type": r.sharing_type,
        "legal_basis": r.legal_basis,
        "sharing_conditions": r.sharing_conditions,
        "sharing_method": r.sharing_method,
        "open_attribute": r.open_attribute,
        "update_cycle": r.update_cycle,
        "published_on": r.published_on,
        "key_item": r.key_item,
        "items": r.items,
        "schema_version": r.schema_version,
        "related": related or [],
        "backflow_level": r.backflow_level,
        "record_count": r.record_count,
        "last_sequence": r.last_sequence,
    }


def _resource(request: HttpRequest, code: str) -> Resource:
    resource = (
        Resource.objects.visible_to(request_user(request))
        .select_related("provider")
        .filter(code=code)
        .first()
    )
    if resource is None:
        raise NotFound(f"No resource {code}.")
    return resource


def _department(code: str, field: str) -> Department:
    department = Department.objects.filter(code=code).first()
    if department is None:
        raise ValidationFailed(f"No department {code}.", field=field)
    return department


@router.get("/exchange/resources", response=ResourcePage)
def list_resources(request: HttpRequest, filters: Query[ResourceFilter]) -> dict[str, Any]:
    """The catalogue, filterable by text, provider department, theme and sharing type."""
    qs = filter_resources(Resource.objects.visible_to(request_user(request)), filters)
    limit = max(1, min(filters.limit, 500))
    page = qs.select_related("provider")[filters.offset : filters.offset + limit]
    return {"count": qs.count(), "items": [resource_out(r) for r in page]}


@router.post("/exchange/resources", response={201: ResourceOut})
def register(request: HttpRequest, payload: ResourceIn) -> Status:
    data = payload.dict()
    provider = _department(data.pop("provider"), "provider")
    related = data.pop("related")
    resource = services.register_resource(
        actor=request_user(request), provider=provider, related_codes=related, **data
    )
    related_codes = list(resource.related.values_list("code", flat=True))
    return Status(201, resource_out(resource, related=related_codes))


@router.get("/exchange/resources/{code}", response=ResourceOut)
def resource_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    resource = _resource(request, code)
    return resource_out(resource, related=list(resource.related.values_list("code", flat=True)))


@router.get("/exchange/resources/{code}/versions", response=list[SchemaVersionOut])
def versions(request: HttpRequest, code: str) -> Any:
    return _resource(request, code).versions.all()


@router.post("/exchange/resources/{code}/schema", response={201: SchemaVersionOut})
def change_schema(request: HttpRequest, code: str, payload: SchemaChangeIn) -> Any:
    resource = _resource(request, code)
    items = [i.dict() for i in payload.items]
    version = services.change_schema(
        resource, actor=request_user(request), items=items, note=payload.note
    )
    return Status(201, version)


def _client(request: HttpRequest) -> ExchangeClient:
    return request.auth  # type: ignore[attr-defined]


def _body(request: HttpRequest) -> bytes:
    """The raw body, read past Django's form-size guard (the batch limit is ours)."""
    limit = settings.EXCHANGE_BATCH_MAX_BYTES
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > limit:
        raise services.PayloadTooLarge(
            f"A batch holds at most {limit} bytes; this one declares {declared}.", field="body"
        )
    if hasattr(request, "_body"):
        return bytes(request._body)
    return bytes(request.read(limit + 1))


@router.post(
    "/exchange/resources/{code}/batches",
    response={201: BatchOut, 200: BatchOut},
    auth=client_auth,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-ndjson": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
            }
        }
    },
)
def push_batch(
    request: HttpRequest, code: str, batch_id: str = Header(..., alias="Batch-Id")
) -> Status:
    """Push a batch (JSON Lines or CSV with a header row), accepted whole or rejected whole.
    A resent ``Batch-Id`` answers 200 with the first result and stores nothing."""
    resource = Resource.objects.select_related("provider").filter(code=code).first()
    if resource is None:
        raise NotFound(f"No resource {code}.")
    result = services.ingest_batch(
        resource,
        client=_client(request),
        batch_id=batch_id,
        body=_body(request),
        content_type=request.META.get("CONTENT_TYPE", ""),
    )
    return Status(200 if result.duplicate else 201, result.__dict__)


@router.get("/exchange/resources/{code}/records", response=PullPage, auth=client_auth)
def pull(request: HttpRequest, code: str, after: int = 0, limit: int = 1000) -> HttpResponse:
    """Records after a sequence number, as the caller's grant allows (projected, masked)."""
    resource = Resource.objects.filter(code=code).first()
    if resource is None:
        raise NotFound(f"No resource {code}.")
    page = services.pull_records(resource, client=_client(request), after=after, limit=limit)
    # Built as text, not validated row by row: the page can hold ten thousand records. The
    # cursor is in the headers too, so a consumer can ask for the next page before parsing.
    response = HttpResponse(page.to_json(), content_type="application/json")
    response["Yiwang-Next-After"] = str(page.next_after)
    response["Yiwang-Has-More"] = "true" if page.has_more else "false"
    return response


# --- requests and grants --------------------------------------------------------------------


def request_out(r: ShareRequest) -> dict[str, Any]:
    grant = getattr(r, "grant", None)
    return {
        "id": r.pk,
        "resource": r.resource.code,
        "consumer": r.consumer.code,
        "purpose": r.purpose,
        "items": r.items,
        "status": r.status,
        "due_at": r.due_at,
        "reason": r.reason,
        "dispute_reason": r.dispute_reason,
        "created_at": r.created_at,
        "grant": grant.pk if grant else None,
    }


def visible_requests(user: Any) -> QuerySet[ShareRequest]:
    qs = ShareRequest.objects.select_related("resource", "consumer", "grant")
    if is_steward(user) or roles_of(user) & READERS:
        return qs
    mine = departments_of(user)
    return qs.filter(Q(consumer_id__in=mine) | Q(resource__provider_id__in=mine))


def _share(request: HttpRequest, pk: int) -> ShareRequest:
    share = visible_requests(request_user(request)).filter(pk=pk).first()
    if share is None:
        raise NotFound(f"No request {pk}.")
    return share


@router.get("/exchange/requests", response=list[ShareRequestOut])
def list_requests(request: HttpRequest, status: str = "") -> list[dict[str, Any]]:
    qs = visible_requests(request_user(request))
    if status:
        qs = qs.filter(status=status)
    return [request_out(r) for r in qs[:500]]


@router.post("/exchange/requests", response={201: ShareRequestOut})
def create_request(request: HttpRequest, payload: ShareRequestIn) -> Status:
    resource = _resource(request, payload.resource)
    share = services.request_share(
        resource,
        actor=request_user(request),
        consumer=_department(payload.consumer, "consumer"),
        purpose=payload.purpose,
        items=payload.items,
    )
    return Status(201, request_out(share))


@router.post("/exchange/requests/{pk}/approve", response=GrantOut)
def approve(request: HttpRequest, pk: int, payload: DecisionIn) -> dict[str, Any]:
    grant = services.approve_request(
        _share(request, pk),
        actor=request_user(request),
        masked_items=payload.masked_items,
        rate_limit=payload.rate_limit,
        days=payload.days,
    )
    return grant_out(grant)


@router.post("/exchange/requests/{pk}/refuse", response=ShareRequestOut)
def refuse(request: HttpRequest, pk: int, payload: DecisionIn) -> dict[str, Any]:
    share = services.refuse_request(
        _share(request, pk), actor=request_user(request), reason=payload.reason
    )
    return request_out(share)


@router.post("/exchange/requests/{pk}/dispute", response=ShareRequestOut)
def dispute(request: HttpRequest, pk: int, payload: DecisionIn) -> dict[str, Any]:
    share = services.dispute_request(
        _share(request, pk), actor=request_user(request), reason=payload.reason
    )
    return request_out(share)


def grant_out(g: Grant) -> dict[str, Any]:
    return {
        "id": g.pk,
        "resource": g.resource.code,
        "consumer": g.consumer.code,
        "items": g.items,
        "masked_items": g.masked_items,
        "rate_limit": g.rate_limit,
        "expires_at": g.expires_at,
        "revoked_at": g.revoked_at,
        "active": g.is_active,
    }


def visible_grants(user: Any) -> QuerySet[Grant]:
    qs = Grant.objects.select_related("resource", "consumer")
    if is_steward(user) or roles_of(user) & READERS:
        return qs
    mine = departments_of(user)
    return qs.filter(Q(consumer_id__in=mine) | Q(resource__provider_id__in=mine))


@router.get("/exchange/grants", response=list[GrantOut])
def list_grants(request: HttpRequest, resource: str = "") -> list[dict[str, Any]]:
    qs = visible_grants(request_user(request))
    if resource:
        qs = qs.filter(resource__code=resource)
    return [grant_out(g) for g in qs[:500]]


@router.post("/exchange/grants", response={201: GrantOut})
def create_grant(request: HttpRequest, payload: GrantIn) -> Status:
    """A direct grant by the data authority (without a request)."""
    grant = services.grant_resource(
        _resource(request, payload.resource),
        actor=request_user(request),
        consumer=_department(payload.consumer, "consumer"),
        items=payload.items,
        masked_items=payload.masked_items,
        rate_limit=payload.rate_limit,
        days=payload.days,
    )
    return Status(201, grant_out(grant))


@router.post("/exchange/grants/{pk}/revoke", response=GrantOut)
def revoke(request: HttpRequest, pk: int, payload: RevokeIn) -> dict[str, Any]:
    grant = visible_grants(request_user(request)).filter(pk=pk).first()
    if grant is None:
        raise NotFound(f"No grant {pk}.")
    return grant_out(
        services.revoke_grant(grant, actor=request_user(request), reason=payload.reason)
    )


@router.post("/exchange/clients", response={201: ClientOut})
def issue_client(request: HttpRequest, payload: ClientIn) -> Status:
    """A token for a department's system (provider pushes, consumer pulls); shown once."""
    department = _department(payload.department, "department")
    client, secret = services.issue_client(
        department, actor=request_user(request), name=payload.name
    )
    return Status(
        201,
        {
            "id": client.pk,
            "department": department.code,
            "name": client.name,
            "prefix": client.prefix,
            "token": secret,
        },
    )


# --- subscriptions and metrics --------------------------------------------------------------


def subscription_out(s: Subscription) -> dict[str, Any]:
    resource = s.grant.resource
    return {
        "id": s.pk,
        "resource": resource.code,
        "kind": s.kind,
        "target_url": s.target_url,
        "cursor": s.cursor,
        "lag": lag(resource, s.cursor),
        "is_active": s.is_active,
        "failures": s.failures,
        "last_error": s.last_error,
        "next_attempt_at": s.next_attempt_at,
        "delivered": s.delivered,
        "durable_name": s.durable_name,
        "subject": subject(resource.code),
    }


@router.post("/exchange/subscriptions", response={201: SubscriptionOut}, auth=client_auth)
def create_subscription(request: HttpRequest, payload: SubscriptionIn) -> Status:
    resource = Resource.objects.filter(code=payload.resource).first()
    if resource is None:
        raise NotFound(f"No resource {payload.resource}.")
    subscription = services.subscribe(
        resource,
        client=_client(request),
        kind=payload.kind,
        target_url=payload.target_url,
        from_sequence=payload.from_sequence,
    )
    return Status(201, subscription_out(subscription))


@router.get("/exchange/subscriptions", response=list[SubscriptionOut], auth=client_auth)
def list_subscriptions(request: HttpRequest) -> list[dict[str, Any]]:
    qs = Subscription.objects.filter(grant__consumer_id=_client(request).department_id)
    return [subscription_out(s) for s in qs.select_related("grant__resource")]


@router.get("/exchange/metrics", response=MetricsOut)
def metrics(request: HttpRequest, days: int = 30) -> dict[str, Any]:
    """Volume per day and direction, busiest resources and departments, failures and lag."""
    user = request_user(request)
    if not (is_steward(user) or roles_of(user) & READERS or departments_of(user)):
        raise PermissionDenied("The exchange metrics are for the data authority and officials.")
    return exchange_metrics(days=max(1, min(days, 366)))


__all__ = ["acts_for", "router"]
