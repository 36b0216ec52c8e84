"""API schemas of the opinion app."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema


class PeriodFilter(Schema):
    domain: str = "all"
    start: date | None = None
    end: date | None = None


class DailyCount(Schema):
    date: date
    count: int


class KeywordSchema(Schema):
    term: str
    count: int
    baseline: int
    share: float
    change: float | None
    score: float
    trend: list[int]


class ClusterExample(Schema):
    number: str
    title: str


class ClusterSchema(Schema):
    label: str
    keywords: list[str]
    count: int
    share: float
    examples: list[ClusterExample]
    trend: list[int]


class HotTopicsOut(Schema):
    domain: str
    start: date
    end: date
    total: int
    previous_total: int
    sampled: int
    is_sample: bool
    daily: list[DailyCount]
    keywords: list[KeywordSchema]
    rising: list[KeywordSchema]
    clusters: list[ClusterSchema]


class AlertSchema(Schema):
    id: int
    window: str
    subject: str
    category: str | None
    region: str
    period_start: date
    period_end: date
    count: int
    baseline_mean: float
    threshold: float
    state: str
    created_at: datetime


class ThemeSchema(Schema):
    code: str
    name: str
    orders: int
    rated: int
    satisfied: int
    dissatisfied: int
    complaints: int
    called_back: int
    resolved: int
    satisfaction_rate: float | None
    resolution_rate: float | None
    keywords: list[str]


class ThemesOut(Schema):
    domain: str
    start: date
    end: date
    departments: list[ThemeSchema]


class ReportIn(Schema):
    domain: str
    start: date | None = None
    end: date | None = None


class ReportSchema(Schema):
    id: int
    domain: str
    domain_label: str
    period_start: date
    period_end: date
    status: str
    status_label: str
    progress: int
    stage: str
    created_by: str
    created_at: datetime
    finished_at: datetime | None
    html_url: str | None
    xlsx_url: str | None
