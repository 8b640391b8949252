"""Intake channels: attachments and gateway message ids (issue 11). Migration 0005.

Attachment bytes live in the database (one `LargeBinary` row per SHA-256): SQLite and PostgreSQL alike,
one backup, no folder to keep in step. A document links to attachments through `attachment_links`, so one
photo forwarded by three channels is stored once.
"""

from __future__ import annotations

import sqlalchemy as sa

from .schema import metadata

attachments = sa.Table(
    "attachments",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("mime", sa.String(128), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("meta", sa.JSON, nullable=True),  # embedded time, GPS, camera, video duration...
    sa.Column("created_at", sa.String(40), nullable=False),
)

attachment_links = sa.Table(
    "attachment_links",
    metadata,
    sa.Column("sha256", sa.String(64), sa.ForeignKey("attachments.sha256"), primary_key=True),
    sa.Column("doc_id", sa.String(64), sa.ForeignKey("documents.id"), primary_key=True),
    sa.Column("name", sa.Text),  # the file name as the channel gave it (a path inside an export)
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Index("ix_attachment_links_doc_id", "doc_id"),
)

# Channel fields with no column on `documents` (forwarded from, reply to, e-mail subject...).
channel_meta = sa.Table(
    "channel_meta",
    metadata,
    sa.Column("doc_id", sa.String(64), sa.ForeignKey("documents.id"), primary_key=True),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("meta", sa.JSON, nullable=False),
)

# One row per message a gateway delivered: a retried delivery finds its row and stores nothing.
gateway_messages = sa.Table(
    "gateway_messages",
    metadata,
    sa.Column("gateway", sa.String(64), primary_key=True),
    sa.Column("message_id", sa.String(255), primary_key=True),
    sa.Column("doc_id", sa.String(64), nullable=True),
    sa.Column("received_at", sa.String(40), nullable=False),
)
