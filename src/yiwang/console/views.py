"""Console pages: the dispatcher's queue, an order with its action forms, the supervision
boards, and the department workbench. Views parse, call one service, render."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from yiwang.console import reading, services
from yiwang.console.actions import PRIMARY, ActionForm, offered, refusal
from yiwang.console.models import SavedView
from yiwang.console.queue import (
    PAGE_SIZE,
    QueueFilterForm,
    department_choices,
    filter_choices,
    orders_for,
)
from yiwang.console.sla import deadline_of
from yiwang.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from yiwang.core.scoping import roles_of
from yiwang.workorders import services as workorder_services
from yiwang.workorders.attachments import check_size
from yiwang.workorders.duplicates import duplicates_of
from yiwang.workorders.lifecycle import ACTIONS, DEPARTMENT, DISPATCHERS, HOTLINE, LEADER
from yiwang.workorders.models import WorkOrder

ORDER_READERS = DISPATCHERS | DEPARTMENT | HOTLINE | LEADER
BOARD_TITLES = {
    "overdue": gettext_lazy("Overdue"),
    "urged": gettext_lazy("Urged"),
    "supervised": gettext_lazy("Supervised"),
    "disputed": gettext_lazy("Joint conference agenda"),
    "extensions": gettext_lazy("Extension requests"),
}


def _board_links() -> list[tuple[str, Any]]:
    return [(k, BOARD_TITLES[k]) for k in reading.BOARDS]


def _denied(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "console/denied.html", {"message": message}, status=403)


def _require(request: HttpRequest, roles: frozenset[str]) -> HttpResponse | None:
    if roles_of(request.user) & roles:
        return None
    return _denied(request, _("Your roles do not include this page."))


def _safe_next(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


# --- the queue ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def queue(request: HttpRequest) -> HttpResponse:
    """The dispatcher's queue; department users are sent to their own workbench."""
    roles = roles_of(request.user)
    if not roles & DISPATCHERS:
        if roles & DEPARTMENT:
            return redirect("console:department")
        return _denied(request, _("Your roles do not include this page."))
    return _queue_page(request)


def _queue_page(
    request: HttpRequest,
    *,
    params: QueryDict | None = None,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    params = request.GET if params is None else params
    choices = filter_choices(user)
    form = QueueFilterForm(params, **choices)
    data = form.cleaned_data if form.is_valid() else {}
    paginator = Paginator(orders_for(user, data), PAGE_SIZE)
    page = paginator.get_page(params.get("page"))
    now = timezone.now()
    rows = [(order, deadline_of(order, now)) for order in page.object_list]
    query = services.clean_query(params.urlencode())
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": query,
        "departments": choices["departments"],
        "saved_views": list(SavedView.objects.filter(owner_id=user.pk)),
        "board_links": _board_links(),
        **(extra or {}),
    }
    template = (
        "console/_queue_results.html" if request.headers.get("HX-Request") else "console/queue.html"
    )
    return render(request, template, context, status=status)


@login_required
@require_POST
def bulk_dispatch(request: HttpRequest) -> HttpResponse:
    """Dispatch the ticked orders to one unit; a result line per order."""
    if denied := _require(request, DISPATCHERS):
        return denied
    department = request.POST.get("department", "")
    items: list[tuple[str, int]] = []
    for value in request.POST.getlist("orders"):
        number, _sep, version = value.partition(":")
        if number and version.isdigit():
            items.append((number, int(version)))
    back = reverse("console:queue") + (
        "?" + request.POST["query"] if request.POST.get("query") else ""
    )
    if not department or not items:
        message = _("Tick at least one order and choose a unit.")
        return render(
            request, "console/bulk_result.html", {"error": message, "back": back}, status=422
        )
    outcomes = services.bulk_dispatch(items, actor=request.user, department=department)
    context = {
        "outcomes": outcomes,
        "succeeded": sum(o.ok for o in outcomes),
        "failed": sum(not o.ok for o in outcomes),
        "back": back,
    }
    return render(request, "console/bulk_result.html", context)


@login_required
@require_POST
def saved_view_create(request: HttpRequest) -> HttpResponse:
    if denied := _require(request, DISPATCHERS):
        return denied
    query = request.POST.get("query", "")
    try:
        view = services.create_saved_view(
            actor=request.user, name=request.POST.get("name", ""), query=query
        )
    except ValidationFailed as exc:
        extra = {"view_error": exc.message, "view_name": request.POST.get("name", "")}
        return _queue_page(request, params=QueryDict(query), extra=extra, status=422)
    return HttpResponseRedirect(reverse("console:queue") + (f"?{view.query}" if view.query else ""))


@login_required
@require_POST
def saved_view_delete(request: HttpRequest, view_id: int) -> HttpResponse:
    if denied := _require(request, DISPATCHERS):
        return denied
    try:
        services.delete_saved_view(view_id, actor=request.user)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return redirect("console:queue")


# --- one order -----------------------------------------------------------------------------------


def _load(request: HttpRequest, number: str) -> WorkOrder:
    order = reading.order_queryset(request.user).filter(number=number).first()
    if order is None:
        raise Http404(_("work order not found"))
    return order


def _form_for(
    request: HttpRequest, order: WorkOrder, action: str, suggestion: str, **kw: Any
) -> ActionForm:
    needs_units = action in ("dispatch", "redispatch", "rule", "add_unit", "whistle")
    return ActionForm(
        action,
        departments=_departments(request) if needs_units else None,
        suggested_department=suggestion,
        with_attachment=action == "reply",
        initial={"version": order.version, "next": kw.pop("next", "")},
        **kw,
    )


def _departments(request: HttpRequest) -> list[tuple[str, str]]:
    cached: list[tuple[str, str]] | None = getattr(request, "_console_departments", None)
    if cached is None:
        cached = department_choices(request.user)
        request._console_departments = cached  # type: ignore[attr-defined]
    return cached


def _order_page(
    request: HttpRequest,
    order: WorkOrder,
    *,
    bound: ActionForm | None = None,
    alert: str = "",
    status: int = 200,
) -> HttpResponse:
    user = request.user
    now = timezone.now()
    names = offered(user, order, now)
    route = reading.route_suggestion(order)
    suggestion = route.department_code if isinstance(route, reading.RouteSuggestion) else ""
    forms = []
    for name in names:
        form = (
            bound
            if bound is not None and bound.action == name
            else _form_for(request, order, name, suggestion)
        )
        forms.append({"form": form, "open": form.is_bound or (bound is None and name in PRIMARY)})
    duplicates = []
    if order.category_id is not None and order.state == "received":
        duplicates = duplicates_of(order, orders=WorkOrder.objects.visible_to(user))
    context = {
        "order": order,
        "deadline": deadline_of(order, now),
        "contact": reading.contact(user, order),
        "assisting": list(order.assisting_departments.all()),
        "attachments": reading.attachments(order),
        "timeline": reading.timeline(order),
        "route": route,
        "duplicates": duplicates,
        "can_merge": "merge" in names,
        "forms": forms,
        "alert": alert,
        "map": reading.map_data(order),
    }
    return render(request, "console/order.html", context, status=status)


@login_required
@require_http_methods(["GET", "HEAD"])
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    if denied := _require(request, ORDER_READERS):
        return denied
    return _order_page(request, _load(request, number))


@login_required
@require_POST
def order_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """Take one lifecycle action from its form; refusals are shown on the order's page."""
    if action not in ACTIONS:
        raise Http404(_("Unknown action."))
    if denied := _require(request, ORDER_READERS):
        return denied
    order = _load(request, number)
    user = request.user
    form = _form_for(request, order, action, "", data=request.POST, files=request.FILES)
    reason = refusal(user, order, action, timezone.now())
    if isinstance(reason, PermissionDenied):
        return _denied(request, reason.message)
    posted = request.POST.get(f"{action}-version", "")
    if posted.isdigit() and int(posted) != order.version:
        return _order_page(request, order, bound=form, alert=_stale(), status=409)
    if reason is not None:
        return _order_page(request, order, bound=form, alert=reason.message, status=409)
    if not form.is_valid():
        return _order_page(request, order, bound=form, status=422)
    try:
        _perform(order, action, form, user)
    except PermissionDenied as exc:
        return _denied(request, exc.message)
    except Conflict as exc:
        stale = isinstance(exc.details, dict) and "current_version" in exc.details
        alert = _stale() if stale else exc.message
        return _order_page(request, _load(request, number), bound=form, alert=alert, status=409)
    except ValidationFailed as exc:
        field = exc.field or (exc.details.get("field") if isinstance(exc.details, dict) else None)
        field = "attachment" if field == "file" else field
        form.add_error(field if field in form.fields else None, exc.message)
        # Reloaded: a composite write (reply + file) may have changed ``order`` in memory
        # before its transaction was rolled back.
        return _order_page(request, _load(request, number), bound=form, status=422)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    target = _safe_next(request, form.cleaned_data.get("next") or "")
    if target:
        return HttpResponseRedirect(target)
    if not WorkOrder.objects.visible_to(user).filter(pk=order.pk).exists():
        # The action took the order out of the actor's sight: back to their own list.
        return redirect("console:queue")
    return redirect("console:order", number=number)


def _stale() -> str:
    return _(
        "Someone else changed this order after you opened it, so nothing was saved. "
        "Reload the page to see the order as it is now, then try again."
    )


def _perform(order: WorkOrder, action: str, form: ActionForm, user: Any) -> None:
    fields = form.service_fields()
    version = form.cleaned_data["version"]
    upload = form.cleaned_data.get("attachment")
    if action == "reply" and upload is not None:
        # Refuse an oversized file before reading it into memory.
        check_size(upload.size or 0, field="attachment")
        services.reply_with_attachment(
            order,
            actor=user,
            reply=fields["reply"],
            expected_version=version,
            file_name=upload.name or "",
            content=upload.read(),
            note=fields.get("note", ""),
        )
        return
    if action == "dispatch" and form.cleaned_data.get("assisting"):
        services.dispatch_with_units(
            order,
            actor=user,
            department=fields.get("department") or "",
            assisting=list(form.cleaned_data["assisting"]),
            expected_version=version,
            note=fields.get("note", ""),
        )
        return
    workorder_services.perform_action(order, action, actor=user, expected_version=version, **fields)


# --- boards --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def board(request: HttpRequest, kind: str = "overdue") -> HttpResponse:
    """A supervision board: overdue, urged, supervised, disputed, extension requests."""
    if kind not in reading.BOARDS:
        raise Http404(_("No such board."))
    if denied := _require(request, DISPATCHERS):
        return denied
    user = request.user
    page = Paginator(reading.board_orders(user, kind), PAGE_SIZE).get_page(request.GET.get("page"))
    orders = list(page.object_list)
    now = timezone.now()
    here = request.get_full_path()
    notes = {}
    if kind == "disputed":
        notes = reading.latest_notes(orders, ("returned", "disputed"))
    elif kind == "extensions":
        notes = reading.latest_notes(orders, ("extension_requested",))
    elif kind == "supervised":
        notes = reading.latest_notes(orders, ("supervised",))
    inline = {"disputed": ("rule",), "extensions": ("grant_extension", "deny_extension")}.get(
        kind, ("urge",)
    )
    rows = []
    for order in orders:
        forms = [
            _form_for(request, order, name, "", next=here, compact=True)
            for name in inline
            if refusal(user, order, name, now) is None
        ]
        rows.append(
            {
                "order": order,
                "deadline": deadline_of(order, now),
                "note": notes.get(order.pk),
                "forms": forms,
            }
        )
    context = {
        "kind": kind,
        "title": BOARD_TITLES[kind],
        "boards": _board_links(),
        "page": page,
        "rows": rows,
    }
    return render(request, "console/board.html", context)


# --- the department workbench -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD"])
def department(request: HttpRequest) -> HttpResponse:
    """Incoming orders of the user's unit, and its figures and rank this month."""
    if denied := _require(request, DEPARTMENT):
        return denied
    user = request.user
    now = timezone.now()
    units = reading.departments_of(user)
    unit_ids = [d.pk for d in units]
    orders = list(
        reading.order_queryset(user)
        .filter(Q(lead_department_id__in=unit_ids) | Q(lead_department__parent_id__in=unit_ids))
        .filter(state__in=("dispatched", "acknowledged", "in_progress"))
        .order_by("due_at", "received_at", "id")[:200]
    )
    here = request.get_full_path()
    incoming, in_hand = [], []
    for order in orders:
        row = {"order": order, "deadline": deadline_of(order, now)}
        if order.state == "dispatched":
            if refusal(user, order, "acknowledge", now) is None:
                row["form"] = _form_for(request, order, "acknowledge", "", next=here, compact=True)
            incoming.append(row)
        else:
            in_hand.append(row)
    whistles = []
    for whistle in reading.pending_whistles(user, unit_ids):
        # Offered without the per-order place check (the whistle names the unit); the service
        # checks again when the answer is posted.
        form = _form_for(request, whistle.order, "answer_whistle", "", next=here, compact=True)
        whistles.append({"whistle": whistle, "order": whistle.order, "form": form})
    start, _end = reading.month_bounds(now)
    context = {
        "whistles": whistles,
        "now": now,
        "incoming": incoming,
        "in_hand": in_hand,
        "figures": [reading.department_figures(unit, now) for unit in units],
        "month": start,
        "capped": len(orders) >= 200,
    }
    return render(request, "console/department.html", context)
