"""The tamper-evident audit trail: a hash chain over entries, plus digests of what each run wrote.

Entry n stores `hash = sha256(prev_hash + canonical_json({seq, ts, kind, payload}))` with `prev_hash`
the hash of entry n-1 (64 zeros for the first). A "run" entry's payload carries a digest over the
canonical rows the run wrote (items, events, observations) and over its document row, so `verify`
catches edits to those tables as well as edits to the chain itself. A reprocess only sets
`runs.superseded_by`, which is outside every digest, and the new run's entry names the run it
supersedes, so the pointer is checked against the chain too.

Appends are serialised: on PostgreSQL with a transaction-scoped advisory lock, on SQLite by the store
opening every write transaction with BEGIN IMMEDIATE. The unique `prev_hash` column makes a fork
impossible even if that discipline were broken: the second writer fails instead of branching.

Hardening (issue 9). Someone with write access to the database can still rewrite the whole chain from
the entry they changed onward, or cut its tail. Two defences live outside the database:
- the exported head (`khronika audit head --out FILE`: seq, hash, ts of the last entry) kept elsewhere;
  `check_head` finds a chain that no longer reaches it, or reaches it with another hash;
- an HMAC key in a file (`KHRONIKA_AUDIT_KEY_FILE`): every entry appended while it is configured gets
  a seal, HMAC-SHA256(key, "seq:hash"), in `audit_seals`, and `verify` then requires a valid seal on
  every entry. Without the key a rewritten chain cannot be resealed.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import AuditError
from .schema import RUN_TABLES, audit, documents, runs
from .tables_accounts import audit_seals

GENESIS = "0" * 64
# Transaction-scoped PostgreSQL advisory lock keys (arbitrary constants, ASCII "khronika" / "khrmigr").
CHAIN_LOCK_KEY = 0x6B68726F6E696B61
MIGRATION_LOCK_KEY = 0x6B68726D69677200


def canonical_json(obj: Any) -> str:
    """One text per value: sorted keys, no spaces, UTF-8 kept, NaN refused."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def sha256_hex(data: str | bytes) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(prev_hash: str, seq: int, ts: str, kind: str, payload: Any) -> str:
    body = canonical_json({"seq": seq, "ts": ts, "kind": kind, "payload": payload})
    return sha256_hex(prev_hash + body)


# -- canonical rows ----------------------------------------------------------------------------------


def norm_value(column: sa.Column[Any], value: Any) -> Any:
    """The engine-independent form of one column value (what is inserted and what is digested)."""
    if value is None:
        return None
    t = column.type
    if isinstance(t, sa.JSON):
        return json.loads(canonical_json(value))
    if isinstance(t, sa.LargeBinary):
        return sha256_hex(bytes(value))  # bytes are digested by their hash
    if isinstance(t, sa.Float):
        return float(value)
    if isinstance(t, sa.Integer):
        return int(value)
    return str(value)


def norm_row(table: sa.Table, row: Any) -> dict[str, Any]:
    """All columns of `table` from a mapping (a dict or a Row's `_mapping`), normalised."""
    return {c.name: norm_value(c, row.get(c.name)) for c in table.columns}


def rows_digest(rows_by_table: dict[str, list[dict[str, Any]]]) -> str:
    body = {name: sorted(rows, key=lambda r: str(r["id"])) for name, rows in sorted(rows_by_table.items())}
    return sha256_hex(canonical_json(body))


def run_rows(conn: Connection, run_id: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for table in RUN_TABLES:
        res = conn.execute(sa.select(table).where(table.c.run_id == run_id))
        out[table.name] = [norm_row(table, r._mapping) for r in res]
    return out


def document_digest(row: dict[str, Any]) -> str:
    """Digest of a normalised documents row (raw already reduced to its sha256)."""
    return sha256_hex(canonical_json(row))


def read_document_digest(conn: Connection, doc_id: str) -> str | None:
    r = conn.execute(sa.select(documents).where(documents.c.id == doc_id)).first()
    return None if r is None else document_digest(norm_row(documents, r._mapping))


# -- append ------------------------------------------------------------------------------------------


def lock_chain(conn: Connection) -> None:
    """Serialise writers for the rest of this transaction (PostgreSQL; SQLite is already IMMEDIATE)."""
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK_KEY})


def append_entry(conn: Connection, kind: str, payload: dict[str, Any]) -> int:
    """Append one entry inside the caller's transaction, which must hold the chain lock."""
    return append_entries(conn, [(kind, payload)])[0]


def append_entries(conn: Connection, entries: Sequence[tuple[str, dict[str, Any]]]) -> list[int]:
    """Append entries in order, inside the caller's transaction (which must hold the chain lock): one
    read of the chain's head and one insert for all of them, as a bulk batch needs."""
    if not entries:
        return []
    last = conn.execute(sa.select(audit.c.seq, audit.c.hash).order_by(audit.c.seq.desc()).limit(1)).first()
    seq, prev = (1, GENESIS) if last is None else (int(last.seq) + 1, str(last.hash))
    key = audit_key()
    rows: list[dict[str, Any]] = []
    seals: list[dict[str, Any]] = []
    for kind, payload in entries:
        ts = utc_now()
        text = canonical_json(payload)
        h = entry_hash(prev, seq, ts, kind, json.loads(text))  # hash exactly what verify will parse back
        rows.append({"seq": seq, "ts": ts, "kind": kind, "payload": text, "prev_hash": prev, "hash": h})
        if key is not None:
            seals.append({"seq": seq, "key_id": key_id(key), "mac": seal(key, seq, h)})
        seq, prev = seq + 1, h
    conn.execute(sa.insert(audit), rows)
    if seals:
        conn.execute(sa.insert(audit_seals), seals)
    return [int(r["seq"]) for r in rows]


# -- verify ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    first_broken: int | None = None
    reason: str | None = None


class _Broken(Exception):
    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(reason)
        self.seq = seq
        self.reason = reason


def verify(conn: Connection) -> VerifyResult:
    """Recompute the chain and every run digest; report the first entry that does not hold."""
    entries = conn.execute(sa.select(audit).order_by(audit.c.seq)).all()
    run_rows_by_id = {r.id: r for r in conn.execute(sa.select(runs))}
    parsed = [_parse_payload(e) for e in entries]
    successor = {p["supersedes"]: p["run_id"] for e, p in zip(entries, parsed, strict=True)
                 if e.kind == "run" and isinstance(p, dict) and p.get("supersedes")}
    checker = _RunChecker(conn, run_rows_by_id, successor)
    try:
        _check_chain(entries, parsed, checker)
        last_seq = int(entries[-1].seq) if entries else 0
        orphans = sorted(set(run_rows_by_id) - checker.seen)
        if orphans:
            raise _Broken(last_seq + 1, f"run {orphans[0]} has no audit entry (entry deleted, or the run was "
                                        "written outside the store)")
        key = audit_key()
        if key is not None:
            _check_seals(conn, entries, key)
    except _Broken as b:
        return VerifyResult(ok=False, entries=len(entries), first_broken=b.seq, reason=b.reason)
    return VerifyResult(ok=True, entries=len(entries))


def _parse_payload(entry: Any) -> Any:
    try:
        return json.loads(entry.payload)
    except (TypeError, ValueError):
        return None


def _check_chain(entries: Sequence[Any], parsed: list[Any], checker: _RunChecker) -> None:
    prev = GENESIS
    for expected_seq, (e, payload) in enumerate(zip(entries, parsed, strict=True), start=1):
        seq = int(e.seq)
        if seq != expected_seq:
            raise _Broken(expected_seq, f"entry {expected_seq} is missing (next stored entry is {seq})")
        if payload is None or canonical_json(payload) != e.payload:
            raise _Broken(seq, f"entry {seq}: payload is not canonical JSON (edited?)")
        if e.prev_hash != prev:
            raise _Broken(seq, f"entry {seq}: prev_hash does not match the hash of entry {seq - 1}")
        if entry_hash(prev, seq, e.ts, e.kind, payload) != e.hash:
            raise _Broken(seq, f"entry {seq}: hash does not match its content (edited?)")
        if e.kind == "run":
            checker.check(seq, payload)
        prev = e.hash


class _RunChecker:
    """Checks a "run" entry against the runs, items, events, observations and documents tables."""

    def __init__(self, conn: Connection, runs_by_id: dict[str, Any], successor: dict[str, str]) -> None:
        self.conn = conn
        self.runs_by_id = runs_by_id
        self.successor = successor
        self.seen: set[str] = set()
        self._doc_digests: dict[str, str | None] = {}

    def check(self, seq: int, p: dict[str, Any]) -> None:
        run_id = str(p.get("run_id"))
        self.seen.add(run_id)
        run = self.runs_by_id.get(run_id)
        if run is None:
            raise _Broken(seq, f"entry {seq}: run {run_id} is missing from the runs table")
        if run.doc_id != p.get("doc_id") or canonical_json(run.pipeline) != canonical_json(p.get("pipeline")):
            raise _Broken(seq, f"entry {seq}: run {run_id} row (doc or pipeline) differs from the entry")
        if canonical_json(run.meta) != canonical_json(p.get("meta")):
            raise _Broken(seq, f"entry {seq}: metadata of run {run_id} differs from the entry")
        if run.digest != p.get("digest"):
            raise _Broken(seq, f"entry {seq}: runs.digest of {run_id} differs from the entry")
        if rows_digest(run_rows(self.conn, run_id)) != p.get("digest"):
            raise _Broken(seq, f"entry {seq}: rows of run {run_id} changed since they were written")
        if run.superseded_by != self.successor.get(run_id):
            raise _Broken(seq, f"entry {seq}: superseded_by of run {run_id} is {run.superseded_by!r}, "
                               f"the chain says {self.successor.get(run_id)!r}")
        doc_id = str(run.doc_id)
        if doc_id not in self._doc_digests:
            self._doc_digests[doc_id] = read_document_digest(self.conn, doc_id)
        if self._doc_digests[doc_id] != p.get("doc_digest"):
            raise _Broken(seq, f"entry {seq}: document {doc_id} changed since it was stored")


# -- hardening: seals under a key kept outside the database, and exported heads -----------------------

KEY_ENV = "KHRONIKA_AUDIT_KEY_FILE"
KEY_MIN_BYTES = 32


def read_key(path: str) -> bytes:
    """The key in a file (raw bytes, at least 32 of them; `khronika audit keygen` writes one)."""
    try:
        with open(path, "rb") as f:
            key = f.read()
    except OSError as e:
        raise AuditError(f"cannot read the audit key: {e.strerror}", path=path) from e
    if len(key) < KEY_MIN_BYTES:
        raise AuditError(f"the audit key must hold at least {KEY_MIN_BYTES} bytes", path=path)
    return key


def audit_key() -> bytes | None:
    """The configured key (file named by KHRONIKA_AUDIT_KEY_FILE), or None when none is configured."""
    path = os.environ.get(KEY_ENV)
    if not path:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return read_key(path)  # raises the clear error
    return _cached_key(path, st.st_mtime_ns, st.st_size)  # bulk saves append many entries: read it once


@functools.lru_cache(maxsize=4)
def _cached_key(path: str, _mtime_ns: int, _size: int) -> bytes:
    return read_key(path)


def key_id(key: bytes) -> str:
    """A short name for a key (a hash of it), so a seal made with another key is told apart."""
    return sha256_hex(b"khronika-audit-key:" + key)[:16]


def seal(key: bytes, seq: int, entry_hash_hex: str) -> str:
    return hmac.new(key, f"{seq}:{entry_hash_hex}".encode("ascii"), hashlib.sha256).hexdigest()


def _check_seals(conn: Connection, entries: Sequence[Any], key: bytes) -> None:
    seals = {int(r.seq): r for r in conn.execute(sa.select(audit_seals))}
    kid = key_id(key)
    last = int(entries[-1].seq) if entries else 0
    if seals and max(seals) > last:  # a tail cut without its seals
        raise _Broken(last + 1, f"entry {max(seals)} has a seal but the chain ends at {last} (tail deleted)")
    for e in entries:
        seq = int(e.seq)
        s = seals.get(seq)
        if s is None:
            raise _Broken(seq, f"entry {seq} has no seal (written without the key, or its seal was deleted; "
                               "`khronika audit seal` seals entries made before the key was set)")
        if s.key_id != kid:
            raise _Broken(seq, f"entry {seq} was sealed with another key ({s.key_id})")
        if not hmac.compare_digest(str(s.mac), seal(key, seq, str(e.hash))):
            raise _Broken(seq, f"entry {seq}: seal does not match (the chain was rewritten from here on)")


def seal_missing(conn: Connection, key: bytes) -> int:
    """Seal entries that have no seal yet (made before the key was configured). The caller verifies the
    chain first, in the same transaction: sealing vouches for the chain as it is now."""
    sealed = sa.select(audit_seals.c.seq)
    rows = conn.execute(sa.select(audit.c.seq, audit.c.hash).where(audit.c.seq.not_in(sealed))).all()
    kid = key_id(key)
    for r in rows:
        seq = int(r.seq)
        conn.execute(sa.insert(audit_seals).values(seq=seq, key_id=kid, mac=seal(key, seq, str(r.hash))))
    return len(rows)


def head_entry(conn: Connection) -> dict[str, Any] | None:
    """The last entry as an exportable head: {"seq", "hash", "ts"}; None for an empty chain."""
    q = sa.select(audit.c.seq, audit.c.hash, audit.c.ts).order_by(audit.c.seq.desc()).limit(1)
    r = conn.execute(q).first()
    return None if r is None else {"seq": int(r.seq), "hash": str(r.hash), "ts": str(r.ts)}


def check_head(conn: Connection, head: dict[str, Any]) -> str | None:
    """Why the chain does not reach an exported head (truncated, or rewritten), or None when it does."""
    try:
        seq, want = int(head["seq"]), str(head["hash"])
    except (KeyError, TypeError, ValueError) as e:
        raise AuditError(f"not an exported head (needs seq and hash): {e}") from e
    last = conn.execute(sa.select(sa.func.max(audit.c.seq))).scalar()
    if last is None or int(last) < seq:
        return (f"the chain was truncated: the exported head is entry {seq}, the chain ends at "
                f"{0 if last is None else int(last)}")
    got = conn.execute(sa.select(audit.c.hash).where(audit.c.seq == seq)).scalar()
    if got != want:
        return f"entry {seq} differs from the exported head (the chain was rewritten)"
    return None
