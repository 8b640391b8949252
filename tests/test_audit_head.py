"""The hardened audit chain on real SQLite and PostgreSQL: an exported head catches a cut tail and a
rewrite; an HMAC key kept outside the database catches a whole chain rewritten by someone who knows the
hash formula but not the key."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from khronika.cli import app
from khronika.store import Store
from khronika.store import audit as audit_mod

runner = CliRunner()
KEY_ENV = "KHRONIKA_AUDIT_KEY_FILE"


def cli(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, list(args))
    return res.exit_code, res.output


def _notes(store: Store, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        store.audit_append("note", {"i": i, "text": f"decision {i}"})


def _key(tmp_path: Path, name: str = "audit.key", fill: int = 7) -> Path:
    p = tmp_path / name
    p.write_bytes(bytes([fill]) * 32)
    return p


def _rewrite_chain(raw_sql: Callable[..., Any], forge: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    """What an attacker with database access and the (public) hash formula can do: change payloads and
    recompute every hash from the first entry on. Written independently of khronika.store.audit."""
    rows = raw_sql("SELECT seq, ts, kind, payload FROM audit ORDER BY seq")
    prev = "0" * 64
    for seq, ts, kind, payload in rows:
        body = forge(json.loads(payload))
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        entry = json.dumps({"seq": seq, "ts": ts, "kind": kind, "payload": body}, sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False)
        h = hashlib.sha256((prev + entry).encode("utf-8")).hexdigest()
        raw_sql("UPDATE audit SET payload = :p, prev_hash = :prev, hash = :h WHERE seq = :s",
                p=text, prev=prev, h=h, s=seq)
        prev = h


def _head(store: Store) -> dict[str, Any]:
    with store.read() as conn:
        head = audit_mod.head_entry(conn)
    assert head is not None
    return head


def _check_head(store: Store, head: dict[str, Any]) -> str | None:
    with store.read() as conn:
        return audit_mod.check_head(conn, head)


# -- exported head -----------------------------------------------------------------------------------


def test_head_export_and_verify(store_url: str, store: Store, tmp_path: Path) -> None:
    _notes(store, 3)
    out = tmp_path / "head.json"
    code, text = cli("audit", "head", "--out", str(out), "--db", store_url)
    assert code == 0, text
    head = json.loads(out.read_text(encoding="utf-8"))
    last = store.audit_entries()[-1]
    assert head == {"seq": 3, "hash": last["hash"], "ts": last["ts"]}
    code, text = cli("audit", "head", "--db", store_url)  # to stdout
    assert code == 0 and json.loads(text) == head
    _notes(store, 2, start=3)  # the chain grows past the head: still fine
    code, text = cli("audit", "verify", "--head", str(out), "--db", store_url)
    assert code == 0 and "5 entries" in text


@pytest.mark.parametrize("cut", [1, 3])
def test_truncated_tail_is_caught(store_url: str, store: Store, raw_sql: Callable[..., Any], tmp_path: Path,
                                  cut: int) -> None:
    _notes(store, 5)
    out = tmp_path / "head.json"
    assert cli("audit", "head", "--out", str(out), "--db", store_url)[0] == 0
    raw_sql("DELETE FROM audit WHERE seq > :s", s=5 - cut)
    assert store.audit_verify().ok  # the chain alone cannot tell: a shorter chain is still a chain
    why = _check_head(store, json.loads(out.read_text(encoding="utf-8")))
    assert why is not None and "truncated" in why and f"ends at {5 - cut}" in why
    code, text = cli("audit", "verify", "--head", str(out), "--db", store_url)
    assert code == 1 and "truncated" in text


def test_rewrite_up_to_the_head_is_caught(store: Store, raw_sql: Callable[..., Any]) -> None:
    _notes(store, 4)
    head = _head(store)
    _rewrite_chain(raw_sql, lambda p: {**p, "text": "nothing happened"} if p["i"] == 1 else p)
    assert store.audit_verify().ok  # recomputed hashes hold together
    why = _check_head(store, head)
    assert why is not None and "differs from the exported head" in why


def test_bad_head_files(store_url: str, store: Store, tmp_path: Path) -> None:
    _notes(store, 1)
    missing = tmp_path / "nope.json"
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2", encoding="utf-8")
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"sequence": 1}', encoding="utf-8")
    for f in (missing, bad, wrong):
        code, text = cli("audit", "verify", "--head", str(f), "--db", store_url)
        assert code == 2 and "error" in text and len(text.strip().splitlines()) == 1, text


def test_empty_chain_has_no_head(store_url: str, store: Store) -> None:
    code, text = cli("audit", "head", "--db", store_url)
    assert code == 2 and "empty" in text


# -- HMAC key ----------------------------------------------------------------------------------------


def test_entries_are_sealed_when_a_key_is_configured(store: Store, raw_sql: Callable[..., Any],
                                                     tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = _key(tmp_path)
    monkeypatch.setenv(KEY_ENV, str(key))
    _notes(store, 3)
    seals = raw_sql("SELECT seq, mac FROM audit_seals ORDER BY seq")
    hashes = [e["hash"] for e in store.audit_entries()]
    expect = [hmac_hex(key.read_bytes(), f"{i + 1}:{h}") for i, h in enumerate(hashes)]
    assert [s[1] for s in seals] == expect
    res = store.audit_verify()
    assert res.ok and res.entries == 3


def hmac_hex(key: bytes, msg: str) -> str:
    import hmac

    return hmac.new(key, msg.encode("ascii"), hashlib.sha256).hexdigest()


def test_full_rewrite_is_caught_with_the_key(store: Store, raw_sql: Callable[..., Any], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    key = _key(tmp_path)
    monkeypatch.setenv(KEY_ENV, str(key))
    _notes(store, 4)
    _rewrite_chain(raw_sql, lambda p: {**p, "text": "forged"})
    monkeypatch.delenv(KEY_ENV)
    assert store.audit_verify().ok  # without the key, the rewrite is invisible
    monkeypatch.setenv(KEY_ENV, str(key))
    res = store.audit_verify()
    assert not res.ok and res.first_broken == 1 and "seal does not match" in (res.reason or "")


def test_seals_cannot_be_dropped_or_forged(store: Store, raw_sql: Callable[..., Any], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    key = _key(tmp_path)
    monkeypatch.setenv(KEY_ENV, str(key))
    _notes(store, 3)
    raw_sql("DELETE FROM audit_seals WHERE seq = 2")
    res = store.audit_verify()
    assert not res.ok and res.first_broken == 2 and "no seal" in (res.reason or "")
    # The attacker's own key makes seals that are told apart from ours.
    other = _key(tmp_path, "other.key", fill=9)
    monkeypatch.setenv(KEY_ENV, str(other))
    raw_sql("DELETE FROM audit_seals")
    _notes(store, 1, start=3)
    with store.write() as conn:
        audit_mod.seal_missing(conn, other.read_bytes())
    monkeypatch.setenv(KEY_ENV, str(key))
    res = store.audit_verify()
    assert not res.ok and res.first_broken == 1 and "another key" in (res.reason or "")


def test_cut_tail_with_seals_left_is_caught(store: Store, raw_sql: Callable[..., Any], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_ENV, str(_key(tmp_path)))
    _notes(store, 4)
    raw_sql("DELETE FROM audit WHERE seq > 2")
    res = store.audit_verify()
    assert not res.ok and res.first_broken == 3 and "tail deleted" in (res.reason or "")


def test_seal_command_and_key_file_option(store_url: str, store: Store, tmp_path: Path) -> None:
    assert os.environ.get(KEY_ENV) is None
    _notes(store, 2)  # written before there was a key
    key = tmp_path / "k.bin"
    code, text = cli("audit", "keygen", "--out", str(key))
    assert code == 0, text
    assert len(key.read_bytes()) == 32 and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert cli("audit", "keygen", "--out", str(key))[0] == 2  # never overwrites a key
    code, text = cli("audit", "verify", "--key-file", str(key), "--db", store_url)
    assert code == 1 and "no seal" in text
    code, text = cli("audit", "seal", "--key-file", str(key), "--db", store_url)
    assert code == 0 and "sealed 2" in text
    code, text = cli("audit", "verify", "--key-file", str(key), "--db", store_url)
    assert code == 0 and "2 entries" in text
    assert os.environ.get(KEY_ENV) is None  # the option does not leak into the process
    short = tmp_path / "short.key"
    short.write_bytes(b"x" * 8)
    code, text = cli("audit", "verify", "--key-file", str(short), "--db", store_url)
    assert code == 2 and "32 bytes" in text


def test_seal_refuses_a_broken_chain(store_url: str, store: Store, raw_sql: Callable[..., Any],
                                     tmp_path: Path) -> None:
    _notes(store, 2)
    raw_sql("UPDATE audit SET payload = :p WHERE seq = 1", p='{"i":0,"text":"edited"}')
    key = _key(tmp_path)
    code, text = cli("audit", "seal", "--key-file", str(key), "--db", store_url)
    assert code == 2 and "broken" in text
    assert raw_sql("SELECT count(*) FROM audit_seals")[0][0] == 0
