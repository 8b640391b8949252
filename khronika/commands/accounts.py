"""Accounts, API tokens, `serve` and the hardened audit commands (issue 9).

Every change to users and tokens goes to the audit chain (who, what; never a password or a token).
Passwords never go on the command line, where `ps` and the shell history would show them: they are
asked for on the terminal, or read from stdin with --password-stdin.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import DbOpt
from .common import actor as _actor
from .common import fail as _fail
from .common import open_store as _open

if TYPE_CHECKING:
    from ..store import Store, VerifyResult

KeyFileOpt = Annotated[
    Path | None,
    typer.Option("--key-file", envvar="KHRONIKA_AUDIT_KEY_FILE",
                 help="File holding the audit HMAC key (keep it off the database's disk)."),
]
PasswordStdinOpt = Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")]
HostOpt = Annotated[str, typer.Option("--host", help="Address to bind. Anything but loopback exposes the "
                                                     "workbench to the network: put TLS in front.")]
OutOpt = Annotated[Path | None, typer.Option("--out", help="Write the head to this file (else stdout).")]
ROLE_HELP = "admin (users, settings), analyst (review, edit), viewer (read, redacted), ingest (machines)"

user_app = typer.Typer(help="Users, roles and API tokens. Every change is audited.", no_args_is_help=True)





def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line.strip():
            _fail("--password-stdin: stdin was empty")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        _fail("no terminal to ask for the password: use --password-stdin")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


# -- users -------------------------------------------------------------------------------------------


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="Login name: letters, digits, '_', '.', '@', '-'.")],
    role: Annotated[str, typer.Option("--role", help=ROLE_HELP)] = "viewer",
    password_stdin: PasswordStdinOpt = False,
    db: DbOpt = None,
) -> None:
    """Add a user. People get a password (asked twice, or from stdin); an ingest machine gets a token.

    Examples:

      khronika user add dana --role analyst                 (asks for the password)

      printf '%s\\n' "$PW" | khronika user add olzhas --role viewer --password-stdin

      khronika user add sms-gateway --role ingest           (prints its API token once)
    """
    from ..errors import KhronikaError
    from ..store import accounts as acc

    try:
        acc.check_name(name)
        acc.check_role(role)
        password = None if role == "ingest" else acc.check_password(_read_password(password_stdin))
        store = _open(db)
        acc.create_user(store, name, role, password, actor=_actor())
        if role == "ingest":
            token = acc.create_token(store, name, "created with the user", actor=_actor())
            typer.echo(f"added {name} ({role}). API token, shown once, store it now:\n{token}")
            return
    except KhronikaError as e:
        _fail(e)
    typer.echo(f"added {name} ({role})")


@user_app.command("list")
def user_list(db: DbOpt = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List users, their roles and how many API tokens each holds.

    Example: khronika user list --json
    """
    from ..errors import KhronikaError
    from ..store import accounts as acc

    try:
        rows = acc.list_users(_open(db))
    except KhronikaError as e:
        _fail(e)
        return
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    for u in rows:
        flag = "  (must change password)" if u["must_change"] else ""
        typer.echo(f"{u['name']:<24} {u['role']:<8} tokens={u['tokens']}  since {u['created_at'][:10]}{flag}")


@user_app.command("remove")
def user_remove(name: Annotated[str, typer.Argument(help="The user to remove.")], db: DbOpt = None) -> None:
    """Remove a user with their API tokens and sessions (the last admin stays).

    Example: khronika user remove olzhas
    """
    from ..errors import KhronikaError
    from ..store import accounts as acc

    try:
        acc.remove_user(_open(db), name, actor=_actor())
    except KhronikaError as e:
        _fail(e)
    typer.echo(f"removed {name}")


@user_app.command("role")
def user_role(
    name: Annotated[str, typer.Argument(help="The user.")],
    role: Annotated[str, typer.Argument(help=ROLE_HELP)],
    db: DbOpt = None,
) -> None:
    """Give a user another role; their sessions end.

    Example: khronika user role dana admin
    """
    from ..errors import KhronikaError
    from ..store import accounts as acc

    try:
        acc.set_role(_open(db), name, role, actor=_actor())
    except KhronikaError as e:
        _fail(e)
    typer.echo(f"{name} is now {role}")


@user_app.command("password")
def user_password(
    name: Annotated[str, typer.Argument(help="The user.")],
    password_stdin: PasswordStdinOpt = False,
    db: DbOpt = None,
) -> None:
    """Set a user's password (a reset: their sessions end).

    Example: khronika user password dana
    """
    from ..errors import KhronikaError
    from ..store import accounts as acc

    try:
        password = acc.check_password(_read_password(password_stdin))
        acc.set_password(_open(db), name, password, actor=_actor())
    except KhronikaError as e:
        _fail(e)
    typer.echo(f"password of {name} changed")


@user_app.command("token")
def user_token(
    name: Annotated[str, typer.Argument(help="The user the token acts as.")],
    label: Annotated[str, typer.Option("--label", help="What the token is for.")] = "cli",
    db: DbOpt = None,
) -> None:
    """Issue an API token (`Authorization: Bearer <token>`). It is printed once; only its hash is kept.

    Example: khronika user token sms-gateway --label "phone in the office"
    """
    from ..errors import KhronikaError
    from ..store import accounts as acc

    try:
        token = acc.create_token(_open(db), name, label, actor=_actor())
    except KhronikaError as e:
        _fail(e)
        return
    typer.echo(token)


# -- serve -------------------------------------------------------------------------------------------


def serve(
    host: HostOpt = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8765,
    db: DbOpt = None,
    workers: Annotated[
        int,
        typer.Option(
            "--workers", min=1, max=32,
            help="Server processes. One serves a small team; add one per spare core for many users.",
        ),
    ] = 1,
) -> None:
    """Serve the REST API and the workbench (loopback only by default).

    On a store without users, it creates user `admin` with a one-time password.

    Log in at /login with it, and choose your own.

    Examples:

      khronika serve                              (http://127.0.0.1:8765/)

      khronika serve --db postgresql://khronika@127.0.0.1/khronika --port 9000

      khronika serve --workers 2                  (two processes, for many users at once)
    """
    import uvicorn

    from ..errors import KhronikaError
    from ..store import accounts as acc
    from ..web.app import create_app

    try:
        store = _open(db)
        password = acc.ensure_admin(store)
    except KhronikaError as e:
        _fail(e)
        return
    if password is not None:
        typer.echo("No users yet: created admin 'admin'. One-time password (change it at first login):\n"
                   f"  {password}")
    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(f"warning: binding {host}: the workbench is reachable from the network", err=True)
    if workers > 1:  # each process opens the store itself (khronika.web.server)
        from ..web.server import run

        url = store.url
        store.close()
        run(url, host, port, workers)
        return
    try:
        uvicorn.run(create_app(store=store), host=host, port=port, log_level="info", proxy_headers=False,
                    server_header=False)
    finally:
        store.close()


# -- audit hardening ---------------------------------------------------------------------------------


@contextmanager
def _key_env(key_file: Path | None, *, use: bool = True) -> Iterator[None]:
    """Within the block, the store's appends and verify use this key (they read KHRONIKA_AUDIT_KEY_FILE),
    or no key when `use` is False; the environment is restored afterwards."""
    from ..store.audit import KEY_ENV, read_key

    saved = os.environ.get(KEY_ENV)
    if key_file is not None:
        read_key(str(key_file))  # fail early and clearly
    try:
        if use and key_file is not None:
            os.environ[KEY_ENV] = str(key_file)
        elif not use:
            os.environ.pop(KEY_ENV, None)
        yield
    finally:
        if saved is None:
            os.environ.pop(KEY_ENV, None)
        else:
            os.environ[KEY_ENV] = saved


def verify_chain(store: Store, head_file: Path | None, key_file: Path | None) -> VerifyResult:
    """`audit verify`: the chain, the seals when a key is given, and an exported head when given."""
    from ..errors import InputError
    from ..store import VerifyResult
    from ..store import audit as audit_mod

    head = None
    if head_file is not None:
        try:
            head = json.loads(head_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise InputError(f"cannot read the exported head: {e}", path=str(head_file)) from e
        if not isinstance(head, dict):
            raise InputError("not an exported head (a JSON object with seq and hash)", path=str(head_file))
    with _key_env(key_file):
        res = store.audit_verify()
    if not res.ok or head is None:
        return res
    with store.read() as conn:
        why = audit_mod.check_head(conn, head)
    if why is None:
        return res
    return VerifyResult(ok=False, entries=res.entries, first_broken=min(int(head["seq"]), res.entries + 1),
                        reason=why)


def audit_head(
    out: OutOpt = None,
    db: DbOpt = None,
) -> None:
    """Export the chain's head (seq, hash, time of the last entry) to keep somewhere else.

    Later, `khronika audit verify --head FILE` proves the chain still reaches that entry unchanged: a cut
    tail or a rewrite is caught. Keep the file off the machine (a USB stick, an email to a colleague).

    Example: khronika audit head --out head-2022-01-10.json
    """
    from ..errors import KhronikaError
    from ..store import audit as audit_mod

    try:
        store = _open(db)
        with store.read() as conn:
            head = audit_mod.head_entry(conn)
    except KhronikaError as e:
        _fail(e)
        return
    if head is None:
        _fail("the audit chain is empty: nothing to export")
        return
    text = json.dumps(head, indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as e:
        _fail(f"{out}: {e.strerror}")
    typer.echo(f"head: entry {head['seq']} {head['hash'][:16]}... written to {out}", err=True)


def audit_keygen(
    out: Annotated[Path, typer.Option("--out", help="Where to write the new key (must not exist).")],
) -> None:
    """Create an audit HMAC key file (32 random bytes, readable by you only).

    Then set KHRONIKA_AUDIT_KEY_FILE to it (or pass --key-file): every new audit entry is sealed, and
    `audit verify` requires a valid seal on every entry, so rewriting the chain needs the key. Keep the
    key away from the database (another disk, a token); without it, verify cannot check the seals.

    Example:

      khronika audit keygen --out ~/.khronika-audit.key

      khronika audit seal --key-file ~/.khronika-audit.key
    """
    import secrets

    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as e:
        _fail(f"{out}: {e.strerror}")
        return
    with os.fdopen(fd, "wb") as f:
        f.write(secrets.token_bytes(32))
    typer.echo(f"wrote a new audit key to {out}; export KHRONIKA_AUDIT_KEY_FILE={out}")


def audit_seal(key_file: KeyFileOpt = None, db: DbOpt = None) -> None:
    """Seal the entries written before the key was configured (after verifying the chain).

    Example: khronika audit seal --key-file ~/.khronika-audit.key
    """
    from ..errors import KhronikaError
    from ..store import audit as audit_mod

    if key_file is None:
        _fail("no key: pass --key-file or set KHRONIKA_AUDIT_KEY_FILE")
        return
    try:
        key = audit_mod.read_key(str(key_file))
        store = _open(db)
        with _key_env(key_file, use=False):  # the chain itself first; the seals are what we add
            res = store.audit_verify()
        if not res.ok:
            _fail(f"the chain is broken at entry {res.first_broken} ({res.reason}); not sealing it")
        with store.write() as conn:
            n = audit_mod.seal_missing(conn, key)
    except KhronikaError as e:
        _fail(e)
        return
    typer.echo(f"sealed {n} entries")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(user_app, name="user")
    app.command("serve")(serve)
    audit_app = next(g.typer_instance for g in app.registered_groups if g.name == "audit")
    if audit_app is not None:
        audit_app.command("head")(audit_head)
        audit_app.command("keygen")(audit_keygen)
        audit_app.command("seal")(audit_seal)
