"""Fill or correct entries of the zh_Hans catalogue and drop their fuzzy marks.

Usage: python scripts/po_fill.py [--app NAME] 'msgid=>msgstr' 'context|msgid=>msgstr' ...
then run compilemessages. ``--app NAME`` fills the app's own catalogue
(src/yiwang/NAME/locale/…) instead of the project's.
"""

import re
import sys
from pathlib import Path

PO = Path(__file__).resolve().parents[1] / "src/yiwang/locale/zh_Hans/LC_MESSAGES/django.po"


def main(pairs: list[str]) -> None:
    po = PO
    if pairs[:1] == ["--app"]:
        po = PO.parents[3] / pairs[1] / "locale/zh_Hans/LC_MESSAGES/django.po"
        pairs = pairs[2:]
    wanted = dict(pair.split("=>", 1) for pair in pairs)
    blocks = po.read_text(encoding="utf-8").split("\n\n")
    for i, block in enumerate(blocks):
        match = re.search(r'^msgid "(.*)"$', block, re.MULTILINE)
        context = re.search(r'^msgctxt "(.*)"$', block, re.MULTILINE)
        key = f"{context.group(1)}|{match.group(1)}" if match and context else None
        key = key or (match.group(1) if match else None)
        if key not in wanted:
            continue
        lines = [line for line in block.split("\n") if not line.startswith("#|")]
        lines = [
            line.replace("#, fuzzy, ", "#, ") if line.startswith("#, fuzzy, ") else line
            for line in lines
            if line != "#, fuzzy"
        ]
        text = "\n".join(lines)
        text = re.sub(r'^msgstr ".*"$', f'msgstr "{wanted.pop(key)}"', text, flags=re.M)
        blocks[i] = text
    po.write_text("\n\n".join(blocks), encoding="utf-8")
    if wanted:
        sys.exit(f"not in the catalogue: {', '.join(wanted)}")


if __name__ == "__main__":
    main(sys.argv[1:])
