"""Table definitions the store queries against (SQLAlchemy Core).

The migrations in `migrations/versions/` create these tables; they are written out by hand there so a
migration never changes when this file does. `tests/test_store.py` checks the two agree.

Conventions, chosen so that the audit digest reads back byte-identical on SQLite and PostgreSQL:
- timestamps and dates are ISO-8601 text (UTC timestamps end in "Z"), never engine datetime types;
- numbers are Integer or Float (double precision on PostgreSQL);
- JSON columns hold only what is displayed whole (item data, pipeline, qualifiers).

Full-text search objects (an FTS5 table on SQLite, a generated tsvector column on PostgreSQL) live only
in the migration: they are engine-specific and never part of a digest.
"""

from __future__ import annotations

import sqlalchemy as sa

# Fixed constraint names, so the hand-written migration and this file name things alike.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = sa.MetaData(naming_convention=NAMING)

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("sha256", sa.String(64), nullable=False, index=True),
    sa.Column("raw", sa.LargeBinary, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("lang", sa.String(16), nullable=False),
    sa.Column("lang_confidence", sa.Float, nullable=False),
    sa.Column("published", sa.String(40)),
    sa.Column("tz", sa.String(64), nullable=False),
    sa.Column("title", sa.Text),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("source", sa.Text),
    sa.Column("sender", sa.Text),
    sa.Column("message_id", sa.Text),
    sa.Column("filename", sa.Text),
    sa.Column("received_at", sa.String(40)),
    sa.Column("created_at", sa.String(40), nullable=False),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("doc_id", sa.String(64), sa.ForeignKey("documents.id"), nullable=False, index=True),
    sa.Column("pipeline", sa.JSON, nullable=False),
    # The metadata this run was made with (published, lang, tz): a reprocess after a change of
    # metadata records the new values here, while the document row stays as first stored.
    sa.Column("meta", sa.JSON, nullable=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    # Deferred so a reprocess can point the old run at the new one before inserting it, which keeps
    # "one current run per document" (the partial unique index below) true at every statement.
    sa.Column(
        "superseded_by",
        sa.String(64),
        sa.ForeignKey("runs.id", deferrable=True, initially="DEFERRED"),
        nullable=True,
    ),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Index(
        "ix_runs_current",
        "doc_id",
        unique=True,
        sqlite_where=sa.text("superseded_by IS NULL"),
        postgresql_where=sa.text("superseded_by IS NULL"),
    ),
)

items = sa.Table(
    "items",
    metadata,
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id"), primary_key=True),
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("doc_id", sa.String(64), sa.ForeignKey("documents.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("ord", sa.Integer, nullable=False),  # position within its layer, so a load keeps order
    sa.Column("start", sa.Integer, nullable=False),
    sa.Column("end", sa.Integer, nullable=False),
    sa.Column("extractor", sa.String(128), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("evidence", sa.String(32)),
    sa.Column("data", sa.JSON, nullable=False),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id"), primary_key=True),
    sa.Column("id", sa.String(64), primary_key=True),  # the Event item id
    sa.Column("doc_id", sa.String(64), sa.ForeignKey("documents.id"), nullable=False, index=True),
    sa.Column("type", sa.String(128), nullable=False),
    sa.Column("subtype", sa.String(128), nullable=False),
    sa.Column("family", sa.String(32), nullable=False),
    sa.Column("date", sa.String(10), index=True),  # local day YYYY-MM-DD
    sa.Column("time_text", sa.Text),
    sa.Column("time_begin", sa.String(40)),
    sa.Column("place", sa.Text),
    sa.Column("place_id", sa.String(64)),
    sa.Column("lat", sa.Float),
    sa.Column("lon", sa.Float),
    sa.Column("evidence", sa.String(32)),
    sa.Column("speaker", sa.Text),
    sa.Column("fatalities", sa.Integer),
    sa.Column("start", sa.Integer, nullable=False),
    sa.Column("end", sa.Integer, nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("snippet", sa.Text, nullable=False),
)

observations = sa.Table(
    "observations",
    metadata,
    sa.Column("run_id", sa.String(64), sa.ForeignKey("runs.id"), primary_key=True),
    sa.Column("id", sa.String(64), primary_key=True),  # the ServiceObservation item id
    sa.Column("doc_id", sa.String(64), sa.ForeignKey("documents.id"), nullable=False, index=True),
    sa.Column("service", sa.String(64), nullable=False, index=True),
    sa.Column("state", sa.String(32), nullable=False),
    sa.Column("date", sa.String(10)),  # local day of period_begin
    sa.Column("time_text", sa.Text),
    # The period the observation speaks about, UTC: from its TimeRef, else the day the document was
    # published. The board compares these to find the latest state and conflicting reports.
    sa.Column("period_begin", sa.String(40)),
    sa.Column("period_end", sa.String(40)),
    sa.Column("place", sa.Text),
    sa.Column("place_id", sa.String(64)),
    sa.Column("lat", sa.Float),
    sa.Column("lon", sa.Float),
    sa.Column("evidence", sa.String(32)),
    sa.Column("speaker", sa.Text),
    sa.Column("start", sa.Integer, nullable=False),
    sa.Column("end", sa.Integer, nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("snippet", sa.Text, nullable=False),
    sa.Column("qualifiers", sa.JSON, nullable=False),
)

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("ts", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),  # canonical JSON text, hashed as stored
    # Unique: two entries can never claim the same predecessor, so the chain cannot fork.
    sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("hash", sa.String(64), nullable=False, unique=True),
)

# Tables whose rows a run owns; their canonical rows make up the run digest.
RUN_TABLES: tuple[sa.Table, ...] = (items, events, observations)

# -- linking (migration 0002): incidents over events, narratives over claims --------------------------

# One row per linked event: the record linking compares (JSON, written once) and its current incident.
link_events = sa.Table(
    "link_events",
    metadata,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("doc_id", sa.String(64), sa.ForeignKey("documents.id"), nullable=False, index=True),
    sa.Column("incident_id", sa.String(64), nullable=False, index=True),
    sa.Column("start", sa.Integer, nullable=False),
    sa.Column("end", sa.Integer, nullable=False),
    sa.Column("day", sa.String(10)),
    sa.Column("record", sa.JSON, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
)

# Blocking keys each linked event emits (see khronika/link/blocking.py): the read-only index.
link_keys = sa.Table(
    "link_keys",
    metadata,
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("event_id", sa.String(64), primary_key=True),
)

incidents = sa.Table(
    "incidents",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("type", sa.String(128), nullable=False),
    sa.Column("subtype", sa.String(128), nullable=False),
    sa.Column("family", sa.String(32), nullable=False),
    sa.Column("first_day", sa.String(10), index=True),
    sa.Column("last_day", sa.String(10)),
    sa.Column("place", sa.Text),
    sa.Column("lat", sa.Float),
    sa.Column("lon", sa.Float),
    sa.Column("n_members", sa.Integer, nullable=False),
    sa.Column("n_documents", sa.Integer, nullable=False),
    sa.Column("n_sources", sa.Integer, nullable=False),
    sa.Column("best_evidence", sa.String(32)),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("summary", sa.JSON, nullable=False),  # sources, contradictions, members: displayed whole
    sa.Column("updated_at", sa.String(40), nullable=False),
)

# Every version of every incident, including those a merge retired: the history of linking.
incident_members = sa.Table(
    "incident_members",
    metadata,
    sa.Column("incident_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("members", sa.JSON, nullable=False),  # event ids
    sa.Column("replaces", sa.JSON, nullable=False),  # incident ids merged into this version
    sa.Column("reason", sa.String(32), nullable=False),  # created, grown, merged, split, retired
    sa.Column("doc_id", sa.String(64)),  # the document whose linking made this version
    sa.Column("created_at", sa.String(40), nullable=False),
)

incident_links = sa.Table(
    "incident_links",
    metadata,
    sa.Column("a_event", sa.String(64), primary_key=True),
    sa.Column("b_event", sa.String(64), primary_key=True),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # confirmed | suggested | rejected (by an analyst)
    sa.Column("detail", sa.JSON, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    # Linking asks "has anyone broken a link?" and "which broken pairs touch these events?" (0007).
    sa.Index("ix_incident_links_status", "status"),
    sa.Index("ix_incident_links_b_event", "b_event"),
)

narratives = sa.Table(
    "narratives",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("topic", sa.String(64), nullable=False, index=True),  # "" when the claims have none
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("n_claims", sa.Integer, nullable=False),
    sa.Column("n_sources", sa.Integer, nullable=False),
    sa.Column("summary", sa.JSON, nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
)

narrative_claims = sa.Table(
    "narrative_claims",
    metadata,
    sa.Column("claim_id", sa.String(64), primary_key=True),
    sa.Column("doc_id", sa.String(64), sa.ForeignKey("documents.id"), nullable=False, index=True),
    sa.Column("topic", sa.String(64), nullable=False, index=True),
    sa.Column("narrative_id", sa.String(64), nullable=False, index=True),
    sa.Column("record", sa.JSON, nullable=False),
)


# Tables added by later migrations live in modules of their own; importing them here registers them on
# `metadata`, so every user of this module sees the whole schema.
from . import tables_accounts, tables_channels, tables_review  # noqa: E402, F401

# Migration 0006: indexes for the workbench map (see khronika/web/mapdata.py).
sa.Index("ix_events_map", events.c.lat, events.c.lon, events.c.date, events.c.type, events.c.evidence,
         events.c.run_id)
sa.Index("ix_runs_superseded_by", runs.c.superseded_by)
# Migration 0008: the document list's newest-first page, and the superseded runs alone (khronika/web).
sa.Index("ix_documents_newest", documents.c.created_at.desc(), documents.c.id)
sa.Index("ix_runs_superseded", runs.c.id, sqlite_where=runs.c.superseded_by.is_not(None),
         postgresql_where=runs.c.superseded_by.is_not(None))
