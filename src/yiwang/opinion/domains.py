"""Analysis domains (公共安全, 城市管理, …): sets of top-level categories, read from
``data/domains.json`` so a city changes the grouping without touching code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from yiwang.core.errors import ValidationFailed

DOMAINS_FILE = Path(__file__).resolve().parent / "data" / "domains.json"
# Every order, whatever its category (and orders not yet classified).
ALL = "all"


@dataclass(frozen=True)
class Domain:
    code: str
    name: str  # Chinese, as the city writes it
    en: str
    classes: tuple[str, ...]  # top-level category codes; empty for ALL

    @property
    def label(self) -> str:
        language = get_language() or "zh-hans"
        return self.en if language.startswith("en") else self.name

    def orders_q(self) -> Q:
        """The orders of this domain: their category is one of the classes or under one."""
        if not self.classes:
            return Q()
        return Q(category__code__in=self.classes) | Q(category__parent__code__in=self.classes)


@cache
def load_domains() -> tuple[Domain, ...]:
    data = json.loads(DOMAINS_FILE.read_text(encoding="utf-8"))
    domains = [
        Domain(code=d["code"], name=d["name"], en=d["en"], classes=tuple(d["classes"]))
        for d in data["domains"]
    ]
    seen: dict[str, str] = {}
    for domain in domains:
        for code in domain.classes:
            if code in seen:
                raise ValueError(f"class {code} is in both {seen[code]} and {domain.code}")
            seen[code] = domain.code
    everything = Domain(code=ALL, name="全部领域", en="All domains", classes=())
    return (everything, *domains)


def get_domain(code: str) -> Domain:
    for domain in load_domains():
        if domain.code == code:
            return domain
    raise ValidationFailed(str(_("unknown domain %(code)s") % {"code": code}), field="domain")


def domain_of_class(class_code: str) -> Domain | None:
    for domain in load_domains():
        if class_code in domain.classes:
            return domain
    return None
