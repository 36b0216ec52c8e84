"""The record store: parsing a pushed batch, writing it (COPY on PostgreSQL), and reading by
keyset on (resource, sequence). The table is ``exchange_record`` (migration 0002)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection

from yiwang.exchange.schema import CompiledSchema

# What COPY's text format treats specially; valid JSON has no raw newline, so a line stays one.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\r": "\\r", "\n": "\\n"})
MAX_REPORTED_ROWS = 1000


@dataclass
class ParsedBatch:
    """Records of a batch as the store will hold them: (key, JSON text)."""

    rows: list[tuple[str, str]]
    problems: list[dict[str, Any]]
    count: int


def _key_of(record: dict[str, Any], key_item: str) -> str:
    if not key_item:
        return ""
    value = record.get(key_item)
    return "" if value is None else str(value)[:200]


def parse_json_lines(body: bytes, schema: CompiledSchema, key_item: str) -> ParsedBatch:
    """JSON Lines: one object a line. The whole body is decoded in one call when it is well
    formed (the common case); a line that is not JSON is then found line by line."""
    text = body.decode("utf-8", errors="strict")
    lines = [line for line in text.split("\n") if line.strip()]
    try:
        records = json.loads("[" + ",".join(lines) + "]")
        if len(records) != len(lines):  # a line held two values, "1,2"
            raise ValueError
    except ValueError:
        records = []
        problems = []
        for n, line in enumerate(lines, 1):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                records.append(None)
                problems.append({"row": n, "item": "", "reason": f"not JSON: {exc.msg}"})
        if problems:
            return ParsedBatch([], problems[:MAX_REPORTED_ROWS], len(lines))
    return _checked(records, lines, schema, key_item)


def _checked(
    records: list[Any], lines: list[str] | None, schema: CompiledSchema, key_item: str
) -> ParsedBatch:
    problems: list[dict[str, Any]] = []
    rows: list[tuple[str, str]] = []
    check = schema.problems
    for n, record in enumerate(records, 1):
        found = check(record)
        if found:
            problems += [{"row": n, "item": item, "reason": reason} for item, reason in found]
            continue
        if not problems:
            # A valid line is stored as sent: no second encoding.
            text = lines[n - 1].strip() if lines is not None else json.dumps(record)
            rows.append((_key_of(record, key_item), text))
    return ParsedBatch(rows if not problems else [], problems[:MAX_REPORTED_ROWS], len(records))


def parse_csv(body: bytes, schema: CompiledSchema, key_item: str) -> ParsedBatch:
    """CSV with a header row naming items; empty cells are missing values."""
    text = body.decode("utf-8-sig", errors="strict")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        return ParsedBatch([], [{"row": 0, "item": "", "reason": "no header row"}], 0)
    header = [h.strip() for h in header]
    unknown = [h for h in header if h not in schema.names]
    if unknown:
        return ParsedBatch(
            [], [{"row": 0, "item": h, "reason": "not an item of the schema"} for h in unknown], 0
        )
    converters = [schema.converters[h] for h in header]
    records: list[Any] = []
    problems: list[dict[str, Any]] = []
    for n, cells in enumerate(reader, 1):
        if not cells:
            continue
        if len(cells) != len(header):
            problems.append({"row": n, "item": "", "reason": "wrong number of cells"})
            records.append({})
            continue
        record: dict[str, Any] = {}
        for name, convert, cell in zip(header, converters, cells, strict=True):
            if cell == "":
                continue
            try:
                record[name] = convert(cell)
            except ValueError:
                problems.append({"row": n, "item": name, "reason": "cannot be read as its type"})
        records.append(record)
    parsed = _checked(records, None, schema, key_item)
    if problems:
        merged = sorted(problems + parsed.problems, key=lambda p: p["row"])
        return ParsedBatch([], merged[:MAX_REPORTED_ROWS], parsed.count)
    return parsed


def write_rows(
    resource_id: int, first_sequence: int, batch_pk: int, rows: list[tuple[str, str]]
) -> None:
    """Store the rows with consecutive sequence numbers, in the caller's transaction."""
    if connection.vendor == "postgresql":
        buffer = "".join(
            f"{resource_id}\t{seq}\t{key.translate(_COPY_ESCAPES)}\t{batch_pk}\t"
            f"{text.translate(_COPY_ESCAPES)}\n"
            for seq, (key, text) in enumerate(rows, first_sequence)
        ).encode("utf-8")
        with connection.cursor() as cursor:
            raw = cursor.cursor
            with raw.copy(
                "COPY exchange_record (resource_id, seq, record_key, batch_id, data) FROM STDIN"
            ) as copy:
                copy.write(buffer)
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO exchange_record (resource_id, seq, record_key, batch_id, data) "
            "VALUES (%s, %s, %s, %s, %s)",
            [
                (resource_id, seq, key, batch_pk, text)
                for seq, (key, text) in enumerate(rows, first_sequence)
            ],
        )


def reserve_sequences(resource_id: int, count: int) -> int:
    """Take ``count`` numbers for the resource; returns the first. The row stays locked until
    commit, so batches of one resource commit in sequence order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE exchange_resource SET last_sequence = last_sequence + %s, "
            "record_count = record_count + %s WHERE id = %s RETURNING last_sequence",
            [count, count, resource_id],
        )
        (last,) = cursor.fetchone()
    return int(last) - count + 1


def read_rows(resource_id: int, after: int, limit: int) -> list[tuple[int, str, str]]:
    """(sequence, key, JSON text) of the records after ``after``, in order."""
    data = "data::text" if connection.vendor == "postgresql" else "data"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT seq, record_key, {data} FROM exchange_record "
            "WHERE resource_id = %s AND seq > %s ORDER BY seq LIMIT %s",
            [resource_id, after, limit],
        )
        return cursor.fetchall()


def read_range(resource_id: int, first: int, last: int) -> list[tuple[int, str, str]]:
    data = "data::text" if connection.vendor == "postgresql" else "data"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT seq, record_key, {data} FROM exchange_record "
            "WHERE resource_id = %s AND seq BETWEEN %s AND %s ORDER BY seq",
            [resource_id, first, last],
        )
        return cursor.fetchall()


def project(
    rows: list[tuple[int, str, str]],
    code: str,
    plan: list[tuple[str, Callable[[str], str] | None]],
) -> Iterator[dict[str, Any]]:
    """Records as a consumer receives them: only the granted items, masked where it says."""
    loads = json.loads
    plain = [name for name, masker in plan if masker is None]
    masked = [(name, masker) for name, masker in plan if masker is not None]
    for seq, key, text in rows:
        record = loads(text)
        data = {name: record[name] for name in plain if name in record}
        for name, masker in masked:
            value = record.get(name)
            if value is not None:
                data[name] = masker(str(value))
        yield {"seq": seq, "delivery_key": f"{code}:{seq}", "key": key, "data": data}
