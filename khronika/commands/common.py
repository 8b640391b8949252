"""What every command module shares: the --db and --json options, one-line failures, opening a store,
and who is acting (for audit entries)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from ..store import Store

DbOpt = Annotated[
    str | None,
    typer.Option("--db", envvar="KHRONIKA_DB", help="SQLAlchemy URL of the store [default: sqlite:///khronika.db]."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def fail(message: object) -> NoReturn:
    """One line on stderr, exit code 2: what every command does with bad input."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


def open_store(db: str | None) -> Store:
    from ..cli import _open  # one place decides how a store opens (passphrase, URL)

    return _open(db)


def actor() -> str:
    """Who ran the command, for the audit entry: the OS account (the CLI has no login)."""
    try:
        return f"cli:{os.getlogin()}"
    except OSError:
        return "cli"
