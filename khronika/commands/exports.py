"""`export` and `import`: ACLED CSV, GeoJSON, HXL, JSONL backups, the HTML report (issue 9)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import DbOpt
from .common import actor as _actor
from .common import fail as _fail
from .common import open_store as _open

if TYPE_CHECKING:
    from collections.abc import Iterable


FORMAT_HELP = "acled | geojson | hxl | html | jsonl (the unredacted backup)"





def _write(chunks: Iterable[str], out: Path | None) -> int:
    """Write to `out` through a temporary file renamed at the end (a failed export leaves no file)."""
    n = 0
    if out is None:
        for chunk in chunks:
            sys.stdout.write(chunk)
            n += len(chunk)
        sys.stdout.flush()
        return n
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            for chunk in chunks:
                f.write(chunk)
                n += len(chunk)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return n


def export(
    fmt: Annotated[str, typer.Argument(metavar="FORMAT", help=FORMAT_HELP)],
    policy: Annotated[
        str | None,
        typer.Option("--policy", help="Redaction policy: public (default), viewer, strict, or your own; "
                     "none only for the jsonl backup."),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write here instead of stdout.")] = None,
    db: DbOpt = None,
) -> None:
    """Export the store, redacted (every format but the backup), as a stream.

    Examples:

      khronika export acled --out almaty.csv                  # ACLED columns, policy "public"

      khronika export geojson --policy strict --out map.geojson   # open in QGIS

      khronika export hxl --out hdx.csv                       # HXL-tagged CSV for HDX

      khronika export html --policy viewer --out report.html  # printable report

      khronika export jsonl --policy none --out backup.jsonl  # full backup: admin, audited

    Policies are YAML files (khronika/redact/policies/, and KHRONIKA_HOME/policies/ for your own).
    A public export carries no testimony text: its notes are written from redacted fields.
    """
    from ..errors import KhronikaError
    from ..export import check_request, start_export

    try:
        check_request(fmt, policy, "admin")  # before opening the store: a typo changes nothing
        with _open(db) as store:
            n = _write(start_export(store, fmt, policy, actor=_actor(), role="admin"), out)
    except KhronikaError as e:
        _fail(e)
        return
    except OSError as e:
        _fail(f"{out}: {e.strerror}")
        return
    if out is not None:
        typer.echo(f"export {fmt}: {n} characters written to {out}", err=True)


def import_backup(
    file: Annotated[Path, typer.Argument(metavar="FILE.jsonl", help="A backup made by `export jsonl`.")],
    db: DbOpt = None,
) -> None:
    """Restore a JSONL backup into an EMPTY store: documents with their original bytes, runs and
    extractions, reviews, incidents. Users and the audit chain are not in a backup; the imported runs
    are sealed into this store's chain and the import itself is audited. All or nothing.

    Examples:

      khronika import backup.jsonl --db sqlite:///restored.db

      khronika import backup.jsonl --db postgresql+psycopg://u:p@127.0.0.1/khronika
    """
    from ..errors import InputError, KhronikaError
    from ..export.backup import load

    try:
        with open(file, encoding="utf-8") as f, _open(db) as store:
            counts = load(store, f, source=str(file), actor=_actor())
    except UnicodeDecodeError:
        _fail(InputError("not UTF-8 text: not a Khronika backup", path=str(file)))
        return
    except OSError as e:
        _fail(f"{file}: {e.strerror}")
        return
    except KhronikaError as e:
        _fail(e)
        return
    summary = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
    typer.echo(f"import: {summary or 'nothing'}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("export")(export)
    app.command("import")(import_backup)
