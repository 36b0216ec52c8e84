"""The grid pages: the grid worker's phone app (a PWA at /grid/, with its manifest and service
worker) and the grid centers (/grid/center/…): the event queue, whistles, workers and their
performance (with XLSX export), and the map."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from yiwang.accounts.models import User
from yiwang.core.errors import DomainError
from yiwang.core.scoping import get_visible_or_404, roles_of
from yiwang.geo.models import Grid
from yiwang.grid import reading, services
from yiwang.grid.models import Leave, TaskKind
from yiwang.org.choices import Role
from yiwang.org.models import Department
from yiwang.workorders.attachments import max_bytes
from yiwang.workorders.models import WorkOrder

CENTER = reading.CENTER_ROLES
# The main navigation's entries for the grid (web.navigation), in this app's catalogue.
NAV_LABELS = (gettext_lazy("Grid worker app"), gettext_lazy("Grid center"))
DISPATCH = frozenset({Role.CITY_DISPATCHER, Role.COUNTY_DISPATCHER, Role.TOWN_DISPATCHER})


# --- the phone app ---------------------------------------------------------------------------


def app(request: HttpRequest) -> HttpResponse:
    """The grid worker's app shell; the data comes from /api/v1/grid/…, so it keeps working
    (with drafts) when the connection drops."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if Role.GRID_WORKER not in roles_of(request.user):
        if roles_of(request.user) & CENTER:
            return redirect("grid:center")
        return render(request, "grid/denied.html", status=403)
    return render(request, "grid/app.html", {"js_text": _js_text(), "max_bytes": max_bytes()})


def _js_text() -> dict[str, str]:
    """The app's messages, translated here so the script stays language-free."""
    return {
        "offline_saved": _(
            "No connection: the report is kept as a draft and sent when you are back online."
        ),
        "sent": _("Report sent: %(number)s"),
        "resent": _("Draft sent: %(number)s"),
        "session": _("Your session has expired. Your drafts are kept; please sign in again."),
        "sign_in": _("Sign in"),
        "located": _("Location: %(lon)s, %(lat)s — in %(grid)s"),
        "outside": _("Location %(lon)s, %(lat)s is outside your grids: give a reason."),
        "no_location": _("No location from the device; allow location access and try again."),
        "patrolling": _(
            "Patrolling %(grid)s since %(time)s: %(points)s positions, %(km)s km, "
            "coverage %(cov)s%%"
        ),
        "not_patrolling": _("Not patrolling."),
        "patrol_log": _(
            "%(start)s–%(end)s · %(points)s positions · %(km)s km · coverage %(cov)s%%"
        ),
        "running": _("running"),
        "self_handle": _("Handle myself (自办)"),
        "escalate": _("Send up (上报)"),
        "self_title": _("What did you do?"),
        "escalate_title": _("Why send it up?"),
        "done": _("Done"),
        "task_title": _("What did you find?"),
        "due": _("due %(time)s"),
        "overdue": _("overdue"),
        "visit": _("Visit"),
        "visit_title": _("Note of the visit"),
        "visit_due": _("visit due"),
        "saved": _("Saved."),
        "none": _("Nothing here yet."),
        "draft": _("Draft of %(time)s — waiting for the connection"),
        "need_note": _("Write a note."),
        "need_photo": _("Add a photo."),
        "need_category": _("Choose a category."),
        "need_description": _("Describe the event."),
        "need_reason": _("Say why it is sent up."),
        "not_image": _("%(name)s is not a photo."),
        "too_large": _("%(name)s is larger than %(mb)s MB."),
        "my_grids": _("My grids: %(names)s"),
        "error": _("Something went wrong: %(message)s"),
        "closed_pending": _("Handled; waiting for the town center's check."),
        "sent_up": _("Sent up to the town center."),
    }


def manifest(request: HttpRequest) -> JsonResponse:
    body = {
        "name": _("Yiwang grid"),
        "short_name": _("Grid"),
        "lang": "zh-CN",
        "start_url": reverse("grid:app"),
        "scope": reverse("grid:app"),
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f2f4f7",
        "theme_color": "#0b2545",
        "icons": [
            {"src": static("grid/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
            {"src": static("grid/icon-192.png"), "sizes": "192x192", "type": "image/png"},
        ],
    }
    return JsonResponse(body, content_type="application/manifest+json")


SW = """// The grid app's service worker: the shell and its assets from the cache when offline;
// the API always from the network (drafts wait in IndexedDB, see app.js).
const CACHE = "yiwang-grid-v1";
const SHELL = %(shell)s;
self.addEventListener("install", (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});
self.addEventListener("activate", (e) => {
  e.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});
self.addEventListener("fetch", (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.pathname.startsWith("/api/")) return;
  e.respondWith(
    fetch(e.request)
      .then((r) => {
        if (r.ok && SHELL.includes(url.pathname)) {
          const copy = r.clone();
          caches.open(CACHE).then((c) => c.put(e.request, copy));
        }
        return r;
      })
      .catch(() => caches.match(e.request, { ignoreSearch: true }))
  );
});
"""


def service_worker(request: HttpRequest) -> HttpResponse:
    shell = [
        reverse("grid:app"),
        static("grid/app.js"),
        static("grid/app.css"),
        static("web/yiwang.css"),
        static("grid/icon.svg"),
    ]
    response = HttpResponse(SW % {"shell": json.dumps(shell)}, content_type="text/javascript")
    response["Service-Worker-Allowed"] = reverse("grid:app")
    response["Cache-Control"] = "no-cache"
    return response


# --- the centers -----------------------------------------------------------------------------


def _center(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not roles_of(request.user) & CENTER:
        return render(request, "grid/denied.html", status=403)
    return None


@login_required
def center(request: HttpRequest) -> HttpResponse:
    """The grid event queue: reports from the grids, self-handled share, escalations
    waiting, checks waiting; whistle rates per town."""
    if denied := _center(request):
        return denied
    tab = request.GET.get("tab", "escalated")
    if tab not in ("escalated", "check", "self", "all"):
        tab = "escalated"
    user = request.user
    context = {
        "tab": tab,
        "tabs": [
            ("escalated", _("Escalations waiting")),
            ("check", _("Self-handled, to check")),
            ("self", _("Kept by the worker")),
            ("all", _("All (30 days)")),
        ],
        "summary": reading.queue_summary(user),
        "orders": reading.queue_orders(user, tab),
        "whistles": reading.whistle_rates(user),
        "region": reading.center_region(user),
        "message": request.GET.get("message", ""),
        "error": request.GET.get("error", ""),
    }
    return render(request, "grid/center.html", context)


@login_required
@require_POST
def check(request: HttpRequest, number: str) -> HttpResponse:
    """The center's check of a self-handled (自办) order: accepted closes it; not accepted
    (with a reason) brings it back to the center's queue."""
    if denied := _center(request):
        return denied
    from urllib.parse import urlencode

    from yiwang.workorders.services import perform_action

    accepted = request.POST.get("accepted") == "1"
    try:
        order = get_visible_or_404(WorkOrder.objects.all(), request.user, number=number)
        perform_action(
            order,
            "check_self_handled",
            actor=request.user,
            accepted=accepted,
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        query = urlencode({"tab": "check", "error": exc.message})
        return redirect(f"{reverse('grid:center')}?{query}")
    message = _("%(number)s closed.") if accepted else _("%(number)s is back in the queue.")
    query = urlencode({"tab": "check", "message": message % {"number": number}})
    return redirect(f"{reverse('grid:center')}?{query}")


def _month(request: HttpRequest) -> date:
    text = request.GET.get("month", "")
    try:
        return datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)


@login_required
def workers(request: HttpRequest) -> HttpResponse:
    """Who covers which grid, leave and cover, and the month's performance ranking."""
    if denied := _center(request):
        return denied
    user = request.user
    month = _month(request)
    assignments = list(reading.workers_of(user).order_by("grid__code", "worker__username")[:500])
    today = timezone.localdate()
    leaves = Leave.objects.filter(
        worker_id__in={a.worker_id for a in assignments}, ends_on__gte=today
    ).select_related("worker", "cover")
    context = {
        "month": month,
        "prev_month": (month - timedelta(days=1)).replace(day=1),
        "assignments": assignments,
        "leaves": leaves,
        "ranking": reading.performance(user, month),
        "message": request.GET.get("message", ""),
        "error": request.GET.get("error", ""),
        "can_manage": bool(roles_of(user) & DISPATCH),
        "task_kinds": TaskKind.choices,
        "special_grids": reading.special_grids(user),
        "departments": Department.objects.visible_to(user)
        .filter(is_active=True)
        .order_by("code")[:400]
        if roles_of(user) & DISPATCH
        else [],
    }
    return render(request, "grid/workers.html", context)


@login_required
def workers_xlsx(request: HttpRequest) -> HttpResponse:
    """The month's ranking as an XLSX file."""
    if denied := _center(request):
        return denied
    from openpyxl import Workbook

    month = _month(request)
    rows = reading.performance(request.user, month)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = month.strftime("%Y-%m")
    sheet.append(
        [
            _("Rank"),
            _("Grid worker"),
            _("Reports"),
            _("Self-handled"),
            _("Self-handled share"),
            _("Escalations judged valid"),
            _("Patrols"),
            _("Patrol coverage"),
            _("Tasks"),
            _("Tasks done in time"),
            _("Score"),
        ]
    )
    for r in rows:
        sheet.append(
            [
                r["rank"],
                r["worker"],
                r["reports"],
                r["self_handled"],
                round(r["self_share"], 3),
                None if r["escalation_quality"] is None else round(r["escalation_quality"], 3),
                r["patrols"],
                round(r["coverage"], 3),
                r["tasks"],
                None if r["task_response"] is None else round(r["task_response"], 3),
                r["score"],
            ]
        )
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="grid-workers-{month:%Y-%m}.xlsx"'
    return response


def _back(message: str = "", error: str = "") -> HttpResponse:
    from urllib.parse import urlencode

    query = urlencode({k: v for k, v in (("message", message), ("error", error)) if v})
    return redirect(f"{reverse('grid:workers')}?{query}")


@login_required
@require_POST
def workers_assign(request: HttpRequest) -> HttpResponse:
    if not roles_of(request.user) & DISPATCH:
        return render(request, "grid/denied.html", status=403)
    try:
        worker = _worker(request, request.POST.get("worker", ""), anywhere=True)
        grid = get_visible_or_404(
            Grid.objects.all(), request.user, code=request.POST.get("grid", "")
        )
        services.assign_grid(worker, grid, actor=request.user)
    except DomainError as exc:
        return _back(error=exc.message)
    return _back(
        message=_("%(worker)s now covers %(grid)s.") % {"worker": worker, "grid": grid.name}
    )


@login_required
@require_POST
def workers_leave(request: HttpRequest) -> HttpResponse:
    if not roles_of(request.user) & DISPATCH:
        return render(request, "grid/denied.html", status=403)
    try:
        worker = _worker(request, request.POST.get("worker", ""))
        cover = _worker(request, request.POST.get("cover", ""), anywhere=True)
        starts = _date(request.POST.get("starts_on", ""), "starts_on")
        ends = _date(request.POST.get("ends_on", ""), "ends_on")
        n = services.record_leave(
            worker,
            starts_on=starts,
            ends_on=ends,
            reason=request.POST.get("reason", ""),
            cover=cover,
            actor=request.user,
        )
    except DomainError as exc:
        return _back(error=exc.message)
    return _back(message=_("Leave recorded; %(n)d grids covered.") % {"n": n})


@login_required
@require_POST
def special_unit(request: HttpRequest) -> HttpResponse:
    if not roles_of(request.user) & DISPATCH:
        return render(request, "grid/denied.html", status=403)
    try:
        grid = get_visible_or_404(
            Grid.objects.all(), request.user, code=request.POST.get("grid", "")
        )
        department = get_visible_or_404(
            Department.objects.all(), request.user, code=request.POST.get("department", "")
        )
        services.set_special_unit(grid, department, actor=request.user)
    except DomainError as exc:
        return _back(error=exc.message)
    return _back(
        message=_("%(grid)s now reports to %(dept)s first.")
        % {"grid": grid.name, "dept": department.name}
    )


@login_required
@require_POST
def task_create(request: HttpRequest) -> HttpResponse:
    if not roles_of(request.user) & DISPATCH:
        return render(request, "grid/denied.html", status=403)
    try:
        worker = _worker(request, request.POST.get("worker", ""))
        order = None
        number = request.POST.get("order", "").strip()
        if number:
            order = get_visible_or_404(WorkOrder.objects.all(), request.user, number=number)
        grid_id = order.grid_id if order and order.grid_id else None
        mine = services.worker_grid_ids(worker)
        grid = Grid.objects.get(pk=grid_id if grid_id in mine else min(mine)) if mine else None
        if grid is None:
            raise services.ValidationFailed(_("The worker covers no grid."), field="worker")
        hours = int(request.POST.get("hours") or 24)
        services.create_task(
            actor=request.user,
            worker=worker,
            grid=grid,
            kind=request.POST.get("kind", ""),
            title=request.POST.get("title", ""),
            detail=request.POST.get("detail", ""),
            order=order,
            due_at=timezone.now() + timedelta(hours=hours),
        )
    except DomainError as exc:
        return _back(error=exc.message)
    return _back(message=_("Task sent to %(worker)s.") % {"worker": worker})


def _worker(request: HttpRequest, username: str, *, anywhere: bool = False) -> Any:
    """A grid worker of the user's grids (``anywhere``: any grid worker, e.g. one moved in from
    another town, or a cover)."""
    visible = {a.worker.username: a.worker for a in reading.workers_of(request.user)}
    worker = visible.get(username)
    if worker is None and anywhere:
        worker = User.objects.filter(username=username).first()
    if worker is None or Role.GRID_WORKER not in roles_of(worker):
        raise services.ValidationFailed(
            _("No grid worker %(u)s.") % {"u": username}, field="worker"
        )
    return worker


def _date(text: str, field: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise services.ValidationFailed(_("Give a date."), field=field) from exc


@login_required
def grid_map(request: HttpRequest) -> HttpResponse:
    """Grid boundaries with today's patrol coverage, today's grid events, live positions."""
    if denied := _center(request):
        return denied
    return render(
        request,
        "grid/map.html",
        {
            "region": reading.center_region(request.user),
            "positions": bool(roles_of(request.user) & reading.POSITION_ROLES),
        },
    )
