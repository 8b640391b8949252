"""The audit chain on real SQLite and PostgreSQL: it verifies, it names the entry that was tampered
with, a legitimate reprocess is not flagged, and concurrent writers keep one chain."""

from __future__ import annotations

import hashlib
import itertools
import json
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest

from khronika.errors import AuditError
from khronika.model import Document
from khronika.store import Store


def _three_entries(store: Store, full_doc: Callable[..., Document]) -> tuple[str, str]:
    """seq 1: run of doc A; seq 2: run of doc B; seq 3: a review note. Returns the two run ids."""
    a = store.save(full_doc("source-a"))
    b = store.save(full_doc("source-b"))
    assert store.audit_append("review", {"item": "x", "decision": "accept"}) == 3
    return a.run_id, b.run_id


def test_fresh_store_verifies(store: Store) -> None:
    res = store.audit_verify()
    assert (res.ok, res.entries, res.first_broken, res.reason) == (True, 0, None, None)
    assert store.audit_head() is None


def test_chain_links_and_hash_formula(store: Store, full_doc: Callable[..., Document]) -> None:
    _three_entries(store, full_doc)
    entries = store.audit_entries()
    assert [e["seq"] for e in entries] == [1, 2, 3]
    assert [e["kind"] for e in entries] == ["run", "run", "review"]
    assert entries[0]["prev_hash"] == "0" * 64
    for prev, cur in itertools.pairwise(entries):
        assert cur["prev_hash"] == prev["hash"]
    # hash = sha256(prev_hash + canonical JSON of seq/ts/kind/payload), recomputed here independently
    for e in entries:
        entry = {"seq": e["seq"], "ts": e["ts"], "kind": e["kind"], "payload": json.loads(e["payload"])}
        body = json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256((e["prev_hash"] + body).encode("utf-8")).hexdigest() == e["hash"]
    run = json.loads(entries[1]["payload"])
    assert set(run) >= {"doc_id", "run_id", "pipeline", "digest"}
    assert run["pipeline"] == ["khronika.segment@1", "khronika.events@1"]
    res = store.audit_verify()
    assert res.ok and res.entries == 3
    assert store.audit_head() == (3, entries[-1]["hash"])


def test_run_entries_are_reserved(store: Store) -> None:
    with pytest.raises(AuditError):
        store.audit_append("run", {"run_id": "forged"})


def test_reprocess_is_not_flagged(store: Store, full_doc: Callable[..., Document]) -> None:
    store.save(full_doc())
    doc = full_doc()
    doc.events = []
    store.save(doc, reprocess=True)
    store.save(full_doc(), reprocess=True)
    res = store.audit_verify()
    assert res.ok and res.entries == 3


# -- tampering ---------------------------------------------------------------------------------------


def test_update_of_an_item_row_is_caught(store: Store, full_doc: Callable[..., Document],
                                         raw_sql: Callable[..., Any]) -> None:
    _, run_b = _three_entries(store, full_doc)
    raw_sql("UPDATE items SET confidence = 0.01 WHERE run_id = :r AND kind = 'event'", r=run_b)
    res = store.audit_verify()
    assert not res.ok and res.first_broken == 2
    assert run_b in (res.reason or "")


def test_update_of_a_query_row_is_caught(store: Store, full_doc: Callable[..., Document],
                                         raw_sql: Callable[..., Any]) -> None:
    run_a, _ = _three_entries(store, full_doc)
    raw_sql("UPDATE events SET fatalities = 200 WHERE run_id = :r", r=run_a)
    res = store.audit_verify()
    assert not res.ok and res.first_broken == 1


def test_update_of_a_superseded_run_is_caught(store: Store, full_doc: Callable[..., Document],
                                              raw_sql: Callable[..., Any]) -> None:
    old = store.save(full_doc())
    store.save(full_doc(), reprocess=True)
    raw_sql("UPDATE observations SET state = 'working' WHERE run_id = :r", r=old.run_id)
    res = store.audit_verify()
    assert not res.ok and res.first_broken == 1


def test_hiding_the_current_run_is_caught(store: Store, full_doc: Callable[..., Document],
                                          raw_sql: Callable[..., Any]) -> None:
    store.save(full_doc())
    new = store.save(full_doc(), reprocess=True)
    raw_sql("UPDATE runs SET superseded_by = id WHERE id = :r", r=new.run_id)
    res = store.audit_verify()
    assert not res.ok and res.first_broken == 2 and "superseded_by" in (res.reason or "")


def test_edit_of_a_document_is_caught(store: Store, full_doc: Callable[..., Document],
                                      raw_sql: Callable[..., Any]) -> None:
    _three_entries(store, full_doc)
    doc_b = full_doc("source-b")
    raw_sql("UPDATE documents SET published = '2022-01-04' WHERE id = :d", d=doc_b.id)
    res = store.audit_verify()
    assert not res.ok and res.first_broken == 2


def test_edit_of_a_payload_is_caught(store: Store, full_doc: Callable[..., Document],
                                     raw_sql: Callable[..., Any]) -> None:
    _three_entries(store, full_doc)
    payload = raw_sql("SELECT payload FROM audit WHERE seq = 3")[0][0]
    forged = payload.replace('"accept"', '"reject"')
    assert forged != payload
    raw_sql("UPDATE audit SET payload = :p WHERE seq = 3", p=forged)
    res = store.audit_verify()
    assert not res.ok and res.first_broken == 3 and "hash" in (res.reason or "")


def test_edit_of_a_run_payload_and_its_rows_is_caught(store: Store, full_doc: Callable[..., Document],
                                                      raw_sql: Callable[..., Any]) -> None:
    """Rewriting the pipeline in both the run row and the entry still breaks the entry's hash."""
    _three_entries(store, full_doc)
    payload = json.loads(raw_sql("SELECT payload FROM audit WHERE seq = 2")[0][0])
    payload["pipeline"] = ["forged@1"]
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    raw_sql("UPDATE audit SET payload = :p WHERE seq = 2", p=text)
    res = store.audit_verify()
    assert not res.ok and res.first_broken == 2


@pytest.mark.parametrize("deleted", [1, 2])
def test_deleted_entry_is_caught(store: Store, full_doc: Callable[..., Document], raw_sql: Callable[..., Any],
                                 deleted: int) -> None:
    _three_entries(store, full_doc)
    raw_sql("DELETE FROM audit WHERE seq = :s", s=deleted)
    res = store.audit_verify()
    assert not res.ok and res.first_broken == deleted and "missing" in (res.reason or "")


def test_deleted_last_run_entry_is_caught(store: Store, full_doc: Callable[..., Document],
                                          raw_sql: Callable[..., Any]) -> None:
    store.save(full_doc("source-a"))
    run_b = store.save(full_doc("source-b")).run_id
    raw_sql("DELETE FROM audit WHERE seq = 2")
    res = store.audit_verify()
    assert not res.ok and res.first_broken == 2 and run_b in (res.reason or "")


def test_chain_cannot_fork(store: Store, raw_sql: Callable[..., Any]) -> None:
    """Even a writer that skips the lock cannot add a second successor to an entry."""
    store.audit_append("note", {"n": 1})
    store.audit_append("note", {"n": 2})
    first_hash = raw_sql("SELECT hash FROM audit WHERE seq = 1")[0][0]
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        raw_sql("INSERT INTO audit (seq, ts, kind, payload, prev_hash, hash) "
                "VALUES (99, 'x', 'note', '{}', :p, :h)", p=first_hash, h="f" * 64)


# -- concurrency -------------------------------------------------------------------------------------


def test_concurrent_threads_keep_one_chain(store_url: str, store: Store,
                                           full_doc: Callable[..., Document]) -> None:
    n_threads, per_thread = 4, 8
    errors: list[BaseException] = []
    barrier = threading.Barrier(n_threads + 2, timeout=60)

    def appender(k: int) -> None:
        try:
            with Store(store_url) as s:
                barrier.wait()
                for i in range(per_thread):
                    s.audit_append("note", {"thread": k, "i": i})
        except BaseException as e:
            errors.append(e)
            barrier.abort()

    def saver(k: int) -> None:
        try:  # the savers share one Store (one engine, one pool) across threads
            barrier.wait()
            for i in range(3):
                store.save(full_doc(f"thread-{k}-{i}"))
        except BaseException as e:
            errors.append(e)
            barrier.abort()

    threads = [threading.Thread(target=appender, args=(k,)) for k in range(n_threads)]
    threads += [threading.Thread(target=saver, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    total = n_threads * per_thread + 2 * 3
    assert [e["seq"] for e in store.audit_entries()] == list(range(1, total + 1))
    res = store.audit_verify()
    assert res.ok and res.entries == total


_CHILD = """
import sys
from khronika.store import Store
url, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with Store(url) as s:
    for i in range(n):
        s.audit_append("note", {"process": name, "i": i})
"""


def test_concurrent_processes_keep_one_chain(store_url: str, store: Store) -> None:
    n_procs, per_proc = 3, 10
    procs = [subprocess.Popen([sys.executable, "-c", _CHILD, store_url, f"p{k}", str(per_proc)],
                              stderr=subprocess.PIPE, text=True) for k in range(n_procs)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    entries = store.audit_entries()
    assert [e["seq"] for e in entries] == list(range(1, n_procs * per_proc + 1))
    per_name: dict[str, list[int]] = {}
    for e in entries:
        payload = json.loads(e["payload"])
        per_name.setdefault(payload["process"], []).append(payload["i"])
    assert per_name == {f"p{k}": list(range(per_proc)) for k in range(n_procs)}
    res = store.audit_verify()
    assert res.ok and res.entries == n_procs * per_proc
