"""Intake: bytes from a channel become a `Document` with text, language and provenance."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime

from ..errors import InputError
from ..model import Document, Provenance
from .files import MAX_BYTES, RawSource, decode, expand
from .language import detect

__all__ = ["MAX_BYTES", "RawSource", "expand", "make_document", "normalise_published"]


def normalise_published(value: str | date | datetime | None) -> str | None:
    """An ISO date or datetime string, or None; refuses what is not a date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    try:
        if len(value) <= 10:
            return date.fromisoformat(value).isoformat()
        return datetime.fromisoformat(value).isoformat()
    except ValueError as e:
        raise InputError(f"--published {value!r} is not an ISO date (YYYY-MM-DD[THH:MM])") from e


def make_document(
    raw: bytes,
    *,
    name: str,
    provenance: Provenance | None = None,
    published: str | date | datetime | None = None,
    lang: str | None = None,
    tz: str = "Asia/Almaty",
    title: str | None = None,
) -> Document:
    """Decode bytes and identify the document by its bytes plus its provenance."""
    text = decode(raw, name)
    prov = provenance or Provenance(filename=None if name == "-" else name)
    if not prov.received_at:
        prov.received_at = datetime.now(UTC).isoformat(timespec="seconds")
    sha = hashlib.sha256(raw).hexdigest()
    if lang:
        code, conf = lang, 1.0
    else:
        code, conf = detect(text)
    doc = Document(
        text=text,
        raw=raw,
        sha256=sha,
        lang=code,
        lang_confidence=conf,
        published=normalise_published(published),
        tz=tz,
        provenance=prov,
        title=title or _first_line(text),
    )
    doc.id = Document.make_id(sha, prov)
    return doc


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return ""
