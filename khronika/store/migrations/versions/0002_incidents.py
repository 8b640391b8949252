"""Linking: link_events, link_keys, incidents, incident_members (versions), incident_links, narratives,
narrative_claims.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id(name: str = "id", **kw: object) -> sa.Column[str]:
    return sa.Column(name, sa.String(64), **kw)  # type: ignore[arg-type]


def upgrade() -> None:
    op.create_table(
        "link_events",
        _id("event_id", nullable=False),
        _id("doc_id", nullable=False),
        _id("incident_id", nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("day", sa.String(10)),
        sa.Column("record", sa.JSON, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_link_events"),
        sa.ForeignKeyConstraint(["doc_id"], ["documents.id"], name="fk_link_events_doc_id_documents"),
    )
    op.create_index("ix_link_events_doc_id", "link_events", ["doc_id"])
    op.create_index("ix_link_events_incident_id", "link_events", ["incident_id"])

    op.create_table(
        "link_keys",
        sa.Column("key", sa.String(255), nullable=False),
        _id("event_id", nullable=False),
        sa.PrimaryKeyConstraint("key", "event_id", name="pk_link_keys"),
    )

    op.create_table(
        "incidents",
        _id(nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("type", sa.String(128), nullable=False),
        sa.Column("subtype", sa.String(128), nullable=False),
        sa.Column("family", sa.String(32), nullable=False),
        sa.Column("first_day", sa.String(10)),
        sa.Column("last_day", sa.String(10)),
        sa.Column("place", sa.Text),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("n_members", sa.Integer, nullable=False),
        sa.Column("n_documents", sa.Integer, nullable=False),
        sa.Column("n_sources", sa.Integer, nullable=False),
        sa.Column("best_evidence", sa.String(32)),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("summary", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
    )
    op.create_index("ix_incidents_first_day", "incidents", ["first_day"])

    op.create_table(
        "incident_members",
        _id("incident_id", nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("members", sa.JSON, nullable=False),
        sa.Column("replaces", sa.JSON, nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        _id("doc_id"),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("incident_id", "version", name="pk_incident_members"),
    )

    op.create_table(
        "incident_links",
        _id("a_event", nullable=False),
        _id("b_event", nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("a_event", "b_event", name="pk_incident_links"),
    )

    op.create_table(
        "narratives",
        _id(nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("n_claims", sa.Integer, nullable=False),
        sa.Column("n_sources", sa.Integer, nullable=False),
        sa.Column("summary", sa.JSON, nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_narratives"),
    )
    op.create_index("ix_narratives_topic", "narratives", ["topic"])

    op.create_table(
        "narrative_claims",
        _id("claim_id", nullable=False),
        _id("doc_id", nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        _id("narrative_id", nullable=False),
        sa.Column("record", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("claim_id", name="pk_narrative_claims"),
        sa.ForeignKeyConstraint(["doc_id"], ["documents.id"], name="fk_narrative_claims_doc_id_documents"),
    )
    op.create_index("ix_narrative_claims_doc_id", "narrative_claims", ["doc_id"])
    op.create_index("ix_narrative_claims_topic", "narrative_claims", ["topic"])
    op.create_index("ix_narrative_claims_narrative_id", "narrative_claims", ["narrative_id"])


def downgrade() -> None:
    for table in (
        "narrative_claims",
        "narratives",
        "incident_links",
        "incident_members",
        "incidents",
        "link_keys",
        "link_events",
    ):
        op.drop_table(table)
