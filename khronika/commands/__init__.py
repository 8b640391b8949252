"""Command groups that live outside `khronika.cli`, each adding itself through `register(app)`."""

from __future__ import annotations

from importlib import import_module

import typer

MODULES = ("accounts", "exports", "crypto", "channels")


def register_all(app: typer.Typer) -> None:
    for name in MODULES:
        import_module(f"{__name__}.{name}").register(app)
