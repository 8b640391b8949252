"""Intake channels that need commands of their own (issue 11): SMS gateways, attachments, terse reports.

    khronika gateway add gw-north            # an SMSSync gateway: ingest-only user + its secret
    khronika attachments 1a2b3c [--json]     # a report's photos/videos, their EXIF beside the text
    khronika attachments 1a2b3c --public-dir out/   # metadata-free copies (never video originals)
    khronika terse "ALMATY 17:00 INTERNET DOWN; ATM LIMIT 10000"   # what the pipeline reads
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .common import DbOpt, JsonOpt
from .common import fail as _fail

if TYPE_CHECKING:
    from ..store import Store


PNG_MAGIC = b"\x89PNG"

gateway_app = typer.Typer(help="SMS gateways (SMSSync) that post to /api/sms.", no_args_is_help=True)



def _open(db: str | None) -> Store:
    from ..cli import _open as open_store

    return open_store(db)


@gateway_app.command("add")
def gateway_add(
    name: Annotated[str, typer.Argument(help="A name for the gateway phone, e.g. gw-north.")],
    url: Annotated[str, typer.Option(help="The server address the phone reaches.")] = "http://127.0.0.1:8000",
    db: DbOpt = None,
) -> None:
    """Create an ingest-only user for one SMSSync phone and print its secret (shown once).

    In SMSSync: Sync URL = URL/api/sms, Secret key = the printed secret. Each phone gets its own
    gateway, so one lost phone is revoked alone (`khronika user token ...`).

    Example: `khronika gateway add gw-north --url http://10.0.0.2:8000`
    """
    from ..errors import KhronikaError
    from ..store.accounts import create_token, create_user

    try:
        store = _open(db)
        create_user(store, name, "ingest", None, actor="cli")
        secret = create_token(store, name, "smssync", actor="cli")
    except KhronikaError as e:
        _fail(e)
        return
    typer.echo(f"gateway {name}: Sync URL {url.rstrip('/')}/api/sms")
    typer.echo(f"secret (shown once): {secret}")


def _print_attachment(row: dict[str, Any]) -> None:
    meta, check = row["meta"], row["check"]
    typer.echo(f"{row['sha256'][:16]}  {row['mime']}  {row['size']} bytes  {row['name'] or ''}")
    if meta.get("taken_at"):
        camera = f", camera {meta['camera']}" if meta.get("camera") else ""
        typer.echo(f"    taken {meta['taken_at']}{camera}")
    if "time" in check and check["time"].get("text"):
        flag = "  MISMATCH" if check["time"].get("mismatch") else ""
        days = check["time"].get("days_apart")
        typer.echo(f"    text dates {', '.join(check['time']['text'])}: {days} days apart{flag}")
    if "place" in check:
        gps = check["place"]["attachment"]
        place = check["place"]
        near = f" — {place['km']} km from {place['nearest']}" if "km" in place else ""
        flag = "  MISMATCH" if check["place"].get("mismatch") else ""
        typer.echo(f"    GPS {gps['lat']}, {gps['lon']}{near}{flag}")


def attachments(
    doc_id: Annotated[str, typer.Argument(help="A document id (a unique prefix is enough).")],
    public_dir: Annotated[
        Path | None, typer.Option(help="Write metadata-free copies of the images here (videos are skipped).")
    ] = None,
    as_json: JsonOpt = False,
    db: DbOpt = None,
) -> None:
    """List a report's attachments: type, size, embedded time and GPS beside what the text says.

    A picture taken more than a day away from the text's dates, or more than 25 km from every
    place it names, is flagged MISMATCH (not proof of anything: a reviewer looks).

    Examples: `khronika attachments 1a2b3c`; `khronika attachments 1a2b3c --public-dir share/`
    """
    from ..attachments import attachments_for, public_attachment
    from ..errors import KhronikaError

    try:
        store = _open(db)
        matches = [i for i in store.document_ids() if i.startswith(doc_id)]
        if len(matches) != 1:
            _fail(f"{doc_id!r} matches {len(matches)} documents")
        rows = attachments_for(store, matches[0])
        if public_dir is not None:
            public_dir.mkdir(parents=True, exist_ok=True)
            for row in rows:
                data = public_attachment(store, row["sha256"])
                if data is not None:
                    suffix = "png" if data.startswith(PNG_MAGIC) else "jpg"
                    (public_dir / f"{row['sha256'][:16]}.{suffix}").write_bytes(data)
    except (KhronikaError, OSError) as e:
        _fail(e)
        return
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return
    if not rows:
        typer.echo("no attachments")
    for row in rows:
        _print_attachment(row)


def terse(
    report: Annotated[str, typer.Argument(help="A field report, or - to read it from stdin.")],
    as_json: JsonOpt = False,
) -> None:
    """Show how Khronika reads a terse field report (docs/syntax-card.md); exit 2 if it has errors.

    Example: `khronika terse "ALMATY SAMAL-2 17:00 INTERNET DOWN; ATM LIMIT 10000; BREAD QUEUE 2H"`
    """
    from dataclasses import asdict

    from ..intake.channels.terse import parse

    text = sys.stdin.read() if report == "-" else report
    rep = parse(text)
    if as_json:
        sys.stdout.write(json.dumps(asdict(rep), ensure_ascii=False, indent=2) + "\n")
    else:
        typer.echo(f"place {rep.place or '-'}  date {rep.day or '-'}  time {rep.time or '-'}  "
                   f"lang {rep.lang}")
        for ob in rep.observations:
            quals = f"  {json.dumps(ob.qualifiers, ensure_ascii=False)}" if ob.qualifiers else ""
            typer.echo(f"  {' + '.join(ob.services)}: {ob.state}{quals}")
        for nd in rep.needs:
            count = f" {nd.quantity} {nd.unit or ''}".rstrip() if nd.quantity else ""
            typer.echo(f"  need {nd.need}{count}")
        for e in rep.errors:
            typer.echo(f"  error: {e}", err=True)
    if rep.errors:
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.add_typer(gateway_app, name="gateway")
    app.command("attachments")(attachments)
    app.command("terse")(terse)
