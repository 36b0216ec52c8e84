"""Chinese is the default language: every string in the code must have its translation, compiled."""

import gettext
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[2] / "src/yiwang/locale/zh_Hans/LC_MESSAGES"


def test_catalogue_has_no_fuzzy_or_empty_translations() -> None:
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    entries = [block for block in text.split("\n\n") if "msgid " in block]
    _header, *messages = entries
    empty = [block for block in messages if block.rstrip().endswith('msgstr ""')]
    assert empty == []


def test_compiled_catalogue_matches_the_source() -> None:
    with (LOCALE / "django.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    assert catalogue.gettext("Sign in") == "登录"
    assert catalogue.pgettext("tier", "County") == "县级"
    text = (LOCALE / "django.po").read_text(encoding="utf-8")
    messages = text.count('\nmsgid "') - 1  # less the header
    compiled = len(catalogue._catalog) - 1  # type: ignore[attr-defined]
    assert compiled >= messages, "run compilemessages after editing the .po file"
