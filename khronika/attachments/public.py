"""Public copies: pixels only. Metadata (EXIF, GPS, XMP, ICC, comments) never leaves with a picture."""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from .media import is_image, open_image

# HEIC and other formats become JPEG: every viewer reads it, and re-encoding is what drops metadata.
_KEEP_FORMAT = {"PNG": "PNG"}


def strip_image(data: bytes) -> bytes:
    """Re-encode the pixels into a fresh image; the orientation is applied first, then forgotten."""
    im = open_image(data)
    im = ImageOps.exif_transpose(im)
    fmt = _KEEP_FORMAT.get(str(im.format), "JPEG") if im.format else "JPEG"
    if fmt == "JPEG" and im.mode not in ("RGB", "L"):
        im = im.convert("RGB")
    clean = Image.new(im.mode, im.size)
    clean.paste(im)
    buf = io.BytesIO()
    clean.save(buf, fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buf.getvalue()


def public_copy(data: bytes, mime: str) -> bytes | None:
    """A copy safe to publish, or None: videos and unknown types are never published as originals."""
    if not is_image(mime):
        return None
    try:
        return strip_image(data)
    except (OSError, ValueError):
        return None
