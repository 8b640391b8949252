"""Alembic environment, driven from code (khronika.store.store.migrate); no alembic.ini needed.

The store passes its own connection in `config.attributes["connection"]`. The whole upgrade runs in
one transaction that first takes the writers' lock (BEGIN IMMEDIATE on SQLite through the store's
engine, an advisory lock on PostgreSQL), so two processes opening a fresh database at once migrate
it once.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context
from sqlalchemy.engine import Connection

from khronika.store.audit import MIGRATION_LOCK_KEY
from khronika.store.schema import metadata

config = context.config


def _include(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    # Full-text objects are engine-specific and made by raw SQL in the migrations.
    return not (name or "").startswith(("documents_fts", "tsv", "ix_documents_tsv"))


def _run(connection: Connection) -> None:
    with connection.begin():
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        context.configure(
            connection=connection,
            target_metadata=metadata,
            include_object=_include,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set config.attributes['connection'] or sqlalchemy.url")
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata,
                      literal_binds=True, include_object=_include)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
