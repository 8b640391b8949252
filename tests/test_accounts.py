"""Accounts on real SQLite and PostgreSQL: argon2 passwords, hashed tokens, sessions, settings, and every
change audited without a secret; the `user` commands and `serve`'s first admin end to end."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from khronika.cli import app
from khronika.errors import InputError
from khronika.store import Store
from khronika.store import accounts as acc

PW_ADMIN = "correct horse battery"
PW_DANA = "dana's own passphrase"


def _audit_text(store: Store) -> str:
    return "\n".join(e["payload"] for e in store.audit_entries())


def _kinds(store: Store) -> list[str]:
    return [e["kind"] for e in store.audit_entries()]


# -- users and passwords -----------------------------------------------------------------------------


def test_password_login(store: Store, raw_sql: Callable[..., Any]) -> None:
    uid = acc.create_user(store, "dana", "analyst", PW_DANA)
    p = acc.authenticate(store, "dana", PW_DANA)
    assert p == acc.Principal(id=uid, name="dana", role="analyst")
    assert acc.authenticate(store, "dana", PW_DANA + "x") is None
    assert acc.authenticate(store, "nobody", PW_DANA) is None
    assert acc.authenticate(store, "dana", "") is None
    stored = raw_sql("SELECT password_hash FROM users WHERE name = 'dana'")[0][0]
    assert stored.startswith("$argon2id$") and PW_DANA not in stored


def test_bad_input_changes_nothing(store: Store) -> None:
    acc.create_user(store, "dana", "analyst", PW_DANA)
    before = (acc.list_users(store), store.audit_entries())
    bad: list[tuple[str, str, str | None]] = [
        ("dana", "viewer", PW_DANA),  # exists
        ("", "viewer", PW_DANA),
        ("has space", "viewer", PW_DANA),
        ("x" * 65, "viewer", PW_DANA),
        ("olzhas", "boss", PW_DANA),
        ("olzhas", "viewer", "short"),
        ("olzhas", "viewer", None),  # people need a password
    ]
    for name, role, pw in bad:
        with pytest.raises(InputError):
            acc.create_user(store, name, role, pw)
    with pytest.raises(InputError):
        acc.remove_user(store, "olzhas")
    with pytest.raises(InputError):
        acc.create_token(store, "olzhas", "x")
    assert (acc.list_users(store), store.audit_entries()) == before


def test_last_admin_stays(store: Store) -> None:
    acc.create_user(store, "root", "admin", PW_ADMIN)
    with pytest.raises(InputError, match="last admin"):
        acc.remove_user(store, "root")
    with pytest.raises(InputError, match="last admin"):
        acc.set_role(store, "root", "viewer")
    acc.create_user(store, "root2", "admin", PW_ADMIN)
    acc.remove_user(store, "root")
    assert [u["name"] for u in acc.list_users(store)] == ["root2"]


def test_role_change_and_password_reset_end_sessions(store: Store) -> None:
    acc.create_user(store, "root", "admin", PW_ADMIN)
    p = acc.create_user(store, "dana", "viewer", PW_DANA)
    principal = acc.Principal(id=p, name="dana", role="viewer")
    sid, _ = acc.create_session(store, principal)
    acc.set_role(store, "dana", "analyst", actor="root")
    assert acc.session_principal(store, sid) is None
    assert acc.authenticate(store, "dana", PW_DANA) == acc.Principal(id=p, name="dana", role="analyst")
    sid, _ = acc.create_session(store, principal)
    acc.set_password(store, "dana", "a brand new passphrase", actor="root")
    assert acc.session_principal(store, sid) is None
    assert acc.authenticate(store, "dana", PW_DANA) is None
    assert acc.authenticate(store, "dana", "a brand new passphrase") is not None


# -- tokens and sessions -----------------------------------------------------------------------------


def test_tokens_are_stored_hashed(store: Store, raw_sql: Callable[..., Any]) -> None:
    uid = acc.create_user(store, "gateway", "ingest", None)
    token = acc.create_token(store, "gateway", "phone")
    assert acc.principal_for_token(store, token) == acc.Principal(id=uid, name="gateway", role="ingest")
    assert acc.principal_for_token(store, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert acc.principal_for_token(store, "") is None
    assert acc.authenticate(store, "gateway", "anything at all") is None  # machines have no password
    dump = json.dumps([list(r) for r in raw_sql("SELECT * FROM api_tokens")])
    assert token not in dump and token[len(acc.TOKEN_PREFIX):] not in dump
    [tok] = acc.list_tokens(store, "gateway")
    acc.revoke_token(store, tok["id"])
    assert acc.principal_for_token(store, token) is None


def test_sessions(store: Store, raw_sql: Callable[..., Any]) -> None:
    uid = acc.create_user(store, "dana", "viewer", PW_DANA)
    principal = acc.Principal(id=uid, name="dana", role="viewer")
    sid, csrf = acc.create_session(store, principal)
    assert acc.session_principal(store, sid) == (principal, csrf)
    assert sid not in json.dumps([list(r) for r in raw_sql("SELECT * FROM sessions")])
    assert acc.session_principal(store, sid + "x") is None
    raw_sql("UPDATE sessions SET expires_at = '2000-01-01T00:00:00.000000Z'")
    assert acc.session_principal(store, sid) is None
    sid2, _ = acc.create_session(store, principal)
    acc.end_session(store, sid2)
    assert acc.session_principal(store, sid2) is None


# -- audit and settings ------------------------------------------------------------------------------


def test_changes_are_audited_without_secrets(store: Store) -> None:
    acc.create_user(store, "root", "admin", PW_ADMIN, actor="setup")
    acc.create_user(store, "dana", "viewer", PW_DANA, actor="root")
    acc.create_user(store, "gateway", "ingest", None, actor="root")
    token = acc.create_token(store, "gateway", "phone", actor="root")
    acc.set_role(store, "dana", "analyst", actor="root")
    acc.set_password(store, "dana", "another passphrase!", actor="root")
    acc.set_setting(store, "export.policy", "public", actor="root")
    acc.set_setting(store, "export.policy", None, actor="root")
    acc.remove_user(store, "dana", actor="root")
    assert _kinds(store) == ["user.add", "user.add", "user.add", "token.create", "user.role", "user.password",
                             "setting", "setting", "user.remove"]
    text = _audit_text(store)
    for secret in (PW_ADMIN, PW_DANA, "another passphrase!", token, token[len(acc.TOKEN_PREFIX):]):
        assert secret not in text
    payloads = [json.loads(e["payload"]) for e in store.audit_entries()]
    assert [p["by"] for p in payloads] == ["setup"] + ["root"] * 8
    assert payloads[4]["from"] == "viewer" and payloads[4]["to"] == "analyst"
    assert payloads[6]["to"] == "public" and payloads[7]["from"] == "public"
    assert store.audit_verify().ok


def test_settings(store: Store) -> None:
    acc.set_setting(store, "map.center", {"lat": 43.25, "lon": 76.9})
    acc.set_setting(store, "review.quorum", 2)
    assert acc.get_settings(store) == {"map.center": {"lat": 43.25, "lon": 76.9}, "review.quorum": 2}
    acc.set_setting(store, "review.quorum", None)
    assert acc.get_setting(store, "review.quorum", "absent") == "absent"
    n = len(store.audit_entries())
    with pytest.raises(InputError):
        acc.set_setting(store, "Bad Key", 1)
    with pytest.raises(InputError):
        acc.set_setting(store, "x", float("nan"))
    assert len(store.audit_entries()) == n


def test_first_admin_only_once(store: Store) -> None:
    password = acc.ensure_admin(store)
    assert password is not None and len(password) >= acc.PASSWORD_MIN
    assert acc.authenticate(store, "admin", password) is not None
    assert acc.must_change(store, "admin")
    assert acc.ensure_admin(store) is None
    acc.set_password(store, "admin", "my own admin passphrase", actor="admin")
    assert not acc.must_change(store, "admin")


# -- the user commands -------------------------------------------------------------------------------

runner = CliRunner()


def cli(*args: str, stdin: str | None = None) -> tuple[int, str]:
    res = runner.invoke(app, list(args), input=stdin)
    return res.exit_code, res.output


def test_user_commands(store_url: str, store: Store) -> None:
    db = ("--db", store_url)
    code, out = cli("user", "add", "dana", "--role", "analyst", "--password-stdin", *db, stdin=PW_DANA + "\n")
    assert code == 0, out
    assert acc.authenticate(store, "dana", PW_DANA) is not None
    code, out = cli("user", "add", "gw", "--role", "ingest", *db)
    assert code == 0, out
    token = re.findall(r"khr_[A-Za-z0-9_-]+", out)[0]
    assert acc.principal_for_token(store, token) is not None
    code, out = cli("user", "token", "dana", "--label", "script", *db)
    assert code == 0 and acc.principal_for_token(store, out.strip()) is not None
    code, out = cli("user", "list", "--json", *db)
    rows = json.loads(out)
    assert [(r["name"], r["role"], r["tokens"]) for r in rows] == [("dana", "analyst", 1),
                                                                     ("gw", "ingest", 1)]
    assert "hash" not in out
    code, _ = cli("user", "remove", "gw", *db)
    assert code == 0 and acc.principal_for_token(store, token) is None
    assert PW_DANA not in _audit_text(store) and token not in _audit_text(store)


@pytest.mark.parametrize("args", [
    ("user", "add", "olzhas", "--role", "boss", "--password-stdin"),
    ("user", "add", "bad name", "--role", "viewer", "--password-stdin"),
    ("user", "add", "olzhas", "--role", "viewer", "--password-stdin"),  # password too short
    ("user", "remove", "nobody"),
    ("user", "token", "nobody"),
    ("user", "role", "nobody", "viewer"),
])
def test_user_commands_bad_input(tmp_path: Path, args: tuple[str, ...]) -> None:
    url = f"sqlite:///{tmp_path / 'k.db'}"
    with Store(url) as s:
        before = s.audit_entries()
    code, out = cli(*args, "--db", url, stdin="short\n")
    assert code == 2
    assert "error:" in out and len(out.strip().splitlines()) == 1
    with Store(url) as s:
        assert acc.list_users(s) == [] and s.audit_entries() == before


# -- serve -------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """`khronika serve` in a subprocess on a fresh store: (base URL, printed output, db URL)."""
    url = f"sqlite:///{tmp_path / 'k.db'}"
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "khronika.cli", "serve", "--db", url, "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # wait for uvicorn to say it is up
            lines.append(line)
            if "Uvicorn running on" in line:
                break
        for _ in range(100):
            try:
                httpx.get(base + "/api/auth/me", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base, "".join(lines), url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_serve_creates_first_admin_once(served: tuple[str, str, str]) -> None:
    base, output, url = served
    m = re.search(r"One-time password.*\n\s+(\S+)", output)
    assert m, output
    password = m.group(1)
    assert "127.0.0.1" in output
    with httpx.Client(base_url=base) as c:
        assert c.get("/api/auth/me").status_code == 401
        wrong = c.post("/api/auth/login", json={"name": "admin", "password": "wrong password"})
        assert wrong.status_code == 401
        r = c.post("/api/auth/login", json={"name": "admin", "password": password})
        assert r.status_code == 200 and r.json()["must_change"] is True
        csrf = c.cookies["khronika_csrf"]
        r = c.post("/api/auth/password", json={"current": password, "new": "the admin's own passphrase"},
                   headers={"X-CSRF-Token": csrf})
        assert r.status_code == 204
        assert c.get("/api/auth/me").json()["must_change"] is False
    with Store(url) as s:
        assert acc.ensure_admin(s) is None  # users exist now: no second admin
        assert [u["name"] for u in acc.list_users(s)] == ["admin"]
        assert password not in _audit_text(s)


# -- arbitrary input (hypothesis) --------------------------------------------------------------------

EXAMPLES = int(os.environ.get("KHRONIKA_HYPOTHESIS_EXAMPLES", "25"))


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with Store(f"sqlite:///{tmp_path_factory.mktemp('acc') / 'k.db'}") as s:
        yield s


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.one_of(st.text(max_size=70), st.from_regex(acc.NAME_RE, fullmatch=True)),
       role=st.one_of(st.sampled_from(acc.ROLES), st.text(max_size=8)),
       password=st.one_of(st.none(), st.text(max_size=40)))
def test_create_user_on_any_input(shared_store: Store, name: str, role: str, password: str | None) -> None:
    """Whatever comes in: either exactly that user is added (one audit entry), or InputError and nothing."""
    users_before, audit_before = acc.list_users(shared_store), len(shared_store.audit_entries())
    try:
        acc.create_user(shared_store, name, role, password)
    except InputError:
        assert acc.list_users(shared_store) == users_before
        assert len(shared_store.audit_entries()) == audit_before
        return
    assert acc.NAME_RE.fullmatch(name) and role in acc.ROLES
    assert password is not None or role == "ingest"
    added = [u for u in acc.list_users(shared_store) if u not in users_before]
    assert [(u["name"], u["role"]) for u in added] == [(name, role)]
    assert len(shared_store.audit_entries()) == audit_before + 1
    if password is not None:
        assert acc.authenticate(shared_store, name, password) is not None
