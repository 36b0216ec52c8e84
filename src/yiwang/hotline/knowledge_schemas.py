"""API schemas of the knowledge base."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Schema
from pydantic import Field


class KnowledgeHitSchema(Schema):
    id: int
    reference: str
    question: str
    answer: str
    score: float = Field(description="BM25F score; higher is better, comparable within a query")
    question_html: str = Field(description="the question, HTML-escaped, matches in <mark>")
    answer_html: str = Field(description="the answer, HTML-escaped, matches in <mark>")
    category: str | None = Field(None, description="category code")
    department: str | None = Field(None, description="department name")


class KnowledgeSearchOut(Schema):
    query: str
    count: int
    results: list[KnowledgeHitSchema]


class KnowledgeSearchFilter(Schema):
    q: str = Field(..., description="the question in the caller's words (at most 500 characters)")
    limit: int = Field(5, ge=1, le=50)
    category: str | None = Field(
        None, description="category code; a class code includes its subclasses"
    )
    department: str | None = Field(None, description="department code or name")
    area: str | None = Field(None, description="region code of the caller's place")
    include_unpublished: bool = Field(False, description="drafts and expired too (data stewards)")


class KnowledgeEntryIn(Schema):
    """An entry as plain values; codes for category, department and area, a username for
    the owner, ISO dates."""

    reference: str | None = Field(None, description="stable reference; generated when empty")
    question: str
    answer: str
    category: str | None = None
    department: str | None = None
    area: str | None = None
    policy_documents: list[str] = Field(default_factory=list)
    effective_from: date | None = None
    expires_on: date | None = None
    review_cycle_days: int | None = None
    owner: str | None = None
    status: str = "draft"
    source: str = ""


class KnowledgeEntryPatch(Schema):
    """Only the fields given change; ``version`` is the version the edit started from."""

    version: int | None = Field(None, description="refuse the edit if the entry moved on")
    note: str = ""
    question: str | None = None
    answer: str | None = None
    category: str | None = None
    department: str | None = None
    area: str | None = None
    policy_documents: list[str] | None = None
    effective_from: date | None = None
    expires_on: date | None = None
    review_cycle_days: int | None = None
    owner: str | None = None
    status: str | None = None
    source: str | None = None


class KnowledgeVersionSchema(Schema):
    version: int
    changed_at: datetime
    changed_by: str | None
    changed_fields: list[str]
    note: str
    content: dict[str, Any]


class KnowledgeEntrySchema(Schema):
    id: int
    reference: str
    question: str
    answer: str
    category: str | None
    department: str | None
    area: str | None
    policy_documents: list[str]
    effective_from: date | None
    expires_on: date | None
    review_cycle_days: int | None
    owner: str | None
    status: str
    source: str
    version: int
    updated_at: datetime
    suggestible: bool = Field(description="published, in force and not expired")


class KnowledgeEntryDetailSchema(KnowledgeEntrySchema):
    versions: list[KnowledgeVersionSchema]


class KnowledgeEntryPage(Schema):
    count: int
    offset: int
    results: list[KnowledgeEntrySchema]
