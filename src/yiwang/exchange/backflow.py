"""Backflow (数据回流): connectors pull an upstream platform's endpoint into a local resource.

No national protocol exists, so ours is small: ``GET url?page=N&page_size=M`` with
``Authorization: Bearer <token>``, answering a JSON list of records (or ``{"records": [...]}``)
or CSV with a header row; a page shorter than ``page_size`` is the last one for now. Pages go
through the same ingest as a push, with a batch id derived from the page's content, so a page
fetched twice is stored once; a connector remembers the page and the rows of it already taken.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.audit import record_audit
from yiwang.core.errors import DomainError, ValidationFailed
from yiwang.exchange.access import is_steward
from yiwang.exchange.choices import Action, RunStatus, SourceLevel
from yiwang.exchange.models import BackflowConnector, BackflowRun, Resource
from yiwang.exchange.services import PermissionDenied, ingest_batch

MAX_PAGES_PER_RUN = 200
MAX_BACKOFF = timedelta(hours=6)


class UpstreamError(Exception):
    """The upstream timed out, refused, or answered something we cannot read."""


def create_connector(
    resource: Resource,
    *,
    actor: Any,
    url: str,
    source_level: str,
    format: str = "json",
    token: str = "",
    page_size: int = 500,
    interval_minutes: int = 60,
) -> BackflowConnector:
    """Mount an upstream endpoint on a local resource, which becomes a backflow resource."""
    if not is_steward(actor):
        raise PermissionDenied(_("Only the data authority may do this."))
    if source_level not in (SourceLevel.PROVINCE, SourceLevel.NATION):
        raise ValidationFailed(_("The source is the province or the nation."), field="source_level")
    if format not in ("json", "csv"):
        raise ValidationFailed(_("Upstream pages are JSON or CSV."), field="format")
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValidationFailed(_("The upstream address is an http(s) URL."), field="url")
    with transaction.atomic():
        connector = BackflowConnector.objects.create(
            resource=resource,
            source_level=source_level,
            url=url,
            token=token,
            format=format,
            page_size=max(1, min(page_size, 10_000)),
            interval_minutes=max(1, interval_minutes),
        )
        Resource.objects.filter(pk=resource.pk).update(backflow_level=source_level)
        record_audit(
            Action.BACKFLOW_RUN,
            actor=actor,
            obj=connector,
            after={"resource": resource.code, "url": url, "source_level": source_level},
        )
    return connector


def _fetch(connector: BackflowConnector, page: int) -> bytes:
    query = urllib.parse.urlencode({"page": page, "page_size": connector.page_size})
    sep = "&" if "?" in connector.url else "?"
    request = urllib.request.Request(f"{connector.url}{sep}{query}")
    if connector.token:
        request.add_header("Authorization", f"Bearer {connector.token}")
    try:
        with urllib.request.urlopen(request, timeout=settings.EXCHANGE_BACKFLOW_TIMEOUT) as reply:
            return bytes(reply.read())
    except urllib.error.HTTPError as exc:
        raise UpstreamError(f"upstream answered HTTP {exc.code} on page {page}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise UpstreamError(f"upstream unreachable on page {page}: {exc}") from exc


def _rows(connector: BackflowConnector, body: bytes) -> tuple[list[Any], str]:
    """(records or CSV rows, CSV header line) of one page; garbage raises UpstreamError."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UpstreamError("upstream page is not UTF-8") from exc
    if connector.format == "csv":
        lines = list(csv.reader(io.StringIO(text)))
        if not lines:
            return [], ""
        return [r for r in lines[1:] if r], ",".join(lines[0])
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise UpstreamError(f"upstream page is not JSON: {exc}") from exc
    if isinstance(data, dict):
        data = data.get("records")
    if not isinstance(data, list):
        raise UpstreamError("upstream page holds no list of records")
    return data, ""


def _batch_body(connector: BackflowConnector, rows: list[Any], header: str) -> tuple[bytes, str]:
    if connector.format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerows(rows)
        return (header + "\n" + out.getvalue()).encode("utf-8"), "text/csv"
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
    return lines.encode("utf-8"), "application/x-ndjson"


def run_connector(connector: BackflowConnector) -> BackflowRun:
    """Fetch pages from where the connector left off until a short page; record the run."""
    run = BackflowRun(connector=connector, status=RunStatus.OK)
    resource = connector.resource
    try:
        for _n in range(MAX_PAGES_PER_RUN):
            page = connector.next_page
            rows, header = _rows(connector, _fetch(connector, page))
            fresh = rows[connector.rows_done :]
            if fresh:
                body, kind = _batch_body(connector, fresh, header)
                digest = hashlib.sha256(body).hexdigest()[:16]
                result = ingest_batch(
                    resource,
                    client=None,
                    batch_id=f"backflow-{connector.pk}-{page}-{digest}",
                    body=body,
                    content_type=kind,
                )
                run.records += result.records if not result.duplicate else 0
            run.pages += 1
            if len(rows) >= connector.page_size:
                connector.next_page, connector.rows_done = page + 1, 0
            else:
                connector.rows_done = len(rows)
                break
            resource.refresh_from_db()
    except (UpstreamError, DomainError) as exc:
        run.status = RunStatus.FAILED
        detail = getattr(exc, "details", None)
        run.error = str(getattr(exc, "message", exc)) + (
            f" {json.dumps(detail, ensure_ascii=False)[:1500]}" if detail else ""
        )
    now = timezone.now()
    if run.status == RunStatus.OK:
        connector.failures = 0
        connector.next_run_at = now + timedelta(minutes=connector.interval_minutes)
    else:
        connector.failures += 1
        backoff = timedelta(minutes=2 ** min(connector.failures, 10))
        connector.next_run_at = now + min(backoff, MAX_BACKOFF)
    with transaction.atomic():
        connector.save(update_fields=["next_page", "rows_done", "failures", "next_run_at"])
        run.save()
        record_audit(
            Action.BACKFLOW_RUN,
            actor=None,
            obj=connector,
            after={
                "resource": resource.code,
                "status": run.status,
                "pages": run.pages,
                "records": run.records,
                "error": run.error[:300],
            },
            result="success" if run.status == RunStatus.OK else "failure",
        )
    return run


def run_due_connectors() -> list[BackflowRun]:
    due = BackflowConnector.objects.filter(is_active=True, next_run_at__lte=timezone.now())
    return [run_connector(c) for c in due.select_related("resource")]
