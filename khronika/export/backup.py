"""The full JSONL backup and its import: every table of the schema, generically, except accounts and
the audit chain (users and the chain belong to the store they were made in).

File layout, one JSON object per line:
    {"format": "khronika-backup", "version": 1, "tables": [...], "audit_head": [seq, hash], ...}
    {"table": "documents", "row": {...}}          bytes as base64 text, JSON columns as JSON
    ...
    {"end": true, "rows": {"documents": 3, ...}}  a truncated file lacks it and is refused

Tables come in foreign-key order, so an import inserts them in file order. The import re-seals every
imported run into the new store's audit chain (the digests are recomputed from the imported rows by
`audit verify`, so a backup edited in transit does not verify) and ends with one "import" entry.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import InputError, StoreError
from ..store import audit as audit_mod
from ..store import tables_accounts
from ..store.schema import audit, metadata, runs
from .queries import stream

if TYPE_CHECKING:
    from ..store.store import Store

FORMAT = "khronika-backup"
VERSION = 1
INSERT_BATCH = 500
MAX_LINE = 64 * 1024 * 1024  # a document's bytes, base64, fit well under this


def excluded_tables() -> set[str]:
    """Accounts (users, tokens, sessions, settings, seals) and the audit chain never travel."""
    names = {t.name for t in vars(tables_accounts).values() if isinstance(t, sa.Table)}
    return names | {audit.name}


def backup_tables() -> list[sa.Table]:
    skip = excluded_tables()
    return [t for t in metadata.sorted_tables if t.name not in skip]


def _encode(table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in row.items():
        binary = isinstance(table.c[k].type, sa.LargeBinary) and v is not None
        out[k] = base64.b64encode(bytes(v)).decode("ascii") if binary else v
    return out


def _decode(table: sa.Table, row: dict[str, Any], lineno: int) -> dict[str, Any]:
    out = {}
    for k, v in row.items():
        if k not in table.c:
            raise InputError(f"line {lineno}: table {table.name} has no column {k!r}")
        if isinstance(table.c[k].type, sa.LargeBinary) and v is not None:
            if not isinstance(v, str):
                raise InputError(f"line {lineno}: column {table.name}.{k} must be base64 text")
            try:
                v = base64.b64decode(v.encode("ascii"), validate=True)
            except (ValueError, UnicodeEncodeError) as e:
                raise InputError(f"line {lineno}: column {table.name}.{k} is not valid base64") from e
        out[k] = v
    for col in table.c:  # every row carries every column, so one batch is one statement
        if col.name not in out:
            if not col.nullable and col.default is None and col.server_default is None:
                raise InputError(f"line {lineno}: a row of table {table.name} lacks column {col.name!r}")
            out[col.name] = None
    return out


def _line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, allow_nan=False) + "\n"


def schema_revision(conn: Connection) -> str | None:
    """The store's Alembic revision: a backup only fits a store whose tables have the same columns."""
    try:
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.DBAPIError:
        return None


def dump(store: Store) -> Iterator[str]:
    """The backup, line by line (rows stream from the database a batch at a time)."""
    tables = backup_tables()
    head = store.audit_head()
    with store.read() as conn:
        revision = schema_revision(conn)
    yield _line(
        {
            "format": FORMAT,
            "version": VERSION,
            "schema_revision": revision,
            "created_at": audit_mod.utc_now(),
            "dialect": store.dialect,
            "tables": [t.name for t in tables],
            "audit_head": list(head) if head else None,
        }
    )
    counts: dict[str, int] = {}
    for t in tables:
        n = 0
        for row in stream(store, sa.select(t).order_by(*t.primary_key.columns)):
            yield _line({"table": t.name, "row": _encode(t, row)})
            n += 1
        counts[t.name] = n
    yield _line({"end": True, "rows": counts})


# -- import ----------------------------------------------------------------------------------------


def _parse(lineno: int, line: str) -> dict[str, Any]:
    if len(line) > MAX_LINE:
        raise InputError(f"line {lineno}: longer than {MAX_LINE} characters")
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise InputError(f"line {lineno}: not JSON ({e.msg})") from e
    except ValueError as e:  # e.g. an integer too long to convert
        raise InputError(f"line {lineno}: not JSON ({e})") from e
    if not isinstance(obj, dict):
        raise InputError(f"line {lineno}: expected a JSON object")
    return obj


def _check_header(obj: dict[str, Any]) -> dict[str, Any]:
    if obj.get("format") != FORMAT:
        raise InputError(f"line 1: not a Khronika backup (no \"format\": \"{FORMAT}\")")
    if obj.get("version") != VERSION:
        raise InputError(f"line 1: backup version {obj.get('version')!r} is not {VERSION}")
    tables = obj.get("tables")
    if not isinstance(tables, list) or not all(isinstance(t, str) for t in tables):
        raise InputError("line 1: \"tables\" must be a list of table names")
    return obj


def _check_revision(header: dict[str, Any], ours: str | None) -> None:
    theirs = header.get("schema_revision")
    if theirs is not None and ours is not None and theirs != ours:
        raise InputError(
            f"the backup was made at schema revision {theirs!r}, this store is at {ours!r}: "
            "import it into a store of the same Khronika version"
        )


def _check_empty(conn: Connection, tables: Iterable[sa.Table]) -> None:
    for t in tables:
        if conn.execute(sa.select(sa.literal(1)).select_from(t).limit(1)).first() is not None:
            raise StoreError(f"import needs an empty store: table {t.name} has rows")


class _Importer:
    """Reads lines, checks each, inserts in batches inside the caller's transaction."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.known = {t.name: t for t in backup_tables()}
        self.table: sa.Table | None = None
        self.batch: list[dict[str, Any]] = []
        self.counts: dict[str, int] = {}
        self.footer: dict[str, Any] | None = None

    def row(self, lineno: int, obj: dict[str, Any]) -> None:
        if self.footer is not None:
            raise InputError(f"line {lineno}: data after the end line")
        if obj.get("end") is True:
            rows = obj.get("rows")
            if not isinstance(rows, dict):
                raise InputError(f"line {lineno}: the end line must carry row counts")
            self.footer = rows
            return
        name, row = obj.get("table"), obj.get("row")
        if not isinstance(name, str) or not isinstance(row, dict):
            raise InputError(f'line {lineno}: expected {{"table": ..., "row": {{...}}}}')
        table = self.known.get(name)
        if table is None:
            raise InputError(f"line {lineno}: table {name!r} cannot be imported")
        if table is not self.table:  # file order is foreign-key order: a table's rows come together
            self.flush()
            self.table = table
        self.batch.append(_decode(table, row, lineno))
        self.counts[name] = self.counts.get(name, 0) + 1
        if len(self.batch) >= INSERT_BATCH:
            self.flush()

    def flush(self) -> None:
        if self.table is None or not self.batch:
            return
        try:
            self.conn.execute(sa.insert(self.table), self.batch)
        except sa.exc.StatementError as e:
            first = str(e.orig or e).strip().splitlines()[0] if str(e.orig or e).strip() else type(e).__name__
            raise InputError(f"rows of table {self.table.name} do not fit the schema: {first}") from e
        self.batch = []

    def finish(self) -> None:
        self.flush()
        if self.footer is None:
            raise InputError("the backup ends without its end line (truncated?)")
        want = {k: v for k, v in self.footer.items() if v}
        if want != {k: v for k, v in self.counts.items() if v}:
            raise InputError("row counts differ from the backup's end line (truncated or edited)")


def _seal_runs(conn: Connection) -> int:
    """Append a "run" entry for every imported run, oldest first, as `Store.save` would have."""
    rows = conn.execute(sa.select(runs).order_by(runs.c.created_at, runs.c.id)).all()
    predecessor = {r.superseded_by: r.id for r in rows if r.superseded_by}
    for r in rows:
        n_items = len(audit_mod.run_rows(conn, r.id).get("items", []))
        audit_mod.append_entry(
            conn,
            "run",
            {
                "doc_id": r.doc_id,
                "run_id": r.id,
                "pipeline": r.pipeline,
                "meta": r.meta,
                "digest": r.digest,
                "doc_digest": audit_mod.read_document_digest(conn, r.doc_id),
                "supersedes": predecessor.get(r.id),
                "n_items": n_items,
                "imported": True,
            },
        )
    return len(rows)


def load(store: Store, lines: Iterable[str], *, source: str, actor: str) -> dict[str, int]:
    """Import a backup into an empty store, in one transaction: all or nothing. Returns row counts."""
    digest = hashlib.sha256()
    it = iter(lines)
    first = next(it, None)
    if first is None or not first.strip():
        raise InputError("empty file: not a Khronika backup", path=source)
    digest.update(first.encode("utf-8"))
    try:
        header = _check_header(_parse(1, first))
        with store.write() as conn:
            _check_revision(header, schema_revision(conn))
            _check_empty(conn, backup_tables())
            imp = _Importer(conn)
            for lineno, line in enumerate(it, start=2):
                digest.update(line.encode("utf-8"))
                if line.strip():
                    imp.row(lineno, _parse(lineno, line))
            imp.finish()
            sealed = _seal_runs(conn)
            audit_mod.append_entry(
                conn,
                "import",
                {
                    "actor": actor,
                    "file": source,
                    "sha256": digest.hexdigest(),
                    "rows": imp.counts,
                    "runs_sealed": sealed,
                    "source_audit_head": header.get("audit_head"),
                    "source_created_at": header.get("created_at"),
                },
            )
    except InputError as e:
        raise InputError(e.reason, path=source) from e
    return imp.counts

