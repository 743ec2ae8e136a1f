"""Storing documents: what may be uploaded, and where it goes.

Files live under ``settings.MEDIA_ROOT`` (outside the web root, never served as static files)
with random names; they are read back only through ``cases.selectors.document_get_for_user``.
The content type is decided from the file's first bytes, not from what the browser claims.
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from .models import DOCUMENT_CONTENT_TYPES, DOCUMENT_MAX_BYTES

# Magic numbers of the allowed formats.
_SIGNATURES = [
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
]


def sniff_content_type(head: bytes) -> str | None:
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def validate_upload(upload: UploadedFile) -> tuple[str, str]:
    """(content type, sha256) of an acceptable upload; ``ValidationError`` naming the limit otherwise."""
    size = upload.size or 0
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    if size > DOCUMENT_MAX_BYTES:
        raise ValidationError(
            {"file": _("The file is larger than %(mb)d MB.") % {"mb": DOCUMENT_MAX_BYTES // (1024 * 1024)}}
        )
    upload.seek(0)
    content_type = sniff_content_type(upload.read(16))
    if content_type not in DOCUMENT_CONTENT_TYPES:
        raise ValidationError({"file": _("Only PDF, JPEG and PNG files are accepted.")})
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return content_type, digest.hexdigest()


def safe_download_name(name: str) -> str:
    """The original name, without path parts or characters that break a header."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c for c in base if c.isprintable() and c not in '"\r\n;')
    return cleaned[:150] or "document"
