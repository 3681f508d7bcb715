"""Checks for uploaded files (consent evidence, contact attachments): an allowed type by name,
a size limit, and content that looks like what its name says, judged by its first bytes, not
the browser's word. Files are stored outside the web root and served only after a permission
check, as downloads, with ``nosniff``; nothing uploaded is ever executed or shown inline."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

#: The first bytes each kind of file starts with.
SIGNATURES: Mapping[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".docx": (b"PK\x03\x04",),
}


def _or_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def check_upload(
    upload: UploadedFile,
    *,
    field: str,
    allowed: Mapping[str, str],
    max_bytes: int,
    noun: str = "file",
) -> None:
    """Raise a ValidationError naming ``field`` unless the file's suffix is one of ``allowed``
    (suffix → the name users know, e.g. ".pdf": "PDF"), it is at most ``max_bytes``, and its
    first bytes match its suffix."""
    names = _or_list(list(dict.fromkeys(allowed.values())))
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in allowed:
        raise ValidationError({field: f"The {noun} must be a {names} file"})
    if upload.size is None or upload.size > max_bytes:
        raise ValidationError(
            {field: f"The {noun} must be smaller than {max_bytes // (1024 * 1024)} MB"}
        )
    head = upload.read(8)
    upload.seek(0)
    if not head.startswith(SIGNATURES[suffix]):
        raise ValidationError({field: f"The file is not a real {allowed[suffix]} file"})
