"""What may be attached to a work order: photos, documents, recordings and short videos, each
checked by its name *and* its first bytes, so a renamed program is refused as what it is.

``check_attachment(name, content)`` answers the clean name and the content type, or raises
``ValidationFailed`` naming the field. Storing is ``services.add_attachment``'s business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _

from yiwang.core.errors import ValidationFailed


@dataclass(frozen=True)
class Kind:
    content_type: str
    signatures: tuple[tuple[int, bytes], ...]  # (offset, bytes); any one must match


_OLE = ((0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),)
_ZIP = ((0, b"PK\x03\x04"),)
_MP4 = ((4, b"ftyp"),)
KINDS: dict[str, Kind] = {
    "jpg": Kind("image/jpeg", ((0, b"\xff\xd8\xff"),)),
    "jpeg": Kind("image/jpeg", ((0, b"\xff\xd8\xff"),)),
    "png": Kind("image/png", ((0, b"\x89PNG\r\n\x1a\n"),)),
    "gif": Kind("image/gif", ((0, b"GIF87a"), (0, b"GIF89a"))),
    "webp": Kind("image/webp", ((8, b"WEBP"),)),
    "pdf": Kind("application/pdf", ((0, b"%PDF-"),)),
    "doc": Kind("application/msword", _OLE),
    "xls": Kind("application/vnd.ms-excel", _OLE),
    "docx": Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    "xlsx": Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    "mp3": Kind("audio/mpeg", ((0, b"ID3"), (0, b"\xff\xfb"), (0, b"\xff\xf3"), (0, b"\xff\xf2"))),
    "wav": Kind("audio/wav", ((8, b"WAVE"),)),
    "amr": Kind("audio/amr", ((0, b"#!AMR"),)),
    "m4a": Kind("audio/mp4", _MP4),
    "mp4": Kind("video/mp4", _MP4),
    "txt": Kind("text/plain", ()),
}
NAME_MAX = 120
_UNSAFE = re.compile(r"[\x00-\x1f\\/:*?\"<>|]+")


def max_bytes() -> int:
    return int(getattr(settings, "ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


def check_attachment(name: str, content: bytes, *, field: str = "attachment") -> tuple[str, str]:
    """The cleaned file name and its content type, or a refusal naming ``field``."""
    clean = _UNSAFE.sub("_", PurePath(str(name).replace("\\", "/")).name).strip(" .")
    if not clean:
        raise ValidationFailed(_("The attachment needs a file name."), field=field)
    if len(clean) > NAME_MAX:
        stem, dot, ext = clean.rpartition(".")
        clean = f"{stem[: NAME_MAX - len(ext) - 1]}.{ext}" if dot else clean[:NAME_MAX]
    extension = clean.rpartition(".")[2].lower() if "." in clean else ""
    kind = KINDS.get(extension)
    if kind is None:
        raise ValidationFailed(
            _("Files of type “%(ext)s” cannot be attached; allowed: %(allowed)s.")
            % {"ext": extension or "-", "allowed": ", ".join(sorted(KINDS))},
            field=field,
        )
    if not content:
        raise ValidationFailed(_("The attachment is empty."), field=field)
    check_size(len(content), field=field)
    if not _looks_like(kind, content):
        raise ValidationFailed(
            _("The file's content is not a %(ext)s file.") % {"ext": extension}, field=field
        )
    return clean, kind.content_type


def check_size(size: int, *, field: str = "attachment") -> None:
    if size > max_bytes():
        raise ValidationFailed(
            _("The attachment is %(size)s; at most %(limit)s is allowed.")
            % {"size": _size(size), "limit": _size(max_bytes())},
            field=field,
        )


def _looks_like(kind: Kind, content: bytes) -> bool:
    if not kind.signatures:  # plain text: UTF-8 without control bytes of binary files
        head = content[:4096]
        if b"\x00" in head:
            return False
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            return exc.start > len(head) - 4  # a character cut at the 4 KiB boundary
        return True
    return any(content[offset : offset + len(sig)] == sig for offset, sig in kind.signatures)


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    return f"{n / 1024:.0f} KB" if n >= 1024 else f"{n} B"
