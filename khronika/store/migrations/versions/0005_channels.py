"""Attachments and gateway message ids.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("mime", sa.String(128), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("meta", sa.JSON, nullable=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_attachments"),
    )
    op.create_table(
        "attachment_links",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("doc_id", sa.String(64), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("sha256", "doc_id", name="pk_attachment_links"),
        sa.ForeignKeyConstraint(
            ["sha256"], ["attachments.sha256"], name="fk_attachment_links_sha256_attachments"
        ),
        sa.ForeignKeyConstraint(["doc_id"], ["documents.id"], name="fk_attachment_links_doc_id_documents"),
    )
    op.create_index("ix_attachment_links_doc_id", "attachment_links", ["doc_id"])
    op.create_table(
        "channel_meta",
        sa.Column("doc_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("meta", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("doc_id", name="pk_channel_meta"),
        sa.ForeignKeyConstraint(["doc_id"], ["documents.id"], name="fk_channel_meta_doc_id_documents"),
    )
    op.create_table(
        "gateway_messages",
        sa.Column("gateway", sa.String(64), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column("doc_id", sa.String(64), nullable=True),
        sa.Column("received_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("gateway", "message_id", name="pk_gateway_messages"),
    )


def downgrade() -> None:
    op.drop_table("gateway_messages")
    op.drop_table("channel_meta")
    op.drop_index("ix_attachment_links_doc_id", table_name="attachment_links")
    op.drop_table("attachment_links")
    op.drop_table("attachments")
