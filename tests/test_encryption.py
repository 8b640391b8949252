"""Encryption at rest: an SQLCipher store reads as noise without its passphrase."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from khronika.errors import StoreError
from khronika.model import Document
from khronika.store import Store

WITNESS = "Zhanargul Temirbekova"
TEXT = f"{WITNESS}, a nurse: I saw smoke over the akimat on the evening of January 5."


def _khronika(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("KHRONIKA_PASSPHRASE")}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "khronika.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=300,
    )


@pytest.fixture
def encrypted(tmp_path: Path, make_doc: Callable[..., Document]) -> tuple[str, Path]:
    path = tmp_path / "field.db"
    url = f"sqlite:///{path}"
    with Store(url, passphrase="correct horse", encrypt=True) as store:
        store.save(make_doc(TEXT, source="a"))
    return url, path


def test_file_reads_as_noise_without_the_passphrase(encrypted: tuple[str, Path]) -> None:
    url, path = encrypted
    for part in path.parent.glob(path.name + "*"):  # the database and any WAL/SHM beside it
        assert WITNESS.encode() not in part.read_bytes(), part
        assert b"akimat" not in part.read_bytes(), part
    assert not path.read_bytes().startswith(b"SQLite format 3")
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        sqlite3.connect(path).execute("SELECT * FROM sqlite_master").fetchall()
    with Store(url, passphrase="correct horse") as store:
        assert store.encrypted
        assert [d["id"] for d in store.documents()]
        assert "correct horse" not in str(store.engine.url)  # the key is in no URL
        assert store.audit_verify().ok


def test_missing_and_wrong_passphrase_are_one_clear_line(encrypted: tuple[str, Path]) -> None:
    url, _ = encrypted
    with pytest.raises(StoreError, match="is encrypted"):
        Store(url)
    with pytest.raises(StoreError, match="wrong passphrase"):
        Store(url, passphrase="battery staple")
    proc = _khronika("documents", "--db", url, env={"KHRONIKA_PASSPHRASE": "battery staple"}, stdin="")
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0, proc.stderr  # SQLCipher's own logging is silenced
    assert "wrong passphrase" in proc.stderr


def test_cli_init_and_rekey(tmp_path: Path, make_doc: Callable[..., Document]) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    made = _khronika("init", "--encrypt", "--db", url, env={"KHRONIKA_PASSPHRASE": "first"}, stdin="")
    assert made.returncode == 0, made.stderr
    again = _khronika("init", "--encrypt", "--db", url, env={"KHRONIKA_PASSPHRASE": "first"}, stdin="")
    assert again.returncode == 2 and "already exists" in again.stderr
    with Store(url, passphrase="first") as store:
        store.save(make_doc(TEXT, source="a"))
    env = {"KHRONIKA_PASSPHRASE": "first", "KHRONIKA_NEW_PASSPHRASE": "second"}
    changed = _khronika("rekey", "--db", url, env=env, stdin="")
    assert changed.returncode == 0, changed.stderr
    with pytest.raises(StoreError, match="wrong passphrase"):
        Store(url, passphrase="first")
    with Store(url, passphrase="second") as store:
        assert len(store.documents()) == 1
        kinds = [e["kind"] for e in store.audit_entries()]
        assert "store.init" in kinds and "store.rekey" in kinds
        assert store.audit_verify().ok


def test_rekey_refuses_a_plain_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'plain.db'}"
    Store(url).close()
    proc = _khronika("rekey", "--db", url, env={"KHRONIKA_NEW_PASSPHRASE": "x"}, stdin="")
    assert proc.returncode == 2 and "not an encrypted store" in proc.stderr


def test_postgresql_is_not_encrypted_by_khronika() -> None:
    with pytest.raises(StoreError, match="disk encryption"):
        Store("postgresql+psycopg://nobody@127.0.0.1:1/none", encrypt=True, passphrase="x")
