"""Indexes for the workbench's map queries (bench/web.py).

- events (lat, lon, date, type, evidence, run_id): a box on the map is a range on lat then lon, and the
  filters and the current-run check read the rest from the index, never the rows (which hold snippets);
- runs (superseded_by): the map checks "not in a superseded run" against this small set.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_events_map", "events", ["lat", "lon", "date", "type", "evidence", "run_id"])
    op.create_index("ix_runs_superseded_by", "runs", ["superseded_by"])


def downgrade() -> None:
    op.drop_index("ix_runs_superseded_by", table_name="runs")
    op.drop_index("ix_events_map", table_name="events")
