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

_encode_string: Callable[[str], str] = json.encoder.encode_basestring


def _needs_escape(text: str) -> bool:
    """Whether any of COPY's special characters occur (newlines between values excepted)."""
    return "\\" in text or "\t" in text or "\r" in text


def _escape(text: str) -> str:
    """Text as COPY's text format reads it back unchanged. Most values hold none of the
    special characters, and a substring test is far cheaper than a translate."""
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\t" in text:
        text = text.replace("\t", "\\t")
    if "\n" in text:
        text = text.replace("\n", "\\n")
    if "\r" in text:
        text = text.replace("\r", "\\r")
    return text


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
    fits = schema.fits
    good, columns = schema.all_fit(records)
    if good:
        # Valid lines are stored as sent: no second encoding.
        texts = [line.strip() for line in lines] if lines is not None else _dumps(records)
        if key_item:
            keys = [("" if v is None else str(v)[:200]) for v in columns[key_item]]
        else:
            keys = [""] * len(records)
        return ParsedBatch(list(zip(keys, texts, strict=True)), [], len(records))
    problems: list[dict[str, Any]] = []
    for n, record in enumerate(records, 1):
        if not fits(record):
            found = schema.problems(record)
            problems += [{"row": n, "item": item, "reason": reason} for item, reason in found]
            if len(problems) >= MAX_REPORTED_ROWS:
                break
    return ParsedBatch([], problems[:MAX_REPORTED_ROWS], len(records))


def _dumps(records: list[Any]) -> list[str]:
    dumps = json.dumps
    return [dumps(record, ensure_ascii=False) for record in records]


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


CHUNK = 10_000


@dataclass
class Chunk:
    """Part of a batch, checked: rows to store, or the problems of its bad records."""

    rows: list[tuple[str, str]]
    problems: list[dict[str, Any]]


def checked_chunks(
    body: bytes, content_type: str, schema: CompiledSchema, key_item: str
) -> tuple[int, Iterator[Chunk]]:
    """(record count, the batch checked a chunk at a time). Chunks let the caller write one
    chunk to the database while the next is parsed; a bad record anywhere makes the caller
    abandon the whole write."""
    if "csv" in content_type:
        parsed = parse_csv(body, schema, key_item)
        return parsed.count, iter([Chunk(parsed.rows, parsed.problems)])
    text = body.decode("utf-8", errors="strict")
    lines = [line for line in text.split("\n") if line.strip()]

    def chunks() -> Iterator[Chunk]:
        for start in range(0, len(lines), CHUNK):
            parsed = parse_json_lines_part(lines[start : start + CHUNK], schema, key_item)
            for problem in parsed.problems:
                problem["row"] += start
            yield Chunk(parsed.rows, parsed.problems)

    return len(lines), chunks()


def parse_json_lines_part(lines: list[str], schema: CompiledSchema, key_item: str) -> ParsedBatch:
    try:
        records = json.loads("[" + ",".join(lines) + "]")
        if len(records) != len(lines):  # a line held two values, "1,2"
            raise ValueError
    except ValueError:
        problems = []
        for n, line in enumerate(lines, 1):
            try:
                json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append({"row": n, "item": "", "reason": f"not JSON: {exc.msg}"})
        return ParsedBatch([], problems[:MAX_REPORTED_ROWS], len(lines))
    return _checked(records, lines, schema, key_item)


class RowWriter:
    """Writes checked rows with consecutive numbers; on PostgreSQL through one COPY whose
    sending runs in psycopg's writer thread, so the database ingests a chunk while Python
    checks the next."""

    def __init__(self, resource_id: int, first_sequence: int, batch_pk: int) -> None:
        self.resource_id = resource_id
        self.next_sequence = first_sequence
        self.batch_pk = batch_pk
        self._copy: Any = None
        self._stack: Any = None

    def __enter__(self) -> RowWriter:
        if connection.vendor == "postgresql":
            from contextlib import ExitStack

            from psycopg.copy import QueuedLibpqWriter

            self._stack = ExitStack()
            cursor = self._stack.enter_context(connection.cursor())
            raw = cursor.cursor
            self._copy = self._stack.enter_context(
                raw.copy(
                    "COPY exchange_record (resource_id, seq, record_key, batch_id, data) "
                    "FROM STDIN",
                    writer=QueuedLibpqWriter(raw),
                )
            )
        return self

    def write(self, rows: list[tuple[str, str]]) -> None:
        first = self.next_sequence
        self.next_sequence += len(rows)
        if self._copy is None:
            write_rows(self.resource_id, first, self.batch_pk, rows)
            return
        prefix = f"{self.resource_id}\t"
        suffix = f"\t{self.batch_pk}\t"
        keys = [key for key, _text in rows]
        texts = [text for _key, text in rows]
        # Escape per chunk: one C-level scan finds whether any value needs it at all.
        joined_keys = "".join(keys)
        if _needs_escape(joined_keys) or "\n" in joined_keys:
            keys = [_escape(k) for k in keys]
        if _needs_escape("\n".join(texts)):
            texts = [_escape(t) for t in texts]
        self._copy.write(
            "".join(
                f"{prefix}{seq}\t{key}{suffix}{text}\n"
                for seq, key, text in zip(range(first, first + len(rows)), keys, texts, strict=True)
            ).encode("utf-8")
        )

    def __exit__(self, *exc: Any) -> None:
        if self._stack is not None:
            self._stack.__exit__(*exc)


def write_rows(
    resource_id: int, first_sequence: int, batch_pk: int, rows: list[tuple[str, str]]
) -> None:
    """Store the rows with consecutive sequence numbers, in the caller's transaction."""
    if connection.vendor == "postgresql":
        prefix = f"{resource_id}\t"
        suffix = f"\t{batch_pk}\t"
        buffer = "".join(
            f"{prefix}{seq}\t{_escape(key)}{suffix}{_escape(text)}\n"
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
    return _select(resource_id, after, limit, data, [])


def _select(
    resource_id: int, after: int, limit: int, columns: str, params: list[Any]
) -> list[tuple[Any, ...]]:
    """``seq, record_key, <columns>`` of the records after ``after``, in order.

    A resource's numbers have no gaps (they are taken in the transaction that stores the
    rows), so the page is the closed range (after, after + limit]: a plan that stays cheap
    even when the statistics have not seen the newest rows yet (an open ``seq > after``
    then sorts everything after the cursor). Only if records were purged from that range
    does the open form find the next ones."""
    head = f"SELECT seq, record_key, {columns} FROM exchange_record WHERE resource_id = %s "
    with connection.cursor() as cursor:
        cursor.execute(
            head + "AND seq BETWEEN %s AND %s ORDER BY seq",
            [*params, resource_id, after + 1, after + limit],
        )
        rows = cursor.fetchall()
        if len(rows) == limit:
            return rows
        cursor.execute("SELECT last_sequence FROM exchange_resource WHERE id = %s", [resource_id])
        found = cursor.fetchone()
        if found is None or len(rows) == max(min(int(found[0]), after + limit) - after, 0):
            return rows
        cursor.execute(
            head + "AND seq > %s ORDER BY seq LIMIT %s", [*params, resource_id, after, limit]
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


def read_projected(
    resource_id: int,
    code: str,
    plan: list[tuple[str, Callable[[str], str] | None]],
    after: int,
    limit: int,
) -> tuple[list[str], int]:
    """The page as JSON texts of delivered records, and its last sequence number.

    On PostgreSQL the database projects the plain items (``jsonb_build_object``) and hands
    the masked ones over as text, so Python neither parses nor re-encodes a record: it
    masks a few strings and splices them in. Elsewhere, ``project`` and ``json.dumps``."""
    if connection.vendor != "postgresql":
        rows = read_rows(resource_id, after, limit)
        texts = [
            json.dumps(r, ensure_ascii=False, separators=(",", ":"))
            for r in project(rows, code, plan)
        ]
        return texts, (rows[-1][0] if rows else after)
    if all(masker is None or masker in _SQL_MASKS for _name, masker in plan):
        return _read_built_in_sql(resource_id, code, plan, after, limit)
    plain = [name for name, masker in plan if masker is None]
    masked = [(name, masker) for name, masker in plan if masker is not None]
    pairs = ", ".join("%s, data->%s" for _ in plain)
    columns = f"jsonb_strip_nulls(jsonb_build_object({pairs}))::text" if plain else "'{}'"
    params: list[Any] = [v for name in plain for v in (name, name)]
    for name, _masker in masked:
        columns += ", data->>%s"
        params.append(name)
    rows = _select(resource_id, after, limit, columns, params)
    encode = _encode_string
    texts = []
    for row in rows:
        seq, key, projected = row[0], row[1], row[2]
        values: tuple[str | None, ...] = row[3:]
        extra = [
            f"{encode(name)}:{encode(masker(value))}"
            for (name, masker), value in zip(masked, values, strict=True)
            if value is not None
        ]
        if extra:
            joined = ",".join(extra)
            projected = "{" + joined + "}" if projected == "{}" else f"{projected[:-1]},{joined}}}"
        texts.append(
            f'{{"seq":{seq},"delivery_key":"{code}:{seq}","key":{encode(key)},"data":{projected}}}'
        )
    return texts, (rows[-1][0] if rows else after)


def _sql_name(v: str) -> str:
    # core.masking.mask_name: 张三丰 -> 张*丰, 张三 -> 张*, Alice -> A****
    return (
        f"CASE WHEN char_length({v}) <= 1 THEN {v} "
        f"WHEN octet_length({v}) = char_length({v}) "
        f"THEN left({v}, 1) || repeat('*', char_length({v}) - 1) "
        f"WHEN char_length({v}) = 2 THEN left({v}, 1) || '*' "
        f"ELSE left({v}, 1) || repeat('*', char_length({v}) - 2) || right({v}, 1) END"
    )


def _sql_phone(v: str) -> str:
    # core.masking.mask_phone: 13812345678 -> 138****5678
    return (
        f"CASE WHEN char_length({v}) >= 11 THEN left({v}, 3) || '****' || right({v}, 4) "
        f"WHEN char_length({v}) > 4 "
        f"THEN left({v}, 2) || repeat('*', char_length({v}) - 4) || right({v}, 2) "
        f"ELSE repeat('*', char_length({v})) END"
    )


def _sql_id_number(v: str) -> str:
    # core.masking.mask_id_number: 320602199001011234 -> 320602********1234
    return (
        f"CASE WHEN char_length({v}) <= 8 THEN repeat('*', char_length({v})) "
        f"ELSE left({v}, 6) || repeat('*', char_length({v}) - 10) || right({v}, 4) END"
    )


def _sql_other(v: str) -> str:
    return f"repeat('*', least(char_length({v}), 6))"


def _sql_masks() -> dict[Callable[[str], str], Callable[[str], str]]:
    from yiwang.core.masking import mask_id_number, mask_name, mask_phone
    from yiwang.exchange.schema import _mask_other

    return {
        mask_name: _sql_name,
        mask_phone: _sql_phone,
        mask_id_number: _sql_id_number,
        _mask_other: _sql_other,
    }


_SQL_MASKS = _sql_masks()


def _read_built_in_sql(
    resource_id: int,
    code: str,
    plan: list[tuple[str, Callable[[str], str] | None]],
    after: int,
    limit: int,
) -> tuple[list[str], int]:
    """PostgreSQL builds each delivered record whole — projection, masking (the same rules as
    ``core.masking``, in SQL) and the envelope — so Python only joins the page's texts.
    Item names are safe to inline: they match ``schema.ITEM_NAME_RE``."""
    pairs = []
    for name, masker in plan:
        if masker is None:
            pairs.append(f"'{name}', data->'{name}'")
        else:
            value = f"btrim(data->>'{name}', E' \\t\\n\\r')"
            expr = f"CASE WHEN {value} = '' THEN {value} ELSE {_SQL_MASKS[masker](value)} END"
            pairs.append(f"'{name}', {expr}")
    # json, not jsonb: building text is cheaper than building binary JSON and printing it.
    data = f"json_strip_nulls(json_build_object({', '.join(pairs)}))" if pairs else "'{}'::json"
    column = (
        "json_build_object('seq', seq, 'delivery_key', %s || ':' || seq, "
        f"'key', record_key, 'data', {data})::text"
    )
    rows = _select(resource_id, after, limit, column, [code])
    return [row[2] for row in rows], (rows[-1][0] if rows else after)


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
        data = {name: record[name] for name in plain if record.get(name) is not None}
        for name, masker in masked:
            value = record.get(name)
            if value is not None:
                data[name] = masker(str(value))
        yield {"seq": seq, "delivery_key": f"{code}:{seq}", "key": key, "data": data}
