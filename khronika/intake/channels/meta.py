"""Channel fields stored beside a document (table `channel_meta`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ...store.tables_channels import channel_meta

if TYPE_CHECKING:
    from ...store import Store


def save_meta(store: Store, doc_id: str, channel: str, meta: dict[str, Any]) -> None:
    """First write wins: a document's channel fields are as it first arrived."""
    with store.write() as conn:
        if conn.execute(sa.select(channel_meta.c.doc_id).where(channel_meta.c.doc_id == doc_id)).first():
            return
        conn.execute(sa.insert(channel_meta).values(doc_id=doc_id, channel=channel, meta=meta))


def load_meta(store: Store, doc_id: str) -> dict[str, Any]:
    with store.read() as conn:
        row = conn.execute(sa.select(channel_meta.c.meta).where(channel_meta.c.doc_id == doc_id)).first()
    return dict(row.meta) if row else {}
