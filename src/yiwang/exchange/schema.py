"""Data items: checking a schema someone submits, and compiling it into per-item checks that
validate records quickly (one small function per item, chosen once per batch)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from yiwang.core.errors import ValidationFailed
from yiwang.core.masking import MASKERS
from yiwang.exchange.choices import ItemType, Personal

ITEM_NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$")


def clean_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items as stored, or ValidationFailed naming the item and the problem."""
    if not items:
        raise ValidationFailed(_("A resource needs at least one data item."), field="items")
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, item in enumerate(items):
        name = str(item.get("name", "")).strip()
        field = f"items.{n}.name"
        if not ITEM_NAME_RE.match(name):
            raise ValidationFailed(
                _("Item names are lower-case letters, digits and underscores: %(name)r.")
                % {"name": name},
                field=field,
            )
        if name in seen:
            raise ValidationFailed(_("Item %(name)s appears twice.") % {"name": name}, field=field)
        seen.add(name)
        kind = item.get("type", ItemType.STRING)
        if kind not in ItemType.values:
            raise ValidationFailed(
                _("Unknown item type %(type)r.") % {"type": kind}, field=f"items.{n}.type"
            )
        personal = item.get("personal") or ""
        if personal not in Personal.values:
            raise ValidationFailed(
                _("Unknown personal kind %(kind)r.") % {"kind": personal},
                field=f"items.{n}.personal",
            )
        cleaned.append(
            {
                "name": name,
                "type": kind,
                "description": str(item.get("description", ""))[:200],
                "personal": personal,
                "required": bool(item.get("required", False)),
            }
        )
    return cleaned


def _is_date(value: Any) -> bool:
    if type(value) is not str:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _is_datetime(value: Any) -> bool:
    if type(value) is not str:
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    ItemType.STRING: (lambda v: type(v) is str, "expected text"),
    ItemType.INTEGER: (lambda v: type(v) is int, "expected an integer"),
    ItemType.NUMBER: (lambda v: type(v) in (int, float), "expected a number"),
    ItemType.BOOLEAN: (lambda v: type(v) is bool, "expected true or false"),
    ItemType.DATE: (_is_date, "expected a date YYYY-MM-DD"),
    ItemType.DATETIME: (_is_datetime, "expected an ISO 8601 date and time"),
}

_TRUE = {"true", "1", "yes", "t"}
_FALSE = {"false", "0", "no", "f"}


def _to_bool(text: str) -> bool:
    low = text.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError(text)


# CSV cells are text: each type's converter (a failure is the row's problem).
CONVERTERS: dict[str, Callable[[str], Any]] = {
    ItemType.STRING: str,
    ItemType.INTEGER: int,
    ItemType.NUMBER: float,
    ItemType.BOOLEAN: _to_bool,
    ItemType.DATE: str,
    ItemType.DATETIME: str,
}


class CompiledSchema:
    """A resource's current items, ready to check many records."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.names = frozenset(item["name"] for item in items)
        self.order = [item["name"] for item in items]
        self.checks = [
            (item["name"], *CHECKS[item["type"]], item.get("required", False)) for item in items
        ]
        self.converters = {item["name"]: CONVERTERS[item["type"]] for item in items}
        self.fits = _compile(items, self.names)
        self.items = items

    def all_fit(self, records: list[Any]) -> tuple[bool, dict[str, list[Any]]]:
        """Whether every record fits, checked a column at a time with C-level set and map
        operations (a batch of 100,000 records costs a few list passes per item instead of a
        Python call per record), and the columns read on the way (the key item's values)."""
        if set(map(type, records)) - {dict}:
            return False, {}
        if not set().union(*records) <= self.names:
            return False, {}
        columns: dict[str, list[Any]] = {}
        for item in self.items:
            name = item["name"]
            values = [record.get(name) for record in records]
            columns[name] = values
            kinds = set(map(type, values))
            if item.get("required") and type(None) in kinds:
                return False, columns
            kinds.discard(type(None))
            if not kinds <= _COLUMN_TYPES[item["type"]]:
                return False, columns
            if item["type"] in _STRING_CHECKS and kinds:
                present = [v for v in values if v is not None]
                try:
                    list(map(_STRING_CHECKS[item["type"]], present))
                except (ValueError, TypeError):
                    return False, columns
        return True, columns

    def problems(self, row: Any) -> list[tuple[str, str]]:
        """(item, reason) for each problem of one record; empty when it fits."""
        if type(row) is not dict:
            return [("", "a record is a JSON object")]
        found: list[tuple[str, str]] = []
        if not row.keys() <= self.names:
            found += [(k, "not an item of the schema") for k in row.keys() - self.names]
        for name, check, reason, required in self.checks:
            value = row.get(name)
            if value is None:
                if required:
                    found.append((name, "required"))
            elif not check(value):
                found.append((name, reason))
        return found


_COLUMN_TYPES: dict[str, set[type]] = {
    ItemType.STRING: {str},
    ItemType.INTEGER: {int},
    ItemType.NUMBER: {int, float},
    ItemType.BOOLEAN: {bool},
    ItemType.DATE: {str},
    ItemType.DATETIME: {str},
}


def _date_strict(value: str) -> date:
    if len(value) != 10:
        raise ValueError(value)
    return date.fromisoformat(value)


_STRING_CHECKS: dict[str, Callable[[str], Any]] = {
    ItemType.DATE: _date_strict,
    ItemType.DATETIME: datetime.fromisoformat,
}


# Inline tests per type for the generated checker (``v`` is the item's value, not None).
_INLINE = {
    ItemType.STRING: "type(v) is str",
    ItemType.INTEGER: "type(v) is int",
    ItemType.NUMBER: "(type(v) is int or type(v) is float)",
    ItemType.BOOLEAN: "type(v) is bool",
    ItemType.DATE: "_is_date(v)",
    ItemType.DATETIME: "_is_datetime(v)",
}


def _compile(items: list[dict[str, Any]], names: frozenset[str]) -> Callable[[Any], bool]:
    """One generated function that says whether a record fits, with every item's test
    inlined: a batch of 100,000 records calls it 100,000 times, so each attribute lookup and
    call saved counts. ``problems()`` then explains only the records that do not fit."""
    lines = [
        "def fits(row):",
        "    if type(row) is not dict or not row.keys() <= names:",
        "        return False",
        "    get = row.get",
    ]
    for item in items:
        test = _INLINE[item["type"]]
        lines.append(f"    v = get({item['name']!r})")
        if item.get("required"):
            lines.append(f"    if v is None or not {test}:")
        else:
            lines.append(f"    if v is not None and not {test}:")
        lines.append("        return False")
    lines.append("    return True")
    namespace: dict[str, Any] = {
        "names": names,
        "_is_date": _is_date,
        "_is_datetime": _is_datetime,
    }
    exec("\n".join(lines), namespace)
    return namespace["fits"]


def _mask_other(value: str) -> str:
    return "*" * min(len(value), 6)


def masker_for(personal: str) -> Callable[[str], str]:
    return MASKERS.get(personal, _mask_other)


def projection_plan(
    items: list[dict[str, Any]], allowed: list[str], masked: list[str]
) -> list[tuple[str, Callable[[str], str] | None]]:
    """(item, masker or None) for each item a grant lets its consumer see."""
    kinds = {item["name"]: item.get("personal", "") for item in items}
    masked_set = set(masked)
    return [
        (name, masker_for(kinds.get(name, "")) if name in masked_set else None)
        for name in allowed
        if name in kinds
    ]
