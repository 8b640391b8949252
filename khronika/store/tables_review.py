"""Human decisions: reviews of items, link decisions, verification states (issue 10). Migration 0004.

Kept apart from machine output: runs and their items are never edited; a review row says what a person
decided about one item of one run. Rows are appended (history); for an item the latest row wins.
"""

from __future__ import annotations

import sqlalchemy as sa

from .schema import metadata

reviews = sa.Table(
    "reviews",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("item_id", sa.String(64), nullable=False, index=True),  # the item in run_id it applies to
    sa.Column("kind", sa.String(32), nullable=False),  # event, service, claim, ... (Item.kind)
    sa.Column("doc_id", sa.String(64), sa.ForeignKey("documents.id"), nullable=False, index=True),
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id"), nullable=False),
    sa.Column("start", sa.Integer, nullable=False),
    sa.Column("end", sa.Integer, nullable=False),
    sa.Column("decision", sa.String(16), nullable=False),  # accept | edit | reject
    sa.Column("edits", sa.JSON, nullable=False),  # corrected fields, for "edit"
    sa.Column("machine", sa.JSON, nullable=False),  # the reviewed fields as extracted, when decided
    sa.Column("reviewer", sa.String(128), nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("stale", sa.Integer, nullable=False),  # 1: a reprocess found nothing it still applies to
    sa.Column("origin_item_id", sa.String(64), nullable=False),  # the item first decided on
)

verifications = sa.Table(
    "verifications",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("incident_id", sa.String(64), nullable=False, index=True),
    sa.Column("state", sa.String(16), nullable=False),  # unverified|in_progress|verified|disputed|false
    sa.Column("reason", sa.Text),
    sa.Column("sources", sa.JSON, nullable=False),  # sources consulted, as the analyst typed them
    sa.Column("analyst", sa.String(128), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
)

link_decisions = sa.Table(
    "link_decisions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("action", sa.String(16), nullable=False),  # confirm | break | merge | split
    sa.Column("incident_id", sa.String(64), nullable=False, index=True),
    sa.Column("other_incident_id", sa.String(64)),  # merge
    sa.Column("event_ids", sa.JSON, nullable=False),  # confirm/break/split: the events acted on
    sa.Column("result", sa.JSON, nullable=False),  # incident ids after the action
    sa.Column("analyst", sa.String(128), nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("created_at", sa.String(40), nullable=False),
)
