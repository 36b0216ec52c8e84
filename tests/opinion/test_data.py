"""The app's data files and catalogue: domains name real classes, once each; every string has
its Chinese translation, compiled."""

from __future__ import annotations

import gettext
import json
from pathlib import Path

import pytest

from yiwang.core.errors import ValidationFailed
from yiwang.opinion.domains import ALL, get_domain, load_domains

ROOT = Path(__file__).resolve().parents[2] / "src/yiwang"
LOCALE = ROOT / "opinion/locale/zh_Hans/LC_MESSAGES"


def test_every_class_of_the_catalogue_is_in_exactly_one_domain() -> None:
    data = json.loads((ROOT / "workorders/data/categories.json").read_text(encoding="utf-8"))
    classes = {c["code"] for c in data["categories"] if not c.get("parent")}
    placed = [code for d in load_domains() for code in d.classes]
    assert sorted(placed) == sorted(classes)
    assert get_domain(ALL).orders_q().children == []  # all: no filter
    with pytest.raises(ValidationFailed):
        get_domain("weather")


def test_the_catalogue_is_complete_and_compiled() -> None:
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    _header, *messages = [b for b in text.split("\n\n") if "msgid " in b]
    assert [b for b in messages if b.rstrip().endswith('msgstr ""')] == []
    with (LOCALE / "django.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    assert catalogue.pgettext("opinion", "Change") == "环比"
    assert catalogue.gettext("Generate report") == "生成报告"
