"""Initial tables: documents, runs, items, events, observations, audit, and full-text search.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# PostgreSQL: one generated tsvector per document, stemmed by its language. The "russian"
# configuration also stems Latin-script words with the English stemmer.
_PG_TSV = """
ALTER TABLE documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
  CASE lang
    WHEN 'en' THEN setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A')
                || setweight(to_tsvector('english'::regconfig, text), 'B')
    WHEN 'ru' THEN setweight(to_tsvector('russian'::regconfig, coalesce(title, '')), 'A')
                || setweight(to_tsvector('russian'::regconfig, text), 'B')
    ELSE setweight(to_tsvector('simple'::regconfig, coalesce(title, '')), 'A')
      || setweight(to_tsvector('simple'::regconfig, text), 'B')
  END
) STORED
"""

# SQLite: an FTS5 table kept in step by triggers (documents are never updated by the store).
_SQLITE_FTS = [
    """CREATE VIRTUAL TABLE documents_fts USING fts5(
         doc_id UNINDEXED, title, text, tokenize = 'porter unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER documents_fts_ai AFTER INSERT ON documents BEGIN
         INSERT INTO documents_fts (doc_id, title, text) VALUES (new.id, coalesce(new.title, ''), new.text);
       END""",
    """CREATE TRIGGER documents_fts_ad AFTER DELETE ON documents BEGIN
         DELETE FROM documents_fts WHERE doc_id = old.id;
       END""",
    """CREATE TRIGGER documents_fts_au AFTER UPDATE OF title, text ON documents BEGIN
         DELETE FROM documents_fts WHERE doc_id = old.id;
         INSERT INTO documents_fts (doc_id, title, text) VALUES (new.id, coalesce(new.title, ''), new.text);
       END""",
]


def _id(name: str = "id", **kw: object) -> sa.Column[str]:
    return sa.Column(name, sa.String(64), **kw)  # type: ignore[arg-type]


def _run_fks(table: str) -> list[sa.ForeignKeyConstraint]:
    return [
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=f"fk_{table}_run_id_runs"),
        sa.ForeignKeyConstraint(["doc_id"], ["documents.id"], name=f"fk_{table}_doc_id_documents"),
    ]


def upgrade() -> None:
    op.create_table(
        "documents",
        _id(),
        sa.Column("sha256", sa.String(64), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
    )
    op.create_index("ix_documents_sha256", "documents", ["sha256"])

    op.create_table(
        "runs",
        _id(),
        _id("doc_id", nullable=False),
        sa.Column("pipeline", sa.JSON, nullable=False),
        sa.Column("meta", sa.JSON, nullable=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        _id("superseded_by", nullable=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
        sa.ForeignKeyConstraint(["doc_id"], ["documents.id"], name="fk_runs_doc_id_documents"),
        sa.ForeignKeyConstraint(["superseded_by"], ["runs.id"], name="fk_runs_superseded_by_runs",
                                deferrable=True, initially="DEFERRED"),
    )
    op.create_index("ix_runs_doc_id", "runs", ["doc_id"])
    op.create_index("ix_runs_current", "runs", ["doc_id"], unique=True,
                    sqlite_where=sa.text("superseded_by IS NULL"),
                    postgresql_where=sa.text("superseded_by IS NULL"))

    op.create_table(
        "items",
        _id("run_id", nullable=False),
        _id(nullable=False),
        _id("doc_id", nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("ord", sa.Integer, nullable=False),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("extractor", sa.String(128), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("evidence", sa.String(32)),
        sa.Column("data", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "id", name="pk_items"),
        *_run_fks("items"),
    )
    op.create_index("ix_items_doc_id", "items", ["doc_id"])

    op.create_table(
        "events",
        _id("run_id", nullable=False),
        _id(nullable=False),
        _id("doc_id", nullable=False),
        sa.Column("type", sa.String(128), nullable=False),
        sa.Column("subtype", sa.String(128), nullable=False),
        sa.Column("family", sa.String(32), nullable=False),
        sa.Column("date", sa.String(10)),
        sa.Column("time_text", sa.Text),
        sa.Column("time_begin", sa.String(40)),
        sa.Column("place", sa.Text),
        _id("place_id"),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("evidence", sa.String(32)),
        sa.Column("speaker", sa.Text),
        sa.Column("fatalities", sa.Integer),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("snippet", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "id", name="pk_events"),
        *_run_fks("events"),
    )
    op.create_index("ix_events_doc_id", "events", ["doc_id"])
    op.create_index("ix_events_date", "events", ["date"])

    op.create_table(
        "observations",
        _id("run_id", nullable=False),
        _id(nullable=False),
        _id("doc_id", nullable=False),
        sa.Column("service", sa.String(64), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("date", sa.String(10)),
        sa.Column("time_text", sa.Text),
        sa.Column("period_begin", sa.String(40)),
        sa.Column("period_end", sa.String(40)),
        sa.Column("place", sa.Text),
        _id("place_id"),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("evidence", sa.String(32)),
        sa.Column("speaker", sa.Text),
        sa.Column("start", sa.Integer, nullable=False),
        sa.Column("end", sa.Integer, nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("snippet", sa.Text, nullable=False),
        sa.Column("qualifiers", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("run_id", "id", name="pk_observations"),
        *_run_fks("observations"),
    )
    op.create_index("ix_observations_doc_id", "observations", ["doc_id"])
    op.create_index("ix_observations_service", "observations", ["service"])

    op.create_table(
        "audit",
        sa.Column("seq", sa.Integer, nullable=False, autoincrement=False),
        sa.Column("ts", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit"),
        sa.UniqueConstraint("prev_hash", name="uq_audit_prev_hash"),
        sa.UniqueConstraint("hash", name="uq_audit_hash"),
    )

    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(_PG_TSV)
        op.execute("CREATE INDEX ix_documents_tsv ON documents USING GIN (tsv)")
    elif dialect == "sqlite":
        for stmt in _SQLITE_FTS:
            op.execute(stmt)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("documents_fts_ai", "documents_fts_ad", "documents_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS documents_fts")
    for table in ("audit", "observations", "events", "items", "runs", "documents"):
        op.drop_table(table)
