"""`Store`: documents, runs of the pipeline over them, query tables and the audit trail, in SQL.

One code path for SQLite and PostgreSQL (SQLAlchemy Core). Each `save` is one transaction: the
document row (original bytes and their sha256) if new, a run holding every item of every layer,
the query rows derived from them (events, observations) and a "run" audit entry with a digest of
those rows. A document is immutable; a reprocess adds a run and points the old one at it.
"""

from __future__ import annotations

import math
import os
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.pool import StaticPool

from .. import board as board_mod  # the board's rules live there, as pure functions
from ..errors import AuditError, StoreError
from ..model import (
    LAYERS,
    Actor,
    Document,
    Event,
    Item,
    PlaceRef,
    Provenance,
    Statement,
    Testimony,
    TimeRef,
)
from ..register import VictimRow
from . import audit as audit_mod
from . import crypto
from .audit import VerifyResult
from .schema import audit, documents, events, items, observations, runs

DEFAULT_URL = "sqlite:///khronika.db"
SNIPPET_MAX = 400
_KIND_LAYER = {cls.kind: layer for layer, cls in LAYERS.items()}
_LAYER_ORDER = {layer: i for i, layer in enumerate(LAYERS)}


@dataclass(frozen=True)
class SaveResult:
    doc_id: str
    run_id: str
    created: bool  # the document row was new
    superseded: str | None  # the run this save replaced, on reprocess


# -- engine ------------------------------------------------------------------------------------------


def resolve_url(url: str | None) -> str:
    """url -> env KHRONIKA_DB -> sqlite:///khronika.db; bare postgresql:// means psycopg 3."""
    url = url or os.environ.get("KHRONIKA_DB") or DEFAULT_URL
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            return "postgresql+psycopg://" + url[len(bare) :]
    return url


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" hook emit BEGIN itself, so writers can ask for BEGIN IMMEDIATE.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")  # safe with WAL: a crash loses at most the last commit
    cur.close()


def _sqlite_on_begin(conn: Connection) -> None:
    # Writers take the write lock at BEGIN: no read-then-upgrade deadlocks, and audit appends are
    # serialised (the chain head read inside the transaction is the head the append builds on).
    immediate = conn.get_execution_options().get("khronika_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, passphrase: str | None = None) -> Engine:
    """An engine for `url`; a SQLite file is opened with SQLCipher when a passphrase is given."""
    u = make_url(url)
    if u.get_backend_name() != "sqlite":
        return sa.create_engine(u, pool_pre_ping=True)
    memory = u.database in (None, "", ":memory:")
    kw: dict[str, Any] = {"connect_args": {"timeout": 30, "check_same_thread": False}}
    if memory:
        kw["poolclass"] = StaticPool  # one shared connection, else every checkout is a new empty db
    elif u.database:
        Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    path = crypto.sqlite_path(u)
    if passphrase and path is not None:
        # The key goes through the connection factory, never into the URL (which logs and `ps` show).
        kw = {"module": crypto.dbapi_module(), "creator": crypto.connector(path, passphrase)}
    engine = sa.create_engine(u, **kw)
    sa.event.listen(engine, "connect", _sqlite_on_connect)
    sa.event.listen(engine, "begin", _sqlite_on_begin)
    return engine


# Alembic keeps its migration context in module globals (alembic.context, alembic.op): two threads
# opening stores at once must not migrate at the same time. Across processes, env.py's lock serialises.
_MIGRATE_LOCK = threading.Lock()


def migrate(engine: Engine, revision: str = "head") -> None:
    """`alembic upgrade <revision>` on this engine, configured from code."""
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with _MIGRATE_LOCK, engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


# -- time helpers ------------------------------------------------------------------------------------


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _fmt(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc(value: str | None, tz: str | None = "UTC") -> str | None:
    """An ISO date/datetime as a fixed-width UTC string (naive values are in `tz`); None if unparsable."""
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_zone(tz))
    return _fmt(dt)


def _local_day(utc_value: str | None, tz: str) -> str | None:
    if utc_value is None:
        return None
    return datetime.fromisoformat(utc_value).astimezone(_zone(tz)).date().isoformat()


def _day_period(doc: Document) -> tuple[str | None, str | None]:
    """The local day the document was published, as a UTC interval."""
    try:
        day = doc.published_date()
    except ValueError:
        return None, None
    if day is None:
        return None, None
    start = datetime.combine(day, dtime(), _zone(doc.tz))
    return _fmt(start), _fmt(start + timedelta(days=1))


def _cutoff(at: str, tz: str) -> str:
    """The last instant `at` covers, as a UTC string; a bare date covers the whole local day."""
    at = at.strip()
    if len(at) == 10:
        try:
            start = datetime.combine(datetime.fromisoformat(at).date(), dtime(), _zone(tz))
        except ValueError as e:
            raise StoreError(f"cannot read {at!r} as an ISO date") from e
        return _fmt(start + timedelta(days=1) - timedelta(seconds=1))
    out = _utc(at, tz)
    if out is None:
        raise StoreError(f"cannot read {at!r} as an ISO date or datetime")
    return out


# -- rows from a document ----------------------------------------------------------------------------


class _Rows:
    """Derives the rows one run writes from a Document (all values normalised for the digest)."""

    def __init__(self, doc: Document, run_id: str) -> None:
        self.doc = doc
        self.run_id = run_id
        self.by_id: dict[str, Item] = {it.id: it for it in doc.items()}

    def get(self, item_id: str | None, cls: type[Any]) -> Any:
        it = self.by_id.get(item_id or "")
        return it if isinstance(it, cls) else None

    def speaker(self, statement_id: str | None) -> str | None:
        st = self.get(statement_id, Statement)
        t = self.get(st.testimony_id, Testimony) if st else None
        return t.speaker if t else None

    def snippet(self, item: Item, statement_id: str | None) -> str:
        st = self.get(statement_id, Statement)
        text = self.doc.span_text(st if st else item).strip()
        return text if len(text) <= SNIPPET_MAX else text[: SNIPPET_MAX - 1] + "…"

    def evidence(self, evidence: str | None, statement_id: str | None) -> str | None:
        st = self.get(statement_id, Statement)
        return evidence or (st.evidence if st else None)

    def place(self, place_id: str | None, location: dict[str, Any] | None) -> dict[str, Any]:
        p = self.get(place_id, PlaceRef)
        loc = location or {}
        return {
            "place": loc.get("name") or (p.name or p.text if p else None),
            "place_id": place_id if p else loc.get("place_id"),
            "lat": loc.get("lat") if loc.get("lat") is not None else (p.lat if p else None),
            "lon": loc.get("lon") if loc.get("lon") is not None else (p.lon if p else None),
        }

    def item_rows(self) -> list[dict[str, Any]]:
        out = []
        for layer in LAYERS:
            for i, it in enumerate(getattr(self.doc, layer)):
                out.append(
                    audit_mod.norm_row(
                        items,
                        {
                            "run_id": self.run_id,
                            "id": it.id,
                            "doc_id": self.doc.id,
                            "kind": it.kind,
                            "ord": i,
                            "start": it.start,
                            "end": it.end,
                            "extractor": it.extractor,
                            "confidence": it.confidence,
                            "evidence": getattr(it, "evidence", None),
                            "data": it.to_json(),
                        },
                    )
                )
        return out

    def event_rows(self) -> list[dict[str, Any]]:
        out = []
        for ev in self.doc.events:
            tr = self.get(ev.time_id, TimeRef)
            out.append(
                audit_mod.norm_row(
                    events,
                    {
                        "run_id": self.run_id,
                        "id": ev.id,
                        "doc_id": self.doc.id,
                        "type": ev.type,
                        "subtype": ev.subtype,
                        "family": ev.family,
                        "date": ev.date,
                        "time_text": tr.text if tr else None,
                        "time_begin": _utc(tr.begin) if tr else None,
                        **self.place(ev.place_id, ev.location),
                        "evidence": self.evidence(ev.evidence, ev.statement_id),
                        "speaker": self.speaker(ev.statement_id),
                        "fatalities": ev.fatalities,
                        "start": ev.start,
                        "end": ev.end,
                        "confidence": ev.confidence,
                        "snippet": self.snippet(ev, ev.statement_id),
                    },
                )
            )
        return out

    def observation_rows(self) -> list[dict[str, Any]]:
        out = []
        for ob in self.doc.services:
            tr = self.get(ob.time_id, TimeRef)
            begin = _utc(tr.begin) if tr else None
            if begin is not None:
                end = _utc(tr.until) if tr and tr.until else begin
            else:
                begin, end = _day_period(self.doc)
            out.append(
                audit_mod.norm_row(
                    observations,
                    {
                        "run_id": self.run_id,
                        "id": ob.id,
                        "doc_id": self.doc.id,
                        "service": ob.service,
                        "state": ob.state,
                        "date": _local_day(begin, self.doc.tz),
                        "time_text": tr.text if tr else None,
                        "period_begin": begin,
                        "period_end": end,
                        **self.place(ob.place_id, None),
                        # The gazetteer id, not the PlaceRef's item id: the board rolls places up by it.
                        "place_id": pr.place_id if (pr := self.get(ob.place_id, PlaceRef)) else None,
                        "evidence": self.evidence(ob.evidence, ob.statement_id),
                        "speaker": self.speaker(ob.statement_id),
                        "start": ob.start,
                        "end": ob.end,
                        "confidence": ob.confidence,
                        "snippet": self.snippet(ob, ob.statement_id),
                        "qualifiers": ob.qualifiers,
                    },
                )
            )
        return out


def _document_row(doc: Document, raw: bytes, sha: str) -> dict[str, Any]:
    p = doc.provenance
    return {
        "id": doc.id,
        "sha256": sha,
        "raw": raw,
        "text": doc.text,
        "lang": doc.lang,
        "lang_confidence": float(doc.lang_confidence),
        "published": doc.published,
        "tz": doc.tz,
        "title": doc.title,
        "channel": p.channel,
        "source": p.source,
        "sender": p.sender,
        "message_id": p.message_id,
        "filename": p.filename,
        "received_at": p.received_at,
        "created_at": audit_mod.utc_now(),
    }


@dataclass(frozen=True)
class RunRows:
    """The rows one run of a document writes, and their digest: derived from the processed Document.

    Bulk ingest builds them in the Dask worker that ran the pipeline (`run_rows`), which takes this
    Python-heavy step off the single writer; the writer only inserts them.
    """

    run_id: str
    items: list[dict[str, Any]]
    events: list[dict[str, Any]]
    observations: list[dict[str, Any]]
    digest: str

    def by_table(self) -> list[tuple[sa.Table, list[dict[str, Any]]]]:
        return [(items, self.items), (events, self.events), (observations, self.observations)]


def identify(doc: Document) -> None:
    """Give a document its id, sha256 and item ids, as storing it does (idempotent)."""
    _, sha = _raw_and_sha(doc)
    if not doc.id:
        doc.id = Document.make_id(sha, doc.provenance)
    doc.sha256 = sha
    doc.assign_ids()


def run_rows(doc: Document) -> RunRows:
    """The rows of a new run of `doc` (identified first); StoreError if a value cannot be stored."""
    identify(doc)
    run_id = uuid.uuid4().hex
    rows = _Rows(doc, run_id)
    try:
        item_rows, event_rows, obs_rows = rows.item_rows(), rows.event_rows(), rows.observation_rows()
        digest = audit_mod.rows_digest({"items": item_rows, "events": event_rows, "observations": obs_rows})
    except (TypeError, ValueError) as e:  # NaN, or a value JSON cannot hold
        raise StoreError(f"document {doc.id}: an item cannot be stored: {e}") from e
    return RunRows(run_id, item_rows, event_rows, obs_rows, digest)


def _run_meta(doc: Document) -> dict[str, Any]:
    return {"published": doc.published, "lang": doc.lang, "tz": doc.tz}


def _run_row(doc: Document, rows: RunRows) -> dict[str, Any]:
    return {
        "id": rows.run_id,
        "doc_id": doc.id,
        "pipeline": list(doc.pipeline),
        "meta": _run_meta(doc),
        "digest": rows.digest,
        "created_at": audit_mod.utc_now(),
        "superseded_by": None,
    }


def _run_entry(doc: Document, rows: RunRows, previous: str | None, doc_digest: str) -> dict[str, Any]:
    """The "run" audit entry's payload: what verify checks the run's rows and document against."""
    return {
        "doc_id": doc.id,
        "run_id": rows.run_id,
        "pipeline": list(doc.pipeline),
        "meta": _run_meta(doc),
        "digest": rows.digest,
        "doc_digest": doc_digest,
        "supersedes": previous,
        "n_items": len(rows.items),
    }


def _raw_and_sha(doc: Document) -> tuple[bytes, str]:
    raw = doc.raw or doc.text.encode("utf-8")
    sha = audit_mod.sha256_hex(raw)
    if doc.sha256 and doc.sha256 != sha:
        raise StoreError(f"document {doc.id or '?'}: sha256 does not match its raw bytes")
    return raw, sha


def _item_from_json(cls: type[Item], data: dict[str, Any]) -> Item:
    names = {f.name for f in fields(cls) if f.init}
    kw = {k: v for k, v in data.items() if k in names}
    if cls is Event:
        kw["actors"] = [Actor(**a) for a in kw.get("actors") or []]
    return cls(**kw)


def _item_data(conn: Connection, kind: str, ids: set[str]) -> dict[tuple[str, str], dict[str, Any]]:
    """(run id, item id) -> the item's JSON data, for items of one kind."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    todo = sorted(ids)
    for i in range(0, len(todo), 500):
        q = sa.select(items.c.run_id, items.c.id, items.c.data).where(
            items.c.kind == kind, items.c.id.in_(todo[i : i + 500])
        )
        out.update(((r.run_id, r.id), r.data or {}) for r in conn.execute(q))
    return out


def _add_relayers(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Give each relayed observation its statement's relayer: the board counts the relayer as the source."""
    relayed = [r for r in rows if r.get("evidence") == "relayed"]
    if not relayed:
        return
    obs = _item_data(conn, "service", {r["id"] for r in relayed})
    st_of = {(r["run_id"], r["id"]): obs.get((r["run_id"], r["id"]), {}).get("statement_id") for r in relayed}
    sts = _item_data(conn, "statement", {s for s in st_of.values() if s})
    for r in relayed:
        st = sts.get((r["run_id"], st_of[(r["run_id"], r["id"])] or ""), {})
        r["relayer"] = st.get("relayer")


def _board_place_filter(scope: board_mod.Scope) -> sa.ColumnElement[bool]:
    """Rows that may belong to a place board: its name or id, or (a coarse box) coordinates near it."""
    o = observations
    names = {scope.query.lower(), scope.name.lower()}
    cond = sa.or_(sa.func.lower(o.c.place).in_(names), o.c.place_id == scope.query)
    p = scope.place
    if p is None:
        return cond
    if p.precision in ("country", "region"):
        return sa.or_(cond, o.c.place_id.is_not(None))  # membership is decided by the gazetteer
    dlat = scope.radius_km / 111.0
    dlon = dlat / max(0.1, math.cos(math.radians(p.lat)))
    near = sa.and_(o.c.lat.between(p.lat - dlat, p.lat + dlat), o.c.lon.between(p.lon - dlon, p.lon + dlon))
    return sa.or_(cond, o.c.place_id == p.id, near)


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "<unreadable URL>"


def _first_line(e: BaseException) -> str:
    """One line for the CLI: the driver's own message when there is one."""
    inner = e.orig if isinstance(e, sa.exc.DBAPIError) and e.orig is not None else e
    lines = str(inner).strip().splitlines()
    return f"{type(inner).__name__}: {lines[0] if lines else ''}"


# -- the store ---------------------------------------------------------------------------------------


class Store:
    """The database behind Khronika. Implements `khronika.interfaces.SeenIndex`."""

    def __init__(
        self, url: str | None = None, *, passphrase: str | None = None, encrypt: bool = False
    ) -> None:
        """Open (and migrate) the store at `url`.

        An encrypted SQLite file needs its passphrase: `passphrase`, else KHRONIKA_PASSPHRASE. A new
        file is created encrypted when `encrypt` is set (`khronika init --encrypt`).
        """
        self.url = resolve_url(url)
        key = self._passphrase(passphrase, encrypt)
        try:
            self._engine = make_engine(self.url, key)
        except (OSError, sa.exc.ArgumentError) as e:
            raise StoreError(f"cannot open the store at {_safe(self.url)}: {_first_line(e)}") from e
        if key:  # one clear line for a wrong passphrase, before migrations run into it
            try:
                with self._engine.connect() as conn:
                    conn.exec_driver_sql("SELECT count(*) FROM sqlite_master")
            except sa.exc.DatabaseError as e:
                self._engine.dispose()
                raise StoreError(
                    f"wrong passphrase for the encrypted store at {_safe(self.url)} "
                    "(or the file is not a Khronika store)"
                ) from e
        # Same pool; connections from this engine open transactions as writers (BEGIN IMMEDIATE).
        self._writer = self._engine.execution_options(khronika_write=True)
        try:
            migrate(self._writer)
        except Exception as e:  # unreachable server, unwritable file, a database from a newer version
            self._engine.dispose()
            raise StoreError(f"cannot open the store at {_safe(self.url)}: {_first_line(e)}") from e

    def _passphrase(self, given: str | None, encrypt: bool) -> str | None:
        path = crypto.sqlite_path(make_url(self.url))
        if encrypt:
            if path is None:
                raise StoreError(
                    "only SQLite stores are encrypted by Khronika; PostgreSQL relies on disk encryption"
                )
            if path.exists() and path.stat().st_size > 0:
                raise StoreError(f"{path} already exists: encryption is chosen when a store is created")
        if not (encrypt or crypto.is_encrypted_file(path)):
            return None
        key = given or crypto.env_passphrase()
        if not key:
            raise StoreError(
                f"the store {path} is encrypted: give its passphrase at the prompt "
                f"or in {crypto.PASSPHRASE_ENV}"
            )
        return key

    @property
    def encrypted(self) -> bool:
        return crypto.is_encrypted_file(crypto.sqlite_path(make_url(self.url)))

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._engine.dispose()

    @property
    def engine(self) -> Engine:
        """The engine, for modules that run their own queries (exports, accounts, the web pages)."""
        return self._engine

    def read(self) -> Connection:
        """A read connection (use as a context manager): the current state, no writer's lock."""
        return self._engine.connect()

    def write(self) -> AbstractContextManager[Connection]:
        """A write transaction holding the writers' lock (use as a context manager). Everything in
        it, audit entries included, commits or rolls back together."""
        return self._write()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction holding the writers' lock; database errors become StoreError."""
        try:
            with self._writer.begin() as conn:
                audit_mod.lock_chain(conn)
                yield conn
        except sa.exc.DBAPIError as e:
            raise StoreError(f"database write failed: {_first_line(e)}") from e

    def _current_runs(self) -> sa.Select[tuple[str]]:
        return sa.select(runs.c.id).where(runs.c.superseded_by.is_(None))

    # -- documents -----------------------------------------------------------------------------------

    def has_document(self, doc_id: str) -> bool:
        with self._engine.connect() as conn:
            q = sa.select(sa.literal(1)).select_from(documents).where(documents.c.id == doc_id)
            return conn.execute(q).first() is not None

    def save(self, doc: Document, *, reprocess: bool = False) -> SaveResult:
        """Store a processed document and all its items in one transaction.

        A stored document is left alone unless `reprocess`, which writes a new run and supersedes
        the current one. Sets `doc.id`, `doc.sha256` and item ids where missing. Raises StoreError,
        with nothing written, on any failure.
        """
        return self.save_many([doc], reprocess=reprocess)[0]

    def save_many(
        self, docs: Sequence[Document], *, reprocess: bool = False, rows: dict[str, RunRows] | None = None
    ) -> list[SaveResult]:
        """`save` for several documents in ONE transaction: all of them are stored, or none.

        Bulk ingest uses it so that a batch costs one commit (one fsync on PostgreSQL). `rows`: each
        document's `run_rows`, built already where it was processed, so the writer only inserts.
        """
        for doc in docs:
            identify(doc)
        rows = rows or {}
        with self._write() as conn:
            stored = self._stored_ids(conn, [d.id for d in docs])
            fresh = [d for d in docs if d.id not in stored]
            done = {r.doc_id: r for r in self._save_fresh(conn, fresh, rows)}
            for doc in docs:
                if doc.id not in done:  # stored already: a reprocess, or a no-op
                    done[doc.id] = self._save_in(conn, doc, reprocess, rows.get(doc.id))
            return [done[d.id] for d in docs]

    @staticmethod
    def _stored_ids(conn: Connection, doc_ids: Sequence[str]) -> set[str]:
        q = sa.select(documents.c.id).where(documents.c.id.in_(sorted(set(doc_ids))))
        return {str(x) for x in conn.execute(q).scalars()}

    def _save_fresh(
        self, conn: Connection, docs: Sequence[Document], rows: dict[str, RunRows]
    ) -> list[SaveResult]:
        """New documents, inserted table by table (one statement per table for the whole batch), with
        their "run" audit entries appended together: what `_save_in` does one document at a time."""
        if len(docs) != len({d.id for d in docs}):  # the same document twice: let `_save_in` sort it out
            return []
        doc_rows, run_table_rows, entries = [], [], []
        by_table: dict[sa.Table, list[dict[str, Any]]] = {}
        out = []
        for doc in docs:
            raw, sha = _raw_and_sha(doc)
            doc_row = _document_row(doc, raw, sha)
            doc_digest = audit_mod.document_digest(audit_mod.norm_row(documents, doc_row))
            rr = rows.get(doc.id) or run_rows(doc)
            doc_rows.append(doc_row)
            run_table_rows.append(_run_row(doc, rr))
            for table, table_rows in rr.by_table():
                by_table.setdefault(table, []).extend(table_rows)
            entries.append(("run", _run_entry(doc, rr, None, doc_digest)))
            out.append(SaveResult(doc.id, rr.run_id, created=True, superseded=None))
        if docs:
            conn.execute(sa.insert(documents), doc_rows)
            conn.execute(sa.insert(runs), run_table_rows)
            for table, table_rows in by_table.items():
                if table_rows:
                    conn.execute(sa.insert(table), table_rows)
            audit_mod.append_entries(conn, entries)
        return out

    def _save_in(self, conn: Connection, doc: Document, reprocess: bool, rows: RunRows | None) -> SaveResult:
        raw, sha = _raw_and_sha(doc)
        stored = conn.execute(sa.select(documents.c.text).where(documents.c.id == doc.id)).first()
        current = conn.execute(
            sa.select(runs.c.id).where(runs.c.doc_id == doc.id, runs.c.superseded_by.is_(None))
        ).scalar()
        if stored is not None and not reprocess:
            return SaveResult(doc.id, str(current or ""), created=False, superseded=None)
        if stored is None:
            doc_row = _document_row(doc, raw, sha)
            conn.execute(sa.insert(documents).values(**doc_row))
            doc_digest = audit_mod.document_digest(audit_mod.norm_row(documents, doc_row))
        else:
            if stored.text != doc.text:
                raise StoreError(
                    f"document {doc.id}: text differs from the stored text; "
                    "offsets would not match (store it as a new document)"
                )
            doc_digest = str(audit_mod.read_document_digest(conn, doc.id))
        run_id = self._write_run(conn, doc, current, doc_digest, rows or run_rows(doc))
        return SaveResult(doc.id, run_id, created=stored is None, superseded=current)

    def _write_run(
        self, conn: Connection, doc: Document, previous: str | None, doc_digest: str, rows: RunRows
    ) -> str:
        run_id = rows.run_id
        if previous:  # first, so the new run is the only current one when it is inserted
            conn.execute(sa.update(runs).where(runs.c.id == previous).values(superseded_by=run_id))
        conn.execute(sa.insert(runs).values(**_run_row(doc, rows)))
        for table, table_rows in rows.by_table():
            if table_rows:
                conn.execute(sa.insert(table), table_rows)
        audit_mod.append_entry(conn, "run", _run_entry(doc, rows, previous, doc_digest))
        if previous:  # human decisions follow the document into its new run, or are flagged stale
            from .reviews import reanchor

            reanchor(conn, doc, previous, run_id)
        return run_id

    def load_document(self, doc_id: str) -> Document:
        """The document with every layer of its current run."""
        with self._engine.connect() as conn:
            row = conn.execute(sa.select(documents).where(documents.c.id == doc_id)).first()
            if row is None:
                raise StoreError(f"no document {doc_id!r}")
            run = conn.execute(
                sa.select(runs).where(runs.c.doc_id == doc_id, runs.c.superseded_by.is_(None))
            ).first()
            item_rows = (
                []
                if run is None
                else conn.execute(
                    sa.select(items.c.kind, items.c.ord, items.c.data).where(items.c.run_id == run.id)
                ).all()
            )
        doc = Document(
            text=row.text,
            raw=bytes(row.raw),
            sha256=row.sha256,
            id=row.id,
            lang=row.lang,
            lang_confidence=row.lang_confidence,
            published=row.published,
            tz=row.tz,
            title=row.title,
            provenance=Provenance(
                channel=row.channel,
                source=row.source,
                sender=row.sender,
                message_id=row.message_id,
                filename=row.filename,
                received_at=row.received_at,
            ),
            pipeline=list(run.pipeline) if run is not None else [],
        )
        if run is not None and run.meta:  # the metadata of the current run wins over the first ingest's
            doc.published, doc.lang, doc.tz = run.meta["published"], run.meta["lang"], run.meta["tz"]
        for r in sorted(item_rows, key=lambda r: (_LAYER_ORDER.get(_KIND_LAYER.get(r.kind, ""), 99), r.ord)):
            layer = _KIND_LAYER.get(r.kind)
            if layer is None:
                raise StoreError(f"document {doc_id}: unknown item kind {r.kind!r}")
            getattr(doc, layer).append(_item_from_json(LAYERS[layer], r.data))
        return doc

    def raw_bytes(self, doc_id: str) -> bytes:
        with self._engine.connect() as conn:
            raw = conn.execute(sa.select(documents.c.raw).where(documents.c.id == doc_id)).scalar()
        if raw is None:
            raise StoreError(f"no document {doc_id!r}")
        return bytes(raw)

    def document_ids(self) -> list[str]:
        with self._engine.connect() as conn:
            q = sa.select(documents.c.id).order_by(documents.c.created_at, documents.c.id)
            return [str(x) for x in conn.execute(q).scalars()]

    def documents(self, limit: int | None = None) -> list[dict[str, Any]]:
        """One summary per document, in the order they were stored."""
        n_events = (
            sa.select(events.c.doc_id, sa.func.count().label("n"))
            .where(events.c.run_id.in_(self._current_runs()))
            .group_by(events.c.doc_id)
            .subquery()
        )
        q = (
            sa.select(
                documents.c.id,
                documents.c.title,
                documents.c.lang,
                documents.c.published,
                documents.c.source,
                documents.c.channel,
                sa.func.coalesce(n_events.c.n, 0).label("n"),
            )
            .outerjoin(n_events, n_events.c.doc_id == documents.c.id)
            .order_by(documents.c.created_at, documents.c.id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [
                {
                    "id": r.id,
                    "title": r.title,
                    "lang": r.lang,
                    "published": r.published,
                    "source": r.source,
                    "channel": r.channel,
                    "n_events": int(r.n),
                }
                for r in conn.execute(q)
            ]

    def runs(self, doc_id: str) -> list[dict[str, Any]]:
        """Every run over a document, oldest first (the current one has superseded_by None)."""
        q = sa.select(runs).where(runs.c.doc_id == doc_id).order_by(runs.c.created_at, runs.c.id)
        with self._engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    # -- views ---------------------------------------------------------------------------------------

    def chronicle(
        self, *, since: str | None = None, until: str | None = None, incidents: bool = True
    ) -> list[dict[str, Any]]:
        """Events of current runs by local day (undated last), then document, then position.

        `since`/`until` are inclusive days (YYYY-MM-DD, a datetime is cut to its day); with either
        given, undated events are left out. The chronicle shows incidents, not raw events: the events of
        an incident of two or more events are one row (kind "incident": counts, sources, best evidence,
        contradictions, members; see `incidents.group_chronicle`); other events are rows of kind "event".
        `incidents=False` gives one row per event.
        """
        from . import incidents as inc
        from .schema import link_events

        e = events
        q = (
            sa.select(e, link_events.c.incident_id)
            .outerjoin(link_events, link_events.c.event_id == e.c.id)
            .where(e.c.run_id.in_(self._current_runs()))
        )
        if since:
            q = q.where(e.c.date >= since[:10])
        if until:
            q = q.where(e.c.date <= until[:10])
        q = q.order_by(e.c.date.is_(None), e.c.date, e.c.doc_id, e.c.start, e.c.id)
        with self._engine.connect() as conn:
            rows = [
                {
                    "date": r.date,
                    "type": r.type,
                    "subtype": r.subtype,
                    "family": r.family,
                    "place": r.place,
                    "place_id": r.place_id,
                    "lat": r.lat,
                    "lon": r.lon,
                    "time": r.time_text,
                    "time_begin": r.time_begin,
                    "evidence": r.evidence,
                    "speaker": r.speaker,
                    "fatalities": r.fatalities,
                    "confidence": r.confidence,
                    "doc_id": r.doc_id,
                    "event_id": r.id,
                    "start": r.start,
                    "end": r.end,
                    "text": r.snippet,
                    "incident_id": r.incident_id,
                }
                for r in conn.execute(q)
            ]
            if not incidents:
                return rows
            linked = inc.linked_incidents(conn, [r["incident_id"] for r in rows if r["incident_id"]])
        return inc.group_chronicle(rows, linked)

    def board(
        self, *, place: str | None = None, at: str | None = None, tz: str = "Asia/Almaty"
    ) -> list[dict[str, Any]]:
        """The situation board as of `at` (naive values and bare dates are in `tz`); see khronika.board.

        One entry per (service, place): the state, since when it holds, how many independent sources
        (a named speaker or relayer once across documents, else one speaker of one provenance source;
        see `board.source_key`) report it for the latest period, the history (oldest first) and
        conflicts: other states other sources report for that period. With `place`, the board of that
        place and the places inside it, with every service of the vocabulary ("unknown" where nobody
        reported). Observations without any date only count when `at` is None.
        """
        o, d = observations, documents
        origin = sa.func.coalesce(d.c.source, d.c.sender).label("doc_source")
        sha = d.c.sha256.label("doc_sha256")  # a forwarded copy (same bytes) is the same source
        q = (
            sa.select(o, origin, sha)
            .join(d, d.c.id == o.c.doc_id)
            .where(o.c.run_id.in_(self._current_runs()))
        )
        if at:
            q = q.where(o.c.period_begin <= _cutoff(at, tz))
        scope = board_mod.resolve_scope(place) if place else None
        if scope is not None:
            q = q.where(_board_place_filter(scope))
        with self._engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(q)]
            _add_relayers(conn, rows)
        return board_mod.board_entries(rows, scope=scope, info=board_mod.gazetteer_info)

    def search(self, q: str, limit: int = 20) -> list[dict[str, Any]]:
        """Full-text search over document titles and texts, best first.

        Every word must occur (stemmed where the engine knows the language). Rows: doc_id (also as
        id, like `documents()`), title, snippet with hits in [brackets], rank (higher is better).
        """
        words = [w for w in "".join(c if c.isalnum() else " " for c in q).split() if w]
        if not words:
            return []
        with self._engine.connect() as conn:
            if self.dialect == "sqlite":
                return self._search_sqlite(conn, words, limit)
            return self._search_pg(conn, " ".join(words), limit)

    @staticmethod
    def _search_sqlite(conn: Connection, words: Sequence[str], limit: int) -> list[dict[str, Any]]:
        match = " ".join(f'"{w}"' for w in words)  # quoted: user text never reaches FTS5 syntax
        sql = sa.text(
            "SELECT f.doc_id, d.title, snippet(documents_fts, 2, '[', ']', '…', 16) AS snip, f.rank AS rank "
            "FROM documents_fts f JOIN documents d ON d.id = f.doc_id "
            "WHERE documents_fts MATCH :m ORDER BY f.rank LIMIT :n"
        )
        rows = conn.execute(sql, {"m": match, "n": limit})
        # FTS5's bm25 rank is lower-is-better; flip it so both engines rank higher-is-better
        return [
            {"doc_id": r.doc_id, "id": r.doc_id, "title": r.title, "snippet": r.snip, "rank": -float(r.rank)}
            for r in rows
        ]

    @staticmethod
    def _search_pg(conn: Connection, words: str, limit: int) -> list[dict[str, Any]]:
        sql = sa.text(
            "WITH query AS (SELECT plainto_tsquery('english', :q) || plainto_tsquery('russian', :q) "
            "                      || plainto_tsquery('simple', :q) AS tq) "
            "SELECT d.id, d.title, ts_rank(d.tsv, query.tq) AS rank, "
            "       ts_headline(CASE d.lang WHEN 'en' THEN 'english' WHEN 'ru' THEN 'russian' "
            "                   ELSE 'simple' END::regconfig, d.text, query.tq, "
            "                   'StartSel=[, StopSel=], MaxWords=20, MinWords=8') AS snip "
            "FROM documents d, query WHERE d.tsv @@ query.tq ORDER BY rank DESC, d.id LIMIT :n"
        )
        return [
            {"doc_id": r.id, "id": r.id, "title": r.title, "snippet": r.snip, "rank": float(r.rank)}
            for r in conn.execute(sql, {"q": words, "n": limit})
        ]

    # -- audit ---------------------------------------------------------------------------------------

    def victim_rows(self) -> list[VictimRow]:
        """Victim mentions of the current runs, with their day and place read from the same run."""
        from ..timex import local_day

        with self._engine.connect() as conn:
            q = sa.select(items.c.doc_id).where(
                items.c.kind == "victim", items.c.run_id.in_(self._current_runs())
            )
            doc_ids = sorted(set(conn.execute(q).scalars()))
        rows: list[VictimRow] = []
        for doc_id in doc_ids:
            doc = self.load_document(doc_id)
            times = {t.id: t for t in doc.times}
            places = {p.id: p for p in doc.places}
            for v in doc.victims:
                t = times.get(v.time_id or "")
                p = places.get(v.place_id or "")
                rows.append(
                    VictimRow(
                        doc_id=doc.id,
                        item_id=v.id,
                        name=v.name,
                        fate=v.fate,
                        date=local_day(t) if t else None,
                        place=(p.name or p.text) if p else None,
                        perpetrator=v.perpetrator,
                        circumstances=v.circumstances,
                        evidence=v.evidence,
                        needs=list(v.needs),
                        count=v.count,
                        source=doc.provenance.source or doc.title,
                    )
                )
        return rows

    def audit_append(self, kind: str, payload: dict[str, Any]) -> int:
        """Append an entry (e.g. a review decision) to the chain; returns its seq."""
        if kind == "run":
            raise AuditError("'run' entries are written by Store.save only")
        with self._write() as conn:
            return audit_mod.append_entry(conn, kind, payload)

    def audit_entries(self) -> list[dict[str, Any]]:
        with self._engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(sa.select(audit).order_by(audit.c.seq))]

    def audit_head(self) -> tuple[int, str] | None:
        """(seq, hash) of the last entry: copy it somewhere else to pin the chain as it is now."""
        with self._engine.connect() as conn:
            q = sa.select(audit.c.seq, audit.c.hash).order_by(audit.c.seq.desc()).limit(1)
            r = conn.execute(q).first()
        return None if r is None else (int(r.seq), str(r.hash))

    def audit_verify(self) -> VerifyResult:
        """Recompute the hash chain and every run digest from the tables, in one snapshot."""
        opts = {"isolation_level": "REPEATABLE READ"} if self.dialect == "postgresql" else {}
        with self._engine.connect().execution_options(**opts) as conn, conn.begin():
            return audit_mod.verify(conn)

    # -- linking: incidents and narratives (khronika/store/incidents.py) -----------------------------
    # These make the store a `khronika.link.LinkStore`: linking reads through them and never imports
    # the database.

    def link_candidates(self, keys: Sequence[str]) -> dict[str, list[Any]]:
        """For each blocking key, the stored linked events that emitted it, with their incident ids."""
        from . import incidents as inc

        with self._engine.connect() as conn:
            return inc.link_candidates(conn, keys)

    def key_counts(self, keys: Sequence[str]) -> dict[str, int]:
        """How many stored linked events emitted each blocking key."""
        from . import incidents as inc

        with self._engine.connect() as conn:
            return inc.key_counts(conn, keys)

    def incident_records(self, incident_ids: Sequence[str]) -> dict[str, list[Any]]:
        from . import incidents as inc

        with self._engine.connect() as conn:
            return inc.incident_records(conn, incident_ids)

    def has_rejections(self) -> bool:
        from . import incidents as inc

        with self._engine.connect() as conn:
            return inc.has_rejections(conn)

    def rejected_pairs(self, event_ids: Sequence[str]) -> set[tuple[str, str]]:
        from . import incidents as inc

        with self._engine.connect() as conn:
            return inc.rejected_pairs(conn, event_ids)

    def linked_documents(self, doc_id: str) -> bool:
        """Has this document's events been linked already (so a reprocess must unlink them first)?"""
        from . import incidents as inc

        with self._engine.connect() as conn:
            return inc.linked_documents(conn, doc_id)

    def unlinked_documents(self) -> list[str]:
        """Documents whose current run has events or claims that linking has not recorded yet.

        Saving and linking are two transactions: a process killed between them leaves such documents,
        and a resumed ingest links them (khronika.scale.resume).
        """
        from .schema import link_events, narrative_claims

        it = items
        pending = sa.or_(
            sa.and_(
                it.c.kind == "event",
                ~sa.exists().where(link_events.c.event_id == it.c.id),
            ),
            sa.and_(
                it.c.kind == "claim",
                ~sa.exists().where(narrative_claims.c.claim_id == it.c.id),
            ),
        )
        q = sa.select(it.c.doc_id).where(it.c.run_id.in_(self._current_runs()), pending).distinct()
        with self._engine.connect() as conn:
            return sorted(str(x) for x in conn.execute(q).scalars())

    def claim_records_for(self, topics: Sequence[str | None]) -> list[Any]:
        from . import incidents as inc

        with self._engine.connect() as conn:
            return inc.claim_records_for(conn, topics)

    def link_state(self) -> str:
        from . import incidents as inc

        with self._engine.connect() as conn:
            return inc.link_state(conn)

    def apply_link_result(self, result: Any) -> bool:
        """Write one document's linking result in one transaction; False if the index moved meanwhile."""
        return self.apply_link_result_at(result) is not None

    def apply_link_result_at(self, result: Any) -> str | None:
        """`apply_link_result`, answering the link state right after the write (None: nothing written)."""
        from . import incidents as inc

        with self._write() as conn:
            return inc.apply_link_result_at(conn, result)

    def unlink_document(self, doc_id: str) -> None:
        from ..link.config import load_config
        from . import incidents as inc

        cfg = load_config()
        with self._write() as conn:
            inc.unlink_document(conn, doc_id, cfg)

    def incidents(
        self, *, min_members: int = 1, since: str | None = None, until: str | None = None
    ) -> list[dict[str, Any]]:
        """Incidents by first day: members, independent sources, best evidence, contradictions."""
        from . import incidents as inc

        with self._engine.connect() as conn:
            return inc.list_incidents(conn, min_members=min_members, since=since, until=until)

    def incident_history(self, incident_id: str) -> list[dict[str, Any]]:
        from . import incidents as inc

        with self._engine.connect() as conn:
            return inc.incident_history(conn, incident_id)

    def incident_links(self, status: str | None = None) -> list[dict[str, Any]]:
        from . import incidents as inc

        with self._engine.connect() as conn:
            return inc.links(conn, status)

    def narratives(self) -> list[dict[str, Any]]:
        from . import incidents as inc

        with self._engine.connect() as conn:
            return inc.list_narratives(conn)
