"""`init --encrypt` and `rekey`: SQLCipher stores (issue 9).

A seized laptop must not expose witnesses, so a store can be created encrypted. The passphrase comes
from a prompt or from KHRONIKA_PASSPHRASE; it never goes on the command line, where `ps` shows it.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from .common import DbOpt
from .common import fail as _fail


def _new_passphrase(env: str, what: str) -> str:
    """A new passphrase: from `env`, else asked twice on a terminal."""
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        raise typer.BadParameter(f"no terminal to ask for the {what}: set {env}")
    return str(typer.prompt(what.capitalize(), hide_input=True, confirmation_prompt=True))



def init(
    db: DbOpt = None,
    encrypt: Annotated[
        bool, typer.Option("--encrypt", help="Encrypt the SQLite file with SQLCipher.")
    ] = False,
) -> None:
    """Create an empty store, optionally encrypted at rest.

    Examples:

      KHRONIKA_PASSPHRASE=... khronika init --encrypt --db sqlite:///field.db

      khronika init --encrypt          (asks for the passphrase twice)

    Opened later, the store asks for its passphrase (or reads KHRONIKA_PASSPHRASE). Without it the file
    is noise. PostgreSQL stores rely on the server's disk encryption instead.
    """
    from ..errors import KhronikaError
    from ..store import Store
    from ..store.crypto import PASSPHRASE_ENV

    try:
        key = _new_passphrase(PASSPHRASE_ENV, "passphrase") if encrypt else None
        with Store(db, passphrase=key, encrypt=encrypt) as store:
            store.audit_append("store.init", {"encrypted": encrypt})
            typer.echo(f"created {'an encrypted' if encrypt else 'a'} store at {store.url}")
    except (KhronikaError, typer.BadParameter) as e:
        _fail(str(e))


def rekey(db: DbOpt = None) -> None:
    """Change the passphrase of an encrypted store.

    The current passphrase comes from KHRONIKA_PASSPHRASE or a prompt; the new one from
    KHRONIKA_NEW_PASSPHRASE or a prompt (asked twice). Every page is re-encrypted in place.
    """
    from sqlalchemy.engine import make_url

    from ..cli import ask_passphrase
    from ..errors import KhronikaError
    from ..store import Store, crypto
    from ..store.store import resolve_url

    try:
        path = crypto.sqlite_path(make_url(resolve_url(db)))
        if path is None or not crypto.is_encrypted_file(path):
            msg = f"{resolve_url(db)} is not an encrypted store (see `khronika init --encrypt`)"
            raise KhronikaError(msg)
        old = ask_passphrase(db) or crypto.env_passphrase() or ""
        Store(db, passphrase=old).close()  # one clear line for a wrong passphrase, before rekeying
        new = _new_passphrase(crypto.NEW_PASSPHRASE_ENV, "new passphrase")
        crypto.rekey(path, old, new)
        with Store(db, passphrase=new) as store:
            store.audit_append("store.rekey", {})
        typer.echo(f"the passphrase of {path} has changed")
    except (KhronikaError, typer.BadParameter) as e:
        _fail(str(e))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command()(init)
    app.command()(rekey)
