"""Indexes for the workbench's document list and its "current run" checks (bench/web.py).

- documents (created_at DESC, id): the list shows the newest documents first, a page at a time; with
  this index the database reads the page instead of sorting every document;
- runs (id) WHERE superseded_by IS NOT NULL: the map and the counts keep rows "not in a superseded
  run"; this small partial index holds only superseded runs (a reprocess makes one), so that set is
  read without scanning every run (SQLite, which keeps no statistics, would otherwise scan).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_documents_newest", "documents", [sa.text("created_at DESC"), "id"])
    op.create_index("ix_runs_superseded", "runs", ["id"],
                    sqlite_where=sa.text("superseded_by IS NOT NULL"),
                    postgresql_where=sa.text("superseded_by IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_runs_superseded", table_name="runs")
    op.drop_index("ix_documents_newest", table_name="documents")
