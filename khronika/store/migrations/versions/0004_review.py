"""Reviews, link decisions, verification.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id(name: str = "id", **kw: object) -> sa.Column[str]:
    return sa.Column(name, sa.String(64), **kw)  # type: ignore[arg-type]


def upgrade() -> None:
    op.create_table(
        "reviews",
        _id(nullable=False),
        _id("item_id", nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        _id("doc_id", nullable=False),
        _id("run_id", nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("edits", sa.JSON, nullable=False),
        sa.Column("machine", sa.JSON, nullable=False),
        sa.Column("reviewer", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("stale", sa.Integer, nullable=False),
        _id("origin_item_id", nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reviews"),
        sa.ForeignKeyConstraint(["doc_id"], ["documents.id"], name="fk_reviews_doc_id_documents"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name="fk_reviews_run_id_runs"),
    )
    op.create_index("ix_reviews_item_id", "reviews", ["item_id"])
    op.create_index("ix_reviews_doc_id", "reviews", ["doc_id"])

    op.create_table(
        "verifications",
        _id(nullable=False),
        _id("incident_id", nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("sources", sa.JSON, nullable=False),
        sa.Column("analyst", sa.String(128), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_verifications"),
    )
    op.create_index("ix_verifications_incident_id", "verifications", ["incident_id"])

    op.create_table(
        "link_decisions",
        _id(nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        _id("incident_id", nullable=False),
        _id("other_incident_id"),
        sa.Column("event_ids", sa.JSON, nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
        sa.Column("analyst", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_link_decisions"),
    )
    op.create_index("ix_link_decisions_incident_id", "link_decisions", ["incident_id"])


def downgrade() -> None:
    op.drop_table("link_decisions")
    op.drop_table("verifications")
    op.drop_table("reviews")
