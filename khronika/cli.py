"""The command line. Heavy modules are imported inside commands so `--help` stays instant."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from .errors import KhronikaError

if TYPE_CHECKING:
    from .store import Store

app = typer.Typer(
    help="Khronika: turn eyewitness testimony about a crisis into a sourced, reviewable chronicle.\n\n"
    "Typical use: `khronika ingest testimonies/ --published 2022-01-08`, then `khronika chronicle` and "
    "`khronika board`. Every command that touches the store takes --db (or KHRONIKA_DB); SQLite by default.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
audit_app = typer.Typer(help="The tamper-evident audit chain.", no_args_is_help=True)
gazetteer_app = typer.Typer(help="Search and extend the gazetteer of places.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(gazetteer_app, name="gazetteer")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db", envvar="KHRONIKA_DB", help="SQLAlchemy URL of the store [default: sqlite:///khronika.db]."
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _open(db: str | None) -> Store:
    from .store import Store

    return Store(db, passphrase=ask_passphrase(db))


def ask_passphrase(db: str | None) -> str | None:
    """The passphrase of an encrypted store: KHRONIKA_PASSPHRASE, else a prompt on a terminal."""
    from sqlalchemy.engine import make_url

    from .store import crypto
    from .store.store import resolve_url

    path = crypto.sqlite_path(make_url(resolve_url(db)))
    if not crypto.is_encrypted_file(path) or crypto.env_passphrase() or not sys.stdin.isatty():
        return None  # the store itself reports a missing passphrase in one line
    return str(typer.prompt(f"Passphrase for {path}", hide_input=True))


def _fail(e: Exception) -> None:
    err.print(f"[red]error:[/red] {e}", highlight=False)
    raise typer.Exit(2)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@app.command()
def ingest(
    paths: Annotated[list[str] | None, typer.Argument(help="Files, folders, globs, or - for stdin.")] = None,
    published: Annotated[
        str | None, typer.Option(help="When the text was written (YYYY-MM-DD[THH:MM]).")
    ] = None,
    lang: Annotated[str | None, typer.Option(help="Language code; detected when omitted.")] = None,
    source: Annotated[
        str | None, typer.Option(help="Who or what the text comes from (part of its identity).")
    ] = None,
    tz: Annotated[str, typer.Option(help="Time zone of the texts' local times.")] = "Asia/Almaty",
    manifest: Annotated[
        Path | None,
        typer.Option(
            help="YAML list of {file, published, lang, source, tz, channel}"
            " for a batch with per-file metadata."
        ),
    ] = None,
    reprocess: Annotated[
        bool,
        typer.Option(
            help="Re-run the pipeline on stored documents (all of them when no "
            "path is given), as a new run; old runs are kept."
        ),
    ] = False,
    max_bytes: Annotated[int, typer.Option(help="Refuse files larger than this.")] = 5 * 1024 * 1024,
    db: DbOpt = None,
    workers: Annotated[
        int, typer.Option(help="Extract in N worker processes (a local Dask cluster); 1 runs serially.")
    ] = 1,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Run extraction on an existing Dask cluster, e.g. tcp://HOST:8786."),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(help="Documents stored, then linked, per transaction (a kill loses one batch).")
    ] = 200,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="auto|text|telegram|email|mbox|html|csv|jsonl; auto decides by suffix"
            " (a folder holding result.json is a Telegram export).",
        ),
    ] = "auto",
    mapping: Annotated[
        str | None,
        typer.Option(help="CSV/JSONL columns: a YAML file or 'text=body,published=date,source=author'."),
    ] = None,
) -> None:
    """Read texts, run the pipeline, and store each document in its own transaction.

    The same bytes from the same source are stored once; a second run says so, which also makes an
    interrupted run resumable: run the same command again. A file that cannot be read is named in a
    one-line error and the batch goes on.

    Examples: `khronika ingest testimonies/ --published 2022-01-08`;
    `khronika ingest archive/ --workers 2` (extraction in 2 processes, the store written in batches);
    `khronika ingest archive/ --scheduler tcp://10.0.0.5:8786 --db postgresql+psycopg://u:p@host/db`
    (see docs/scale.md);
    `khronika ingest export/result.json` (a Telegram channel export, photos stored by SHA-256);
    `khronika ingest inbox.mbox`; `khronika ingest reports.csv --mapping text=body,published=date`.
    """
    from .ingest import IngestJob, jobs_from_manifest, jobs_from_paths

    if workers < 1 or batch_size < 1:
        _fail(KhronikaError("--workers and --batch-size must be at least 1"))
    if scheduler is not None and "://" not in scheduler:
        _fail(KhronikaError(f"--scheduler wants an address like tcp://HOST:8786, not {scheduler!r}"))
    try:
        store = _open(db)
        if manifest:
            jobs = jobs_from_manifest(manifest)
        elif paths:
            jobs = jobs_from_paths(
                paths, published=published, lang=lang, source=source, tz=tz, fmt=fmt, mapping=mapping
            )
        elif reprocess:
            jobs = [IngestJob.stored(i, published=published, lang=lang) for i in store.document_ids()]
        else:
            _fail(KhronikaError("give files, folders, globs or -, or --manifest, or --reprocess"))
            return
        from .ingest import run_jobs

        summary = run_jobs(
            jobs,
            store,
            reprocess=reprocess,
            max_bytes=max_bytes,
            console=err,
            workers=workers,
            scheduler=scheduler,
            batch_size=batch_size,
        )
        from .intake.channels import finish

        finish(store, jobs)  # attachments and channel fields of the stored documents
    except KhronikaError as e:
        _fail(e)
        return
    out.print(summary.line(), highlight=False)
    if summary.failed and not summary.stored and not summary.seen and not summary.reprocessed:
        raise typer.Exit(1)


@app.command()
def extract(
    file: Annotated[str, typer.Argument(help="A text file, or - for stdin.")],
    published: Annotated[
        str | None, typer.Option(help="When the text was written (YYYY-MM-DD[THH:MM]).")
    ] = None,
    lang: Annotated[str | None, typer.Option(help="Language code; detected when omitted.")] = None,
    tz: Annotated[str, typer.Option(help="Time zone of the text's local times.")] = "Asia/Almaty",
    as_json: JsonOpt = False,
) -> None:
    """Run the whole pipeline on one text without a store and print its structure."""
    from .intake import expand, make_document
    from .pipeline import default_pipeline
    from .render import render_document

    try:
        src = next(iter(expand([file])))
        doc = make_document(src.read(), name=src.name, published=published, lang=lang, tz=tz)
        default_pipeline()(doc)
    except KhronikaError as e:
        _fail(e)
        return
    if as_json:
        _print_json(doc.to_json())
    else:
        render_document(doc, out)


def _read(
    db: str | None, query: Callable[[Store], Any], as_json: bool, render: Callable[[Any], None]
) -> None:
    """The shape of every reading command: open the store, query, print JSON or text."""
    try:
        rows = query(_open(db))
    except KhronikaError as e:
        _fail(e)
        return
    if as_json:
        _print_json(rows)
    else:
        render(rows)


@app.command()
def chronicle(
    since: Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Last day (YYYY-MM-DD).")] = None,
    events: Annotated[bool, typer.Option("--events", help="One line per event: no grouping.")] = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Incidents and events by day: place, time, evidence level and speaker, traceable to documents.

    Reports linked into one incident are one line: reports, independent sources, best evidence,
    and a warning where sources disagree (date, toll, place: see `khronika incidents`).
    In --json, incident rows have "kind": "incident", "incident_id" and "members".

    Examples:
      khronika chronicle --since 2022-01-05 --until 2022-01-07
      khronika chronicle --json | jq '.[] | select(.kind == "incident") | .members'
      khronika chronicle --events      # every extracted event on its own line
    """
    from .render import render_chronicle

    _read(
        db,
        lambda s: s.chronicle(since=since, until=until, incidents=not events),
        as_json,
        lambda r: render_chronicle(r, out),
    )


@app.command()
def board(
    place: Annotated[str | None, typer.Option(help="Only this place (and the places inside it).")] = None,
    at: Annotated[str | None, typer.Option(help="The state as of this date-time (ISO).")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The situation board: the latest state of each service per place, with sources and conflicts."""
    from .render import render_board

    _read(db, lambda s: s.board(place=place, at=at), as_json, lambda r: render_board(r, out))


@app.command()
def show(
    doc_id: Annotated[str, typer.Argument(help="A document id (a unique prefix is enough).")],
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """One stored document: speakers, statements with evidence levels, events, claims."""
    from .render import render_document

    try:
        store = _open(db)
        matches = [i for i in store.document_ids() if i.startswith(doc_id)]
        if len(matches) != 1:
            raise KhronikaError(f"{len(matches)} documents match {doc_id!r}; give a longer id")
        doc = store.load_document(matches[0])
    except KhronikaError as e:
        _fail(e)
        return
    if as_json:
        _print_json(doc.to_json())
    else:
        render_document(doc, out)


@app.command()
def documents(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """List stored documents."""
    from .render import render_documents

    _read(db, lambda s: s.documents(), as_json, lambda r: render_documents(r, out))


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Words to find.")], db: DbOpt = None, as_json: JsonOpt = False
) -> None:
    """Full-text search over stored documents."""
    from .render import render_documents

    _read(db, lambda s: s.search(query), as_json, lambda r: render_documents(r, out))


@audit_app.command("verify")
def audit_verify(
    db: DbOpt = None,
    head: Annotated[
        Path | None, typer.Option("--head", help="An exported head (`audit head --out`): catch a cut tail.")
    ] = None,
    key_file: Annotated[
        Path | None,
        typer.Option("--key-file", envvar="KHRONIKA_AUDIT_KEY_FILE", help="Audit HMAC key: check seals."),
    ] = None,
) -> None:
    """Recompute the chain and every run's digest; name the first broken entry.

    Examples: `khronika audit verify`, `khronika audit verify --head head.json --key-file ~/audit.key`
    """
    from .commands.accounts import verify_chain

    try:
        res = verify_chain(_open(db), head, key_file)
    except KhronikaError as e:
        _fail(e)
        return
    if res.ok:
        out.print(f"audit chain ok: {res.entries} entries verified")
        return
    err.print(f"[red]audit chain BROKEN[/red] at entry {res.first_broken}: {res.reason}", highlight=False)
    raise typer.Exit(1)


@app.command("eval")
def eval_cmd(
    gold: Annotated[Path, typer.Argument(help="A gold JSONL file (see shared/eval/FORMAT.md).")],
    as_json: JsonOpt = False,
    skip_type: Annotated[
        list[str] | None, typer.Option("--skip-type", help="Drop gold docs whose first event has this type.")
    ] = None,
    predictions: Annotated[
        Path | None, typer.Option(help="Also write the system's output in the gold format.")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N documents (a quick look).")] = None,
) -> None:
    """Score the pipeline on a gold file, with the metric names of FORMAT.md."""
    from rich.progress import Progress

    from .evaluate import evaluate, load_gold, predict

    try:
        lines = load_gold(gold)[:limit] if limit else load_gold(gold)
        with Progress(console=err, transient=True, disable=not err.is_terminal) as bar:
            task = bar.add_task(f"eval {gold.name}", total=len(lines))
            preds = list(predict(lines, progress=lambda: bar.advance(task)))
    except KhronikaError as e:
        _fail(e)
        return
    if predictions:
        with predictions.open("w", encoding="utf-8") as f:
            for p in preds:
                f.write(json.dumps(p, ensure_ascii=False) + "\n")
    res = evaluate(lines, preds, tuple(skip_type or ()))
    rounded = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in res.items()}
    if as_json:
        sys.stdout.write(json.dumps(rounded, ensure_ascii=False) + "\n")
        return
    for k, v in rounded.items():
        out.print(f"{k:<28} {v}", highlight=False)


@app.command()
def train(
    inputs: Annotated[list[Path], typer.Argument(help="FORMAT.md JSONL files or ACLED CSV exports.")],
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Where to write the model [default: the user data folder].")
    ] = None,
) -> None:
    """Fit the event classifier to your own coded data; the model goes to your data folder."""
    from .extract import events as _events  # noqa: F401  (registers vocabularies)
    from .paths import user_dir
    from .train import train as fit

    try:
        report = fit(list(inputs), out_dir or user_dir() / "models")
    except KhronikaError as e:
        _fail(e)
        return
    _print_json(report)


@app.command()
def demo(db: DbOpt = None) -> None:
    """Ingest the shipped sample corpus and print the chronicle and the situation board."""
    from .corpus import corpus_dir
    from .ingest import jobs_from_manifest, run_jobs
    from .register import register
    from .render import render_board, render_chronicle, render_incidents, render_register

    try:
        store = _open(db)
        summary = run_jobs(jobs_from_manifest(corpus_dir() / "manifest.yaml"), store, console=err)
        out.print(summary.line(), highlight=False)
        out.rule("Chronicle")
        render_chronicle(store.chronicle(), out)
        out.rule("Incidents reported by more than one account")
        render_incidents(store.incidents(min_members=2), out)
        out.rule("Casualty register")
        render_register(register(store.victim_rows()), out)
        out.rule("Situation board: Almaty")
        render_board(store.board(place="Almaty"), out)
        out.print("\nNext: `khronika show DOC_ID`, `khronika incidents`, `khronika board --json`.")
    except KhronikaError as e:
        _fail(e)


@gazetteer_app.command("search")
def gazetteer_search(query: str, limit: int = 10, as_json: JsonOpt = False) -> None:
    """Find places by name or alias, in any script."""
    from .geo.gazetteer import Gazetteer

    places = Gazetteer.load().search(query, limit=limit)
    rows = [_place_dict(p) for p in places]
    if as_json:
        _print_json(rows)
        return
    for r in rows:
        out.print(
            f"{r['name']:<30} {r.get('precision') or '':<9} {r.get('country') or '':<3} "
            f"{r.get('admin1') or '':<20} {r.get('lat')}, {r.get('lon')}  [{r.get('source') or ''}]",
            highlight=False,
        )


@gazetteer_app.command("add")
def gazetteer_add(
    name: str,
    lat: Annotated[float, typer.Option(help="Latitude, WGS84 degrees.")],
    lon: Annotated[float, typer.Option(help="Longitude, WGS84 degrees.")],
    precision: Annotated[
        str, typer.Option(help="point, street, district, city, region or country.")
    ] = "point",
    aliases: Annotated[str, typer.Option(help="Other names, separated by |.")] = "",
    country: str = "KZ",
    admin1: str = "",
    source: Annotated[str, typer.Option(help="Where the coordinates come from.")] = "user",
) -> None:
    """Add a local place (landmark, district, street) to your gazetteer."""
    from .geo.gazetteer import add

    try:
        p = add(
            {
                "name": name,
                "lat": lat,
                "lon": lon,
                "precision": precision,
                "aliases": aliases,
                "country": country,
                "admin1": admin1,
                "source": source,
            }
        )
    except (KhronikaError, ValueError) as e:
        _fail(e)
        return
    out.print(f"added {_place_dict(p)['name']}", highlight=False)


@gazetteer_app.command("import")
def gazetteer_import(path: Path) -> None:
    """Import places from CSV or GeoJSON into your gazetteer.

    Every row needs a name, lat, lon and a precision (point, street, district, city, region, country);
    a row without a source is sourced to the file's name. A bad row imports nothing.

        khronika gazetteer import shelters.csv     # columns: name,lat,lon,precision,source[,aliases,...]
        khronika gazetteer import kiosks.geojson   # Point features; properties as the CSV columns
    """
    from .geo.gazetteer import import_file

    try:
        n = import_file(path)
    except (KhronikaError, ValueError, OSError) as e:
        _fail(e)
        return
    out.print(f"imported {n} places from {path}")


@gazetteer_app.command("export")
def gazetteer_export(
    path: Path, fmt: Annotated[str, typer.Option("--format", help="csv or geojson")] = "csv"
) -> None:
    """Export your local gazetteer as CSV or GeoJSON."""
    from .geo.gazetteer import export

    try:
        n = export(path, fmt=fmt)
    except (KhronikaError, ValueError, OSError) as e:
        _fail(e)
        return
    out.print(f"exported {n} places to {path}")


def _place_dict(p: Any) -> dict[str, Any]:
    if isinstance(p, dict):
        return p
    from dataclasses import asdict, is_dataclass

    return asdict(p) if is_dataclass(p) and not isinstance(p, type) else dict(vars(p))


@app.command()
def incidents(
    min_members: Annotated[int, typer.Option(help="Only incidents with at least this many events.")] = 1,
    narratives: Annotated[
        bool, typer.Option("--narratives", help="List narratives (claims) instead.")
    ] = False,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Incidents: events of several reports linked together, with independent sources and contradictions."""
    from .render import render_incidents, render_narratives

    if narratives:
        _read(db, lambda s: s.narratives(), as_json, lambda r: render_narratives(r, out))
    else:
        _read(db, lambda s: s.incidents(min_members=min_members), as_json, lambda r: render_incidents(r, out))


@app.command()
def victims(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """The casualty register: each named or counted person, with fate, date, place and sources.

    Name variants merge across scripts ("Saken Bitaev" = "Сакен Битаев"); a surname alone merges only
    within one document, or where date and place agree as well.
    """
    from .register import register
    from .render import render_register

    _read(db, lambda s: register(s.victim_rows()), as_json, lambda r: render_register(r, out))


from .commands import register_all  # noqa: E402  (after the core commands, so --help lists them first)

register_all(app)


def main() -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    app()


if __name__ == "__main__":
    main()
