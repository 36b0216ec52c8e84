"""The hotline API under /api/v1/: the knowledge base (search and entry CRUD) at /kb/…

Handlers parse, call one service or ``search_knowledge``, render. Every signed-in role that
works requests may read; only data stewards may write (the services check).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from yiwang.core.api_auth import request_user
from yiwang.core.errors import PermissionDenied
from yiwang.hotline import services
from yiwang.hotline.knowledge import search_knowledge
from yiwang.hotline.knowledge_schemas import (
    KnowledgeEntryDetailSchema,
    KnowledgeEntryIn,
    KnowledgeEntryPage,
    KnowledgeEntryPatch,
    KnowledgeSearchFilter,
    KnowledgeSearchOut,
)
from yiwang.hotline.models import KnowledgeEntry

router = Router(tags=["knowledge base"])


def _reader(request: HttpRequest) -> Any:
    user = request_user(request)
    if not services.can_read(user):
        raise PermissionDenied("Your roles do not include the knowledge base.")
    return user


def entry_out(entry: KnowledgeEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "reference": entry.external_id,
        "question": entry.question,
        "answer": entry.answer,
        "category": entry.category.code if entry.category else None,
        "department": entry.department.code if entry.department else None,
        "area": entry.area.code if entry.area else None,
        "policy_documents": list(entry.policy_documents or []),
        "effective_from": entry.effective_from,
        "expires_on": entry.expires_on,
        "review_cycle_days": entry.review_cycle_days,
        "owner": entry.owner.username if entry.owner else None,
        "status": entry.status,
        "source": entry.source,
        "version": entry.version,
        "updated_at": entry.updated_at,
        "suggestible": entry.is_suggestible(),
    }


def _detail(entry: KnowledgeEntry) -> dict[str, Any]:
    versions = entry.versions.select_related("changed_by").order_by("-version")
    return {
        **entry_out(entry),
        "versions": [
            {
                "version": v.version,
                "changed_at": v.changed_at,
                "changed_by": v.changed_by.username if v.changed_by else None,
                "changed_fields": v.changed_fields,
                "note": v.note,
                "content": v.snapshot,
            }
            for v in versions
        ],
    }


@router.get("/kb/search", response=KnowledgeSearchOut)
def search(request: HttpRequest, filters: Query[KnowledgeSearchFilter]) -> dict[str, Any]:
    """Ranked entries answering ``q`` (BM25F over jieba tokens with the admin's synonyms).
    Drafts and expired entries are never returned unless a data steward asks for them."""
    user = _reader(request)
    include = filters.include_unpublished and services.can_edit(user)
    hits = search_knowledge(
        filters.q,
        limit=filters.limit,
        category=filters.category or None,
        department=filters.department or None,
        area=filters.area or None,
        include_unpublished=include,
    )
    return {"query": filters.q, "count": len(hits), "results": [h.__dict__ for h in hits]}


@router.get("/kb/entries", response=KnowledgeEntryPage)
def list_entries(
    request: HttpRequest,
    status: str | None = None,
    category: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> dict[str, Any]:
    """Entries by reference, a page at a time (``offset``, ``limit`` ≤ 200)."""
    _reader(request)
    qs = KnowledgeEntry.objects.select_related("category", "department", "area", "owner").defer(
        "area__geometry"
    )
    if status:
        qs = qs.filter(status=status)
    if category:
        qs = qs.filter(category__code=category)
    offset = max(0, offset)
    limit = max(1, min(limit, 200))
    page = list(qs.order_by("external_id")[offset : offset + limit])
    return {"count": qs.count(), "offset": offset, "results": [entry_out(e) for e in page]}


@router.post("/kb/entries", response={201: KnowledgeEntryDetailSchema})
def create(request: HttpRequest, payload: KnowledgeEntryIn) -> Status:
    data = payload.dict()
    data = {k: v for k, v in data.items() if v is not None}
    entry = services.create_entry(data, actor=request_user(request))
    return Status(201, _detail(services.get_entry(entry.pk)))


@router.get("/kb/entries/{entry_id}", response=KnowledgeEntryDetailSchema)
def detail(request: HttpRequest, entry_id: int) -> dict[str, Any]:
    _reader(request)
    return _detail(services.get_entry(entry_id))


@router.patch("/kb/entries/{entry_id}", response=KnowledgeEntryDetailSchema)
def update(request: HttpRequest, entry_id: int, payload: KnowledgeEntryPatch) -> dict[str, Any]:
    """Change the given fields: a new version; the previous one is kept."""
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    note = data.pop("note", "") or ""
    entry = services.get_entry(entry_id)
    services.update_entry(
        entry, data, actor=request_user(request), expected_version=version, note=note
    )
    return _detail(services.get_entry(entry_id))


@router.delete("/kb/entries/{entry_id}", response={204: None})
def delete(request: HttpRequest, entry_id: int) -> Status:
    services.delete_entry(services.get_entry(entry_id), actor=request_user(request))
    return Status(204, None)
