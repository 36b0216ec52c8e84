"""Exchange console pages: the catalogue, a resource with its items, versions and grants, the
requests waiting for a decision, and the exchange metrics. Views parse, call one service,
render."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.core.errors import DomainError
from yiwang.core.scoping import roles_of
from yiwang.exchange import services
from yiwang.exchange.access import READERS, departments_of, is_steward
from yiwang.exchange.api import filter_resources, visible_grants, visible_requests
from yiwang.exchange.choices import RequestStatus, SharingType
from yiwang.exchange.forms import CatalogueFilterForm, RegisterResourceForm, RequestForm
from yiwang.exchange.metrics import exchange_metrics
from yiwang.exchange.models import DailyVolume, Grant, Resource, ShareRequest
from yiwang.org.models import Department

PAGE_SIZE = 50


def _may_read(user: Any) -> bool:
    return is_steward(user) or bool(roles_of(user) & READERS) or bool(departments_of(user))


def _denied(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "exchange/denied.html",
        {"message": _("The exchange pages are for the data authority and departments.")},
        status=403,
    )


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    """Browse and search the catalogue by provider, theme and sharing type."""
    if not _may_read(request.user):
        return _denied(request)
    form = CatalogueFilterForm(request.GET or None)
    qs: Any = Resource.objects.visible_to(request.user)
    if form.is_valid():
        qs = filter_resources(qs, SimpleNamespace(**form.cleaned_data, backflow=None))
    counts = dict(qs.values_list("sharing_type").annotate(n=Count("id")).order_by())
    page = Paginator(qs.select_related("provider"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "exchange/catalogue.html",
        {
            "form": form,
            "page": page,
            "total": page.paginator.count,
            "counts": [(label, counts.get(value, 0)) for value, label in SharingType.choices],
            "query": query.urlencode(),
            "may_register": is_steward(request.user) or bool(departments_of(request.user)),
        },
    )


def _resource(request: HttpRequest, code: str) -> Resource:
    resource = (
        Resource.objects.visible_to(request.user)
        .select_related("provider")
        .filter(code=code)
        .first()
    )
    if resource is None:
        raise Http404
    return resource


@login_required
@require_http_methods(["GET", "POST"])
def resource_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A resource: its catalogue fields, items, schema versions, grants, requests and volume;
    a department asks for it here."""
    if not _may_read(request.user):
        return _denied(request)
    resource = _resource(request, code)
    mine = Department.objects.filter(pk__in=departments_of(request.user))
    if is_steward(request.user):
        mine = Department.objects.filter(tier="city").exclude(pk=resource.provider_id)
    item_choices = [
        (i["name"], f"{i['name']} · {i.get('description') or i['type']}") for i in resource.items
    ]
    form = RequestForm(
        request.POST if request.method == "POST" else None,
        departments=mine.order_by("code"),
        items=item_choices,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.request_share(
                resource,
                actor=request.user,
                consumer=form.cleaned_data["consumer"],
                purpose=form.cleaned_data["purpose"],
                items=form.cleaned_data["items"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your request was sent."))
            return redirect("exchange:resource", code=resource.code)
    volumes = DailyVolume.objects.filter(resource=resource)
    may_revoke = is_steward(request.user) or resource.provider_id in departments_of(request.user)
    return render(
        request,
        "exchange/resource.html",
        {
            "resource": resource,
            "versions": resource.versions.all()[:10],
            "grants": visible_grants(request.user).filter(resource=resource)[:50],
            "requests": visible_requests(request.user).filter(resource=resource)[:50],
            "volumes": volumes.order_by("-day", "direction")[:30],
            "related": resource.related.all()[:20],
            "form": form if mine.exists() else None,
            "may_revoke": may_revoke,
        },
    )


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    grant = visible_grants(request.user).filter(pk=pk).first()
    if grant is None:
        raise Http404
    try:
        services.revoke_grant(grant, actor=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, _("The grant was revoked; access stopped."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("exchange:resource", code=grant.resource.code)


@login_required
def requests(request: HttpRequest) -> HttpResponse:
    """Requests waiting for the data authority, the provider, or a dispute decision."""
    if not _may_read(request.user):
        return _denied(request)
    qs = visible_requests(request.user)
    waiting = qs.filter(
        status__in=[RequestStatus.REVIEW, RequestStatus.PROVIDER, RequestStatus.DISPUTED]
    )
    return render(
        request,
        "exchange/requests.html",
        {"waiting": waiting[:200], "answered": qs.exclude(pk__in=waiting.values("pk"))[:50]},
    )


@login_required
@require_POST
def decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    share = visible_requests(request.user).filter(pk=pk).first()
    if share is None or decision not in ("approve", "refuse", "dispute"):
        raise Http404
    reason = request.POST.get("reason", "")
    try:
        if decision == "approve":
            services.approve_request(share, actor=request.user)
            messages.success(request, _("Approved: the grant is in force."))
        elif decision == "refuse":
            services.refuse_request(share, actor=request.user, reason=reason)
            messages.success(request, _("Refused."))
        else:
            services.dispute_request(share, actor=request.user, reason=reason)
            messages.success(request, _("The dispute went to the data authority."))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("exchange:requests")


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """Register a resource (the provider's staff or the data authority)."""
    providers = (
        Department.objects.filter(tier="city")
        if is_steward(request.user)
        else Department.objects.filter(pk__in=departments_of(request.user))
    )
    if not providers.exists():
        return _denied(request)
    form = RegisterResourceForm(
        request.POST if request.method == "POST" else None, providers=providers.order_by("code")
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            resource = services.register_resource(actor=request.user, **data)
        except DomainError as exc:
            field = exc.field if exc.field in form.fields else None
            form.add_error(field.split(".")[0] if field else None, exc.message)
        else:
            messages.success(request, _("The resource is in the catalogue."))
            return redirect("exchange:resource", code=resource.code)
    return render(request, "exchange/register.html", {"form": form})


@login_required
def metrics(request: HttpRequest) -> HttpResponse:
    """Exchange volume per day and direction, busiest resources and departments, lag."""
    if not _may_read(request.user):
        return _denied(request)
    data = exchange_metrics(days=30)
    days = sorted({row["day"] for row in data["daily"]})
    by_day = {(r["day"], r["direction"]): r["records"] for r in data["daily"]}
    series = {
        direction: [by_day.get((d, direction), 0) for d in days] for direction in ("in", "out")
    }
    chart = {
        "days": [d.isoformat() for d in days],
        "in": series["in"],
        "out": series["out"],
        "labels": {"in": _("Records in"), "out": _("Records out")},
    }
    rows = list(zip(chart["days"], series["in"], series["out"], strict=True))
    return render(
        request,
        "exchange/metrics.html",
        {
            "data": data,
            "chart": json.dumps(chart, ensure_ascii=False),
            "chart_data": chart,
            "rows": rows[::-1],
            "grants_active": Grant.objects.active().count(),
            "waiting": ShareRequest.objects.filter(
                Q(status=RequestStatus.REVIEW) | Q(status=RequestStatus.PROVIDER)
            ).count(),
        },
    )
