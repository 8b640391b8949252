"""Attachments: photos and videos stored byte for byte under their SHA-256 and linked to reports.

    sha = save_attachment(store, data, doc_id=doc.id, name="photos/p1.jpg")
    attachments_for(store, doc.id)       # rows with metadata and the text-vs-metadata check
    public_attachment(store, sha)        # metadata-free image bytes, or None (videos, unknown types)
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ..store.tables_channels import attachment_links, attachments
from .check import compare, document_facts
from .media import describe, sniff
from .public import public_copy

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["attachments_for", "compare", "public_attachment", "save_attachment"]

MAX_ATTACHMENT_BYTES = 200 * 1024 * 1024  # a phone video; larger ones are refused, not truncated


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def save_attachment(store: Store, data: bytes, *, doc_id: str | None = None, name: str | None = None) -> str:
    """Store the bytes once (keyed by SHA-256) and link them to a document; returns the SHA-256."""
    from ..errors import InputError

    if len(data) > MAX_ATTACHMENT_BYTES:
        raise InputError(f"attachment is {len(data)} bytes, over the limit", path=name)
    sha = hashlib.sha256(data).hexdigest()
    with store.write() as conn:
        if conn.execute(sa.select(attachments.c.sha256).where(attachments.c.sha256 == sha)).first() is None:
            mime = sniff(data, name)
            conn.execute(sa.insert(attachments).values(
                sha256=sha, mime=mime, size=len(data), data=data, meta=describe(data, mime), created_at=_now()
            ))
        if doc_id is not None:
            linked = conn.execute(sa.select(attachment_links.c.sha256).where(
                attachment_links.c.sha256 == sha, attachment_links.c.doc_id == doc_id)).first()
            if linked is None:
                conn.execute(sa.insert(attachment_links).values(
                    sha256=sha, doc_id=doc_id, name=name, created_at=_now()))
    return sha


def attachment_bytes(store: Store, sha: str) -> tuple[bytes, str] | None:
    with store.read() as conn:
        row = conn.execute(
            sa.select(attachments.c.data, attachments.c.mime).where(attachments.c.sha256 == sha)
        ).first()
    return (bytes(row.data), str(row.mime)) if row else None


def public_attachment(store: Store, sha: str) -> bytes | None:
    """Bytes fit for a public export: images re-encoded without metadata; videos and the rest: None."""
    found = attachment_bytes(store, sha)
    return public_copy(*found) if found else None


def attachments_for(store: Store, doc_id: str) -> list[dict[str, Any]]:
    """Each attachment of a document: sha, mime, size, name, metadata and the check against the text."""
    q = (
        sa.select(attachments.c.sha256, attachments.c.mime, attachments.c.size, attachments.c.meta,
                  attachment_links.c.name)
        .join(attachment_links, attachment_links.c.sha256 == attachments.c.sha256)
        .where(attachment_links.c.doc_id == doc_id)
        .order_by(attachment_links.c.name, attachments.c.sha256)
    )
    with store.read() as conn:
        rows = conn.execute(q).all()
    if not rows:
        return []
    facts = document_facts(store.load_document(doc_id))
    return [
        {"sha256": r.sha256, "mime": r.mime, "size": r.size, "name": r.name, "meta": r.meta or {},
         "check": compare(r.meta or {}, facts)}
        for r in rows
    ]
