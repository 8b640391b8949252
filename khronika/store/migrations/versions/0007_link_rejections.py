"""Indexes for links an analyst broke apart: linking checks them before it joins incidents.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_incident_links_status", "incident_links", ["status"])
    op.create_index("ix_incident_links_b_event", "incident_links", ["b_event"])


def downgrade() -> None:
    op.drop_index("ix_incident_links_b_event", table_name="incident_links")
    op.drop_index("ix_incident_links_status", table_name="incident_links")
