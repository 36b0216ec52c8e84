"""Service health, for load balancers and operators."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest
from ninja import Router, Schema, Status

import yiwang

router = Router(tags=["system"])


class HealthSchema(Schema):
    status: str
    database: str
    version: str


@router.get("/health", response={200: HealthSchema, 503: HealthSchema}, auth=None)
def health(request: HttpRequest) -> Status:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:  # a broken database must report, not raise
        database = "unavailable"
    status = "ok" if database == "ok" else "degraded"
    code = 200 if database == "ok" else 503
    return Status(code, HealthSchema(status=status, database=database, version=yiwang.__version__))
