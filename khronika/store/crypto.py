"""Encryption at rest for SQLite stores, with SQLCipher (`sqlcipher3-binary`).

A seized laptop must not expose witnesses. An encrypted store is an ordinary SQLite URL whose file is
an SQLCipher database; the passphrase never appears in the URL or on a command line (where `ps` would
show it). It reaches SQLCipher through the engine's connection factory below, from the caller, from
`KHRONIKA_PASSPHRASE`, or from a prompt in the CLI.

How a store is known to be encrypted: a plain SQLite file starts with the 16 bytes
"SQLite format 3\\0"; an SQLCipher file starts with a random salt. So no marker file is needed, and a
copied store stays recognisable.

PostgreSQL stores are not covered here: they rely on the server's disk encryption (docs/storage.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL

from ..errors import StoreError

PASSPHRASE_ENV = "KHRONIKA_PASSPHRASE"
NEW_PASSPHRASE_ENV = "KHRONIKA_NEW_PASSPHRASE"
SQLITE_MAGIC = b"SQLite format 3\x00"


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for other engines and in-memory databases."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(str(url.database)).expanduser()


def is_encrypted_file(path: Path | None) -> bool:
    if path is None or not path.is_file() or path.stat().st_size == 0:
        return False
    with path.open("rb") as f:
        return f.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC


def env_passphrase() -> str | None:
    return os.environ.get(PASSPHRASE_ENV) or None


def _literal(passphrase: str) -> str:
    # PRAGMA takes no bound parameters; a quoted SQL string literal is the documented form.
    return "'" + passphrase.replace("'", "''") + "'"


def _module() -> Any:
    try:
        import sqlcipher3.dbapi2 as sqlcipher
    except ImportError as e:  # pragma: no cover - the wheel is a dependency
        raise StoreError("encrypted stores need the sqlcipher3-binary package") from e
    return sqlcipher


def dbapi_module() -> Any:
    """The DB-API module SQLAlchemy's sqlite dialect should use for an encrypted store."""
    return _module()


def connector(path: Path, passphrase: str) -> Callable[[], Any]:
    """A connection factory that keys each new connection before anything else touches it."""
    sqlcipher = _module()

    def connect() -> Any:
        conn = sqlcipher.connect(str(path), timeout=30, check_same_thread=False)
        # SQLCipher logs decryption failures to stderr by itself; the store reports them as one line.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = {_literal(passphrase)}")
        return conn

    return connect


def rekey(path: Path, old: str, new: str) -> None:
    """Change the passphrase of the encrypted store at `path` (SQLCipher re-encrypts every page)."""
    if not new:
        raise StoreError("the new passphrase is empty")
    conn = connector(path, old)()
    try:
        check_readable(conn, path)
        conn.execute(f"PRAGMA rekey = {_literal(new)}")
    finally:
        conn.close()


def check_readable(conn: Any, path: Path) -> None:
    """Fail with one clear line when the passphrase does not open the file."""
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except _module().DatabaseError as e:
        msg = f"wrong passphrase for the encrypted store {path} (or it is not a Khronika store)"
        raise StoreError(msg) from e
