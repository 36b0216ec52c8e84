"""The record store: one table written with COPY and read by keyset on (resource, sequence).

On PostgreSQL it is hash-partitioned on the resource (see docs/exchange.md for the plan at 30
billion records); SQLite, the embedded default, gets a plain table of the same shape.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

PARTITIONS = 16

_POSTGRES = [
    """CREATE TABLE exchange_record (
        resource_id integer NOT NULL,
        seq bigint NOT NULL,
        record_key varchar(200) NOT NULL,
        batch_id bigint NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        data jsonb NOT NULL,
        PRIMARY KEY (resource_id, seq)
    ) PARTITION BY HASH (resource_id)""",
    *(
        f"CREATE TABLE exchange_record_p{n:02d} PARTITION OF exchange_record "
        f"FOR VALUES WITH (MODULUS {PARTITIONS}, REMAINDER {n})"
        for n in range(PARTITIONS)
    ),
]

_SQLITE = [
    """CREATE TABLE exchange_record (
        resource_id integer NOT NULL,
        seq bigint NOT NULL,
        record_key varchar(200) NOT NULL,
        batch_id bigint NOT NULL,
        received_at datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
        data text NOT NULL,
        PRIMARY KEY (resource_id, seq)
    )""",
]


def create(apps: Any, schema_editor: Any) -> None:
    statements = _POSTGRES if schema_editor.connection.vendor == "postgresql" else _SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def drop(apps: Any, schema_editor: Any) -> None:
    schema_editor.execute("DROP TABLE exchange_record")


class Migration(migrations.Migration):
    dependencies = [("exchange", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
