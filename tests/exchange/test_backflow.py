"""Backflow connectors against a small upstream on loopback: JSON and CSV pages with a token,
resuming where they left off, and failures (timeouts, garbage, bad rows) recorded with retry."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command

from tests.exchange.conftest import World
from tests.exchange.loopback import json_body, serve
from yiwang.core.models import AuditRecord
from yiwang.exchange import backflow
from yiwang.exchange.choices import RunStatus
from yiwang.exchange.models import BackflowConnector, Resource
from yiwang.exchange.store import read_rows

pytestmark = pytest.mark.django_db
TOKEN = "upstream-secret"


def _upstream(records: list[dict[str, Any]], fmt: str = "json") -> Any:
    def respond(handler: Any, body: bytes) -> tuple[int, bytes, str]:
        if handler.headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, b"{}", "application/json"
        query = parse_qs(urlsplit(handler.path).query)
        page, size = int(query["page"][0]), int(query["page_size"][0])
        rows = records[(page - 1) * size : page * size]
        if fmt == "csv":
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=["permit_no", "holder", "floors"])
            writer.writeheader()
            writer.writerows(rows)
            return 200, out.getvalue().encode(), "text/csv"
        return 200, json_body({"records": rows}), "application/json"

    return respond


def _records(n: int, start: int = 0) -> list[dict[str, Any]]:
    return [
        {"permit_no": f"S{i}", "holder": "王五", "floors": i % 9} for i in range(start, start + n)
    ]


def _connector(world: World, url: str, fmt: str = "json", token: str = TOKEN) -> BackflowConnector:
    return backflow.create_connector(
        world.resource,
        actor=world.steward,
        url=f"{url}/api/permits",
        source_level="province",
        format=fmt,
        token=token,
        page_size=4,
    )


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_pages_flow_back_and_a_second_run_takes_only_new_rows(world: World, fmt: str) -> None:
    records = _records(10)
    with serve(_upstream(records, fmt)) as (url, calls):
        connector = _connector(world, url, fmt)
        run = backflow.run_connector(connector)
        assert (run.status, run.pages, run.records) == (RunStatus.OK, 3, 10)
        records += _records(3, start=10)  # the upstream grows; page 3 now has 4, page 4 has 1
        again = backflow.run_connector(BackflowConnector.objects.get(pk=connector.pk))
        assert again.records == 3
        third = backflow.run_connector(BackflowConnector.objects.get(pk=connector.pk))
        assert third.records == 0
    resource = Resource.objects.get(pk=world.resource.pk)
    assert resource.record_count == 13 and resource.backflow_level == "province"
    keys = [key for _seq, key, _data in read_rows(resource.pk, 0, 100)]
    assert keys == [f"S{i}" for i in range(13)]
    assert "page=1&page_size=4" in calls[0]["path"]


def test_wrong_token_timeout_and_garbage_are_recorded_failures(world: World, settings: Any) -> None:
    with serve(_upstream(_records(2))) as (url, _calls):
        run = backflow.run_connector(_connector(world, url, token="wrong"))
    assert run.status == RunStatus.FAILED and "HTTP 401" in run.error
    connector = BackflowConnector.objects.get(pk=run.connector_id)
    assert connector.failures == 1 and connector.next_run_at > run.started_at

    settings.EXCHANGE_BACKFLOW_TIMEOUT = 0.3
    with serve(lambda handler, body: (0, b"[]", "application/json")) as (url, _calls):
        slow = backflow.run_connector(_connector(world, url))
    assert slow.status == RunStatus.FAILED and "unreachable" in slow.error

    with serve(lambda handler, body: (200, b"<html>oops", "text/html")) as (url, _calls):
        garbage = backflow.run_connector(_connector(world, url))
    assert garbage.status == RunStatus.FAILED and "not JSON" in garbage.error

    bad_rows = [{"permit_no": "S1", "floors": "many"}]
    with serve(_upstream(bad_rows)) as (url, _calls):
        rejected = backflow.run_connector(_connector(world, url))
    assert rejected.status == RunStatus.FAILED and "floors" in rejected.error
    assert Resource.objects.get(pk=world.resource.pk).record_count == 0
    assert AuditRecord.objects.filter(action="exchange.backflow_run", result="failure").count() == 4


def test_the_command_runs_a_connector_now(world: World, capsys: Any) -> None:
    with serve(_upstream(_records(2))) as (url, _calls):
        connector = _connector(world, url)
        call_command("exchange", "backflow", "--connector", str(connector.pk))
    assert "ok, 1 page(s), 2 record(s)" in capsys.readouterr().out
