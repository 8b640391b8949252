"""Accounts: users with argon2 password hashes, API tokens, browser sessions and settings.

Every change a human makes here (a user added, removed or given another role, a password changed, a
token issued or revoked, a setting changed) goes to the audit chain in the same transaction as the
change itself, with who did it and never a secret. Reads (logins, token checks) are not audited.

    from khronika.store.accounts import create_user, authenticate
    create_user(store, "dana", "analyst", "a long passphrase")
    authenticate(store, "dana", "a long passphrase")   # Principal(id=..., name="dana", role="analyst")
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Connection

from ..errors import InputError
from . import audit as audit_mod
from .tables_accounts import api_tokens, sessions, settings, users

if TYPE_CHECKING:
    from .store import Store

ROLES = ("admin", "analyst", "viewer", "ingest")
HUMAN_ROLES = ("admin", "analyst", "viewer")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
PASSWORD_MIN = 10
PASSWORD_MAX = 1024  # argon2 hashes anything, but a megabyte "password" is a denial of service
SESSION_HOURS = 12
TOKEN_PREFIX = "khr_"
SETTING_KEY_RE = re.compile(r"^[a-z][a-z0-9_.-]{0,127}$")

_hasher = PasswordHasher()
# Verified against when the name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Principal:
    """Who is calling: a person (admin, analyst, viewer) or a machine (ingest)."""

    id: str
    name: str
    role: str  # "admin" | "analyst" | "viewer" | "ingest"


# -- helpers -----------------------------------------------------------------------------------------


def _sha(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@contextmanager
def _read(store: Store) -> Iterator[Connection]:
    with store.read() as conn:
        yield conn


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise InputError(f"bad user name {name!r}: 1-64 letters, digits, '_', '.', '@' or '-'")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    return role


def check_password(password: str) -> str:
    if not isinstance(password, str) or not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise InputError(f"a password needs {PASSWORD_MIN} to {PASSWORD_MAX} characters")
    return password


def new_password() -> str:
    """A generated password (about 128 bits), for first admins and resets."""
    return secrets.token_urlsafe(16)


def _user_row(conn: Connection, name: str) -> Any:
    return conn.execute(sa.select(users).where(users.c.name == name)).first()


def _require_user(conn: Connection, name: str) -> Any:
    row = _user_row(conn, name)
    if row is None:
        raise InputError(f"no user named {name!r}")
    return row


def _audit(conn: Connection, kind: str, payload: dict[str, Any]) -> None:
    audit_mod.append_entry(conn, kind, payload)


# -- users -------------------------------------------------------------------------------------------


def create_user(store: Store, name: str, role: str, password: str | None, *, must_change: bool = False,
                actor: str = "cli") -> str:
    """Add a user; returns its id. `password` may be None only for the machine role "ingest"."""
    check_name(name)
    check_role(role)
    if password is None and role != "ingest":
        raise InputError(f"role {role!r} needs a password")
    pw_hash = None if password is None else _hasher.hash(check_password(password))
    uid = uuid.uuid4().hex
    with store.write() as conn:
        if _user_row(conn, name) is not None:
            raise InputError(f"a user named {name!r} already exists")
        conn.execute(sa.insert(users).values(id=uid, name=name, role=role, password_hash=pw_hash,
                                             must_change=int(must_change), created_at=audit_mod.utc_now()))
        _audit(conn, "user.add", {"user_id": uid, "name": name, "role": role, "by": actor})
    return uid


def list_users(store: Store) -> list[dict[str, Any]]:
    """Users without their hashes, with how many API tokens each holds."""
    n_tokens = (sa.select(sa.func.count()).where(api_tokens.c.user_id == users.c.id)
                .scalar_subquery().label("tokens"))
    q = sa.select(users.c.id, users.c.name, users.c.role, users.c.must_change, users.c.created_at,
                  n_tokens).order_by(users.c.name)
    with _read(store) as conn:
        return [{**dict(r._mapping), "must_change": bool(r.must_change)} for r in conn.execute(q)]


def count_users(store: Store) -> int:
    with _read(store) as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(users)).scalar_one())


def get_user(store: Store, name: str) -> dict[str, Any] | None:
    return next((u for u in list_users(store) if u["name"] == name), None)


def _admins_left(conn: Connection, without: str) -> int:
    q = sa.select(sa.func.count()).select_from(users).where(users.c.role == "admin", users.c.id != without)
    return int(conn.execute(q).scalar_one())


def remove_user(store: Store, name: str, *, actor: str = "cli") -> None:
    """Delete a user with its tokens and sessions. The last admin cannot be removed."""
    with store.write() as conn:
        row = _require_user(conn, name)
        if row.role == "admin" and _admins_left(conn, row.id) == 0:
            raise InputError(f"{name!r} is the last admin; add another admin first")
        conn.execute(sa.delete(api_tokens).where(api_tokens.c.user_id == row.id))
        conn.execute(sa.delete(sessions).where(sessions.c.user_id == row.id))
        conn.execute(sa.delete(users).where(users.c.id == row.id))
        _audit(conn, "user.remove", {"user_id": row.id, "name": name, "role": row.role, "by": actor})


def set_role(store: Store, name: str, role: str, *, actor: str = "cli") -> None:
    check_role(role)
    with store.write() as conn:
        row = _require_user(conn, name)
        if row.role == "admin" and role != "admin" and _admins_left(conn, row.id) == 0:
            raise InputError(f"{name!r} is the last admin; add another admin first")
        if role != "ingest" and row.password_hash is None:
            raise InputError(f"{name!r} has no password; a human role needs one")
        conn.execute(sa.update(users).where(users.c.id == row.id).values(role=role))
        conn.execute(sa.delete(sessions).where(sessions.c.user_id == row.id))  # log in again as the new role
        _audit(conn, "user.role", {"user_id": row.id, "name": name, "from": row.role, "to": role,
                                   "by": actor})


def set_password(store: Store, name: str, password: str, *, actor: str = "cli",
                 keep_session: str | None = None) -> None:
    """Change a password; every other session of the user ends."""
    pw_hash = _hasher.hash(check_password(password))
    with store.write() as conn:
        row = _require_user(conn, name)
        conn.execute(sa.update(users).where(users.c.id == row.id)
                     .values(password_hash=pw_hash, must_change=0))
        q = sa.delete(sessions).where(sessions.c.user_id == row.id)
        if keep_session:
            q = q.where(sessions.c.id_sha256 != _sha(keep_session))
        conn.execute(q)
        _audit(conn, "user.password", {"user_id": row.id, "name": name, "by": actor})


def authenticate(store: Store, name: str, password: str) -> Principal | None:
    """The principal if name and password match; None otherwise, in about the same time either way."""
    if not isinstance(name, str) or not isinstance(password, str) or len(password) > PASSWORD_MAX:
        return None
    with _read(store) as conn:
        row = _user_row(conn, name) if NAME_RE.match(name) else None
    stored = row.password_hash if row is not None and row.password_hash else _DUMMY_HASH
    try:
        ok: bool = _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None or not row.password_hash:
        return None
    return Principal(id=row.id, name=row.name, role=row.role)


def must_change(store: Store, name: str) -> bool:
    with _read(store) as conn:
        row = _user_row(conn, name)
    return bool(row is not None and row.must_change)


def ensure_admin(store: Store, name: str = "admin") -> str | None:
    """On a store without users, create admin `name` with a generated password and return the password
    (shown once); None when users exist."""
    if count_users(store) > 0:
        return None
    password = new_password()
    create_user(store, name, "admin", password, must_change=True, actor="serve")
    return password


# -- API tokens --------------------------------------------------------------------------------------


def create_token(store: Store, user_name: str, label: str, *, actor: str = "cli") -> str:
    """Issue an API token for a user; returns the secret, which is shown once and stored only hashed."""
    label = (label or "").strip()[:200] or "token"
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    tid = uuid.uuid4().hex
    with store.write() as conn:
        row = _require_user(conn, user_name)
        conn.execute(sa.insert(api_tokens).values(id=tid, user_id=row.id, label=label,
                                                  secret_sha256=_sha(secret), created_at=audit_mod.utc_now()))
        _audit(conn, "token.create", {"token_id": tid, "user_id": row.id, "name": user_name, "label": label,
                                      "by": actor})
    return secret


def list_tokens(store: Store, user_name: str) -> list[dict[str, Any]]:
    with _read(store) as conn:
        row = _require_user(conn, user_name)
        q = sa.select(api_tokens.c.id, api_tokens.c.label, api_tokens.c.created_at).where(
            api_tokens.c.user_id == row.id).order_by(api_tokens.c.created_at)
        return [dict(r._mapping) for r in conn.execute(q)]


def revoke_token(store: Store, token_id: str, *, actor: str = "cli") -> None:
    with store.write() as conn:
        row = conn.execute(sa.select(api_tokens).where(api_tokens.c.id == token_id)).first()
        if row is None:
            raise InputError(f"no token with id {token_id!r}")
        conn.execute(sa.delete(api_tokens).where(api_tokens.c.id == token_id))
        _audit(conn, "token.revoke", {"token_id": token_id, "user_id": row.user_id, "by": actor})


def principal_for_token(store: Store, token: str) -> Principal | None:
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    q = (sa.select(users.c.id, users.c.name, users.c.role)
         .join(api_tokens, api_tokens.c.user_id == users.c.id)
         .where(api_tokens.c.secret_sha256 == _sha(token)))
    with _read(store) as conn:
        row = conn.execute(q).first()
    return None if row is None else Principal(id=row.id, name=row.name, role=row.role)


# -- sessions ----------------------------------------------------------------------------------------


def create_session(store: Store, principal: Principal) -> tuple[str, str]:
    """A new browser session: (session id for the cookie, CSRF token). Only the id's hash is stored."""
    sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = _now()
    with store.write() as conn:
        conn.execute(sa.delete(sessions).where(sessions.c.expires_at < _iso(now)))  # sweep expired ones
        conn.execute(sa.insert(sessions).values(id_sha256=_sha(sid), user_id=principal.id, csrf=csrf,
                                                created_at=_iso(now),
                                                expires_at=_iso(now + timedelta(hours=SESSION_HOURS))))
    return sid, csrf


def session_principal(store: Store, session_id: str) -> tuple[Principal, str] | None:
    """(principal, CSRF token) of a live session; None when unknown or expired."""
    if not isinstance(session_id, str) or not 20 <= len(session_id) <= 100:
        return None
    q = (sa.select(users.c.id, users.c.name, users.c.role, sessions.c.csrf, sessions.c.expires_at)
         .join(sessions, sessions.c.user_id == users.c.id)
         .where(sessions.c.id_sha256 == _sha(session_id)))
    with _read(store) as conn:
        row = conn.execute(q).first()
    if row is None or row.expires_at < _iso(_now()):
        return None
    return Principal(id=row.id, name=row.name, role=row.role), str(row.csrf)


def end_session(store: Store, session_id: str) -> None:
    with store.write() as conn:
        conn.execute(sa.delete(sessions).where(sessions.c.id_sha256 == _sha(session_id)))


def same_secret(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


# -- settings ----------------------------------------------------------------------------------------


def get_settings(store: Store) -> dict[str, Any]:
    with _read(store) as conn:
        return {r.key: r.value for r in conn.execute(sa.select(settings).order_by(settings.c.key))}


def get_setting(store: Store, key: str, default: Any = None) -> Any:
    return get_settings(store).get(key, default)


def set_setting(store: Store, key: str, value: Any, *, actor: str = "cli") -> None:
    """Set (or with value None, delete) a setting; audited with old and new value."""
    if not isinstance(key, str) or not SETTING_KEY_RE.match(key):
        raise InputError(f"bad setting key {key!r}: lower-case letters, digits, '_', '.', '-'")
    try:
        audit_mod.canonical_json(value)
    except (TypeError, ValueError) as e:
        raise InputError(f"setting {key!r}: value is not plain JSON ({e})") from e
    with store.write() as conn:
        old = conn.execute(sa.select(settings.c.value).where(settings.c.key == key)).scalar_one_or_none()
        conn.execute(sa.delete(settings).where(settings.c.key == key))
        if value is not None:
            conn.execute(sa.insert(settings).values(key=key, value=value, updated_at=audit_mod.utc_now(),
                                                    updated_by=actor))
        _audit(conn, "setting", {"key": key, "from": old, "to": value, "by": actor})
