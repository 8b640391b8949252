"""The JSONL backup round trip: export from one store, import into an empty one, compare every table."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from export_fixtures import fill
from sqlalchemy.engine import make_url

from khronika.errors import InputError, StoreError
from khronika.export import start_export
from khronika.export.backup import backup_tables, excluded_tables, load
from khronika.store import Store
from khronika.store.schema import metadata


def _table_rows(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Every backed-up table's rows, in primary-key order, JSON columns and bytes as they read back."""
    out = {}
    with store.read() as conn:
        for t in backup_tables():
            rows = conn.execute(sa.select(t).order_by(*t.primary_key.columns))
            out[t.name] = [{k: (bytes(v) if isinstance(v, memoryview) else v) for k, v in r._mapping.items()}
                           for r in rows]
    return out


def _add_human_layer(store: Store) -> None:
    """A review and a verification, when the review tables exist (issue 10), plus a user."""
    inc = store.incidents()[0]["id"]
    ev = store.chronicle()[0]
    run = next(r["id"] for r in store.runs(ev["doc_id"]) if r["superseded_by"] is None)
    rows: dict[str, dict[str, Any]] = {
        "reviews": {"id": "rev1", "item_id": ev["event_id"], "kind": "event", "doc_id": ev["doc_id"],
                    "run_id": run, "start": ev["start"], "end": ev["end"], "decision": "edit",
                    "edits": {"fatalities": 3}, "machine": {"fatalities": ev["fatalities"]},
                    "reviewer": "ana", "reason": "hospital list", "created_at": "2022-01-10T09:00:00Z",
                    "stale": 0, "origin_item_id": ev["event_id"]},
        "verifications": {"id": "ver1", "incident_id": inc, "state": "verified", "reason": "two sources",
                          "sources": ["call to the hospital"], "analyst": "ana",
                          "created_at": "2022-01-10T10:00:00Z"},
    }
    with store.engine.begin() as conn:
        for name, row in rows.items():
            table = metadata.tables.get(name)
            if table is not None:
                conn.execute(sa.insert(table).values(**{k: v for k, v in row.items() if k in table.c}))
    users = metadata.tables.get("users")
    if users is not None:
        from khronika.store.accounts import create_user

        create_user(store, "admin1", "admin", "a-long-enough-password-1")


def _backup(store: Store) -> list[str]:
    return list(start_export(store, "jsonl", "none", actor="test", role="admin"))


@pytest.fixture
def source(store: Store) -> Store:
    fill(store)
    _add_human_layer(store)
    return store


def _fresh(url: str) -> Iterator[Store]:
    s = Store(url)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def target(tmp_path: Path, store_url: str, request: pytest.FixtureRequest) -> Iterator[Store]:
    """An empty store of the same engine as `store`."""
    if store_url.startswith("sqlite"):
        yield from _fresh(f"sqlite:///{tmp_path / 'restored.db'}")
        return
    pg = request.getfixturevalue("pg_url")
    schema = "t_" + uuid.uuid4().hex[:16]
    engine = sa.create_engine(pg)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(pg).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield from _fresh(url.render_as_string(hide_password=False))
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def test_round_trip_reproduces_every_table(source: Store, target: Store) -> None:
    lines = _backup(source)
    counts = load(target, lines, source="mem.jsonl", actor="test")
    before, after = _table_rows(source), _table_rows(target)
    assert counts["documents"] == len(before["documents"]) >= 5
    assert counts["items"] > 20 and counts["incidents"] >= 1
    for name in before:
        assert after[name] == before[name], name
    for doc_id in source.document_ids():
        assert target.raw_bytes(doc_id) == source.raw_bytes(doc_id)
        assert target.load_document(doc_id).to_json() == source.load_document(doc_id).to_json()
    assert target.chronicle() == source.chronicle()
    assert target.incidents() == source.incidents()
    if "reviews" in before:
        assert after["reviews"] and after["verifications"]


def test_round_trip_leaves_users_and_the_chain_behind_and_audits_itself(source: Store, target: Store) -> None:
    load(target, _backup(source), source="mem.jsonl", actor="test")
    assert "audit" in excluded_tables() and "users" in excluded_tables()
    with target.read() as conn:
        users = metadata.tables.get("users")
        if users is not None:
            assert conn.execute(sa.select(sa.func.count()).select_from(users)).scalar() == 0
    entries = target.audit_entries()
    kinds = [e["kind"] for e in entries]
    assert kinds[-1] == "import"
    n_runs = len(_table_rows(source)["runs"])
    assert kinds.count("run") == n_runs  # every imported run sealed in the new chain
    payload = json.loads(entries[-1]["payload"])
    assert payload["actor"] == "test" and payload["runs_sealed"] == n_runs
    assert payload["source_audit_head"] == list(source.audit_head() or [])  # the backup's export entry
    assert target.audit_verify().ok


def test_round_trip_across_engines(source: Store, tmp_path: Path) -> None:
    other = f"sqlite:///{tmp_path / 'cross.db'}"
    with Store(other) as target:
        load(target, _backup(source), source="mem.jsonl", actor="test")
        assert _table_rows(target) == _table_rows(source)


def test_import_refuses_a_store_that_is_not_empty(source: Store) -> None:
    before = _table_rows(source)
    n_audit = len(source.audit_entries())
    with pytest.raises(StoreError, match="empty store"):
        load(source, _backup(source), source="mem.jsonl", actor="test")
    assert _table_rows(source) == before
    assert len(source.audit_entries()) == n_audit + 1  # the backup's own export entry only


def test_a_damaged_backup_changes_nothing(source: Store, target: Store) -> None:
    lines = _backup(source)
    doc = next(i for i, ln in enumerate(lines) if '"table": "documents"' in ln)
    damaged = {
        "truncated": lines[:-1],
        "row dropped": lines[:3] + lines[4:],
        "unknown table": [*lines[:2], json.dumps({"table": "users", "row": {"id": "u"}}) + "\n", *lines[2:]],
        "bad bytes": [*lines[:doc], lines[doc].replace('"raw": "', '"raw": "!!'), *lines[doc + 1 :]],
        "not a backup": ['{"hello": 1}\n'],
        "other schema": [lines[0].replace('"schema_revision": "', '"schema_revision": "9999_'), *lines[1:]],
        "unknown column": [*lines[:doc], lines[doc].replace('"row": {', '"row": {"colour": "red", '),
                           *lines[doc + 1 :]],
    }
    reasons = {"truncated": "end line", "row dropped": "row counts|do not fit",
               "unknown table": "cannot be imported", "bad bytes": "base64",
               "not a backup": "not a Khronika backup", "other schema": "schema revision",
               "unknown column": "no column"}
    for why, bad in damaged.items():
        with pytest.raises(InputError, match=reasons[why]):
            load(target, bad, source=why, actor="test")
        assert all(not rows for rows in _table_rows(target).values()), why
        assert target.audit_entries() == [], why
