"""Who am I, my API tokens, and the people directory (scoped and masked)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from yiwang.accounts.models import ApiToken, User
from yiwang.accounts.schemas import (
    MeSchema,
    RoleSchema,
    TokenCreatedSchema,
    TokenCreateIn,
    TokenSchema,
)
from yiwang.accounts.services import create_token, revoke_token
from yiwang.core.api_auth import request_user
from yiwang.core.masking import reveal
from yiwang.core.scoping import describe_scope
from yiwang.org.choices import Role
from yiwang.org.models import RoleAssignment

router = Router(tags=["accounts"])


def _roles(user: Any) -> list[RoleSchema]:
    return [
        RoleSchema(
            role=a.role,
            label=str(Role(a.role).label),
            region_code=a.region.code if a.region else None,
            region_name=a.region.name if a.region else None,
            department_code=a.department.code if a.department else None,
            department_name=a.department.name if a.department else None,
            center_name=a.center.name if a.center else None,
            grid_codes=[g.code for g in a.grids.all()],
        )
        for a in user.role_assignments.all()
    ]


def _with_roles() -> Prefetch[Any]:
    return Prefetch(
        "role_assignments",
        queryset=RoleAssignment.objects.select_related(
            "region", "department", "center"
        ).prefetch_related("grids"),
    )


@router.get("/me", response=MeSchema)
def me(request: HttpRequest) -> MeSchema:
    user = User.objects.prefetch_related(_with_roles()).get(pk=request_user(request).pk)
    return MeSchema(
        username=user.username,
        full_name=user.full_name,
        phone=user.phone,
        email=user.email,
        roles=_roles(user),
        scope=describe_scope(request_user(request)),
    )


def _token_out(token: ApiToken) -> TokenSchema:
    return TokenSchema(
        prefix=token.prefix,
        name=token.name,
        created_at=token.created_at,
        expires_at=token.expires_at,
        last_used_at=token.last_used_at,
        revoked=token.revoked_at is not None,
    )


@router.get("/me/tokens", response=list[TokenSchema])
def my_tokens(request: HttpRequest) -> list[TokenSchema]:
    return [_token_out(t) for t in ApiToken.objects.filter(user=request_user(request))]


@router.post("/me/tokens", response={201: TokenCreatedSchema})
def create_my_token(request: HttpRequest, payload: TokenCreateIn) -> Status:
    user = request_user(request)
    token, secret = create_token(user, actor=user, name=payload.name, days=payload.days)
    return Status(201, TokenCreatedSchema(**_token_out(token).dict(), token=secret))


@router.delete("/me/tokens/{prefix}", response={204: None})
def revoke_my_token(request: HttpRequest, prefix: str) -> Status:
    from yiwang.core.errors import NotFound

    token = ApiToken.objects.filter(user=request_user(request), prefix=prefix).first()
    if token is None:
        raise NotFound("token not found", field="prefix")
    revoke_token(token, actor=request_user(request))
    return Status(204, None)


class PersonSchema(Schema):
    username: str
    full_name: str
    phone: str
    roles: list[str]


class PeopleFilter(Schema):
    role: Role | None = None
    limit: int = 100
    offset: int = 0


class PeopleOut(Schema):
    count: int
    items: list[PersonSchema]


@router.get("/people", response=PeopleOut)
def people(request: HttpRequest, filters: Query[PeopleFilter]) -> PeopleOut:
    """Staff and citizens within the viewer's scope; names and phones masked by role."""
    viewer = request_user(request)
    qs = User.objects.visible_to(viewer).filter(is_active=True)
    if filters.role:
        qs = qs.filter(role_assignments__role=filters.role)
    limit = max(1, min(filters.limit, 500))
    page = qs.order_by("username").prefetch_related("role_assignments")[
        filters.offset : filters.offset + limit
    ]
    return PeopleOut(
        count=qs.count(),
        items=[
            PersonSchema(
                username=u.username,
                full_name=reveal(viewer, "name", u.full_name, owner_id=u.pk),
                phone=reveal(viewer, "phone", u.phone, owner_id=u.pk),
                roles=[a.role for a in u.role_assignments.all()],
            )
            for u in page
        ],
    )
