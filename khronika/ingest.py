"""The ingest job: sources -> intake -> pipeline -> store, one transaction per document.

This module is the orchestrator, the one place where pipeline stages meet the store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from .errors import InputError, KhronikaError
from .intake import MAX_BYTES, RawSource, expand, make_document
from .model import Document, Provenance
from .pipeline import Pipeline, default_pipeline

if TYPE_CHECKING:
    from .store import Store


@dataclass
class IngestJob:
    """One thing to ingest: a raw source with its metadata, or a stored document to reprocess."""

    source: RawSource | None
    published: str | None = None
    lang: str | None = None
    tz: str = "Asia/Almaty"
    provenance: dict[str, Any] = field(default_factory=dict)
    title: str | None = None
    stored_id: str | None = None

    @classmethod
    def stored(cls, doc_id: str, *, published: str | None = None, lang: str | None = None) -> IngestJob:
        return cls(source=None, published=published, lang=lang, stored_id=doc_id)

    @property
    def name(self) -> str:
        return self.source.name if self.source else f"stored:{self.stored_id}"


def jobs_from_paths(
    paths: Sequence[str],
    *,
    published: str | None,
    lang: str | None,
    source: str | None,
    tz: str = "Asia/Almaty",
    fmt: str = "text",
    mapping: str | None = None,
) -> list[IngestJob]:
    if fmt != "text":  # Telegram exports, e-mail, HTML, CSV/JSONL: khronika.intake.channels (issue 11)
        from .intake.channels import Defaults, jobs_for

        return jobs_for(list(paths), fmt, Defaults(published, lang, source, tz, mapping))
    channel = "stdin" if list(paths) == ["-"] else "file"
    return [
        IngestJob(
            src, published=published, lang=lang, tz=tz, provenance={"channel": channel, "source": source}
        )
        for src in expand(list(paths))
    ]


def jobs_from_manifest(path: Path) -> list[IngestJob]:
    """A YAML list (or {documents: [...]}) of entries: file (relative to the manifest), and metadata."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise InputError(f"cannot read manifest: {e}", path=str(path)) from e
    entries = data.get("documents") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise InputError("a manifest is a list of entries, each with a 'file'", path=str(path))
    jobs = []
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or "file" not in entry:
            raise InputError(f"entry {n} has no 'file'", path=str(path))
        src = RawSource(str(path.parent / entry["file"]), None)
        prov = {
            "channel": entry.get("channel", "file"),
            "source": entry.get("source"),
            "sender": entry.get("sender"),
            "message_id": entry.get("message_id"),
        }
        published = entry.get("published")
        jobs.append(
            IngestJob(
                src,
                published=None if published is None else str(published),
                lang=entry.get("lang"),
                tz=entry.get("tz", "Asia/Almaty"),
                provenance=prov,
                title=entry.get("title"),
            )
        )
    return jobs


@dataclass
class Summary:
    stored: int = 0
    seen: int = 0
    reprocessed: int = 0
    failed: int = 0
    skipped_lang: int = 0
    relinked: int = 0  # stored by an interrupted run but not linked; linked by this one

    def line(self) -> str:
        parts = [f"{self.stored} stored"]
        if self.reprocessed:
            parts.append(f"{self.reprocessed} reprocessed")
        parts.append(f"{self.seen} already stored")
        if self.skipped_lang:
            parts.append(f"{self.skipped_lang} stored without extraction (language not supported)")
        if self.relinked:
            parts.append(f"{self.relinked} linked after an interrupted run")
        parts.append(f"{self.failed} failed")
        return "ingest: " + ", ".join(parts)

    def record(self, doc: Document, *, reprocessed: bool) -> None:
        """Count a document that was saved and linked."""
        if reprocessed:
            self.reprocessed += 1
        else:
            self.stored += 1
        if not doc.pipeline:
            self.skipped_lang += 1


def failure(name: str, e: Exception) -> str:
    """The one-line report of a job that failed (a KhronikaError names its file itself)."""
    if isinstance(e, KhronikaError):
        return str(e)
    return f"{name}: internal error {type(e).__name__}: {e}"


@dataclass
class Prepared:
    """A job read and identified, not yet decoded or extracted: what an extraction worker receives.

    Reading happens where the files are (the client); decoding, language detection and the pipeline
    happen where `build` is called (a worker, or the client on the serial path).
    """

    name: str
    raw: bytes
    provenance: Provenance
    published: str | None
    lang: str | None
    tz: str
    title: str | None

    @property
    def doc_id(self) -> str:
        return Document.make_id(hashlib.sha256(self.raw).hexdigest(), self.provenance)

    def build(self) -> Document:
        return make_document(
            self.raw,
            name=self.name,
            provenance=self.provenance,
            published=self.published,
            lang=self.lang,
            tz=self.tz,
            title=self.title,
        )


def prepare(job: IngestJob, store: Store, max_bytes: int) -> Prepared:
    if job.stored_id:
        old = store.load_document(job.stored_id)
        return Prepared(
            job.name,
            store.raw_bytes(job.stored_id),
            old.provenance,
            job.published or old.published,
            job.lang or old.lang,
            old.tz,
            old.title,
        )
    assert job.source is not None
    raw = job.source.read(max_bytes)
    prov = Provenance(
        filename=None if job.source.name == "-" else job.source.name,
        **{k: v for k, v in job.provenance.items() if v is not None},
    )
    return Prepared(job.source.name, raw, prov, job.published, job.lang, job.tz, job.title)


def _build(job: IngestJob, store: Store, max_bytes: int) -> Document:
    return prepare(job, store, max_bytes).build()


def run_jobs(
    jobs: Iterable[IngestJob],
    store: Store,
    *,
    reprocess: bool = False,
    max_bytes: int = MAX_BYTES,
    console: Console | None = None,
    pipeline: Pipeline | None = None,
    workers: int = 1,
    scheduler: str | None = None,
    batch_size: int = 200,
) -> Summary:
    """Ingest every job; a failing one is reported in one line and the batch goes on.

    First, documents an interrupted run saved but did not link are linked. With `workers` > 1 or a
    Dask `scheduler` address, extraction runs in worker processes (khronika.scale) with the default
    pipeline; otherwise every job runs here. Either way this process alone writes the store,
    `batch_size` documents per transaction, and links each batch as it is stored.
    """
    from .scale.resume import relink_pending

    console = console or Console(stderr=True)
    jobs = list(jobs)
    summary = Summary()
    summary.relinked = relink_pending(store, console)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(
        *columns, console=console, transient=True, disable=len(jobs) < 2 or not console.is_terminal
    ) as bar:
        task = bar.add_task("ingest", total=len(jobs))

        def advance(n: int = 1) -> None:
            bar.advance(task, n)

        if workers > 1 or scheduler:
            from .scale import ParallelOptions, run_parallel

            opts = ParallelOptions(workers, scheduler, batch_size, reprocess, max_bytes)
            run_parallel(jobs, store, summary, console, advance, opts)
        else:
            pipe = pipeline or default_pipeline()
            _run_here(jobs, store, pipe, reprocess, max_bytes, summary, console, advance, batch_size)
    return summary


def _run_here(
    jobs: list[IngestJob],
    store: Store,
    pipe: Pipeline,
    reprocess: bool,
    max_bytes: int,
    summary: Summary,
    console: Console,
    advance: Callable[[int], None],
    batch_size: int,
) -> None:
    """Every job in this process; stored and linked `batch_size` documents at a time, as the parallel
    ingest does, so one worker and many give the same store, and neither pays a transaction a document."""
    from .scale.writer import BatchWriter

    writer = BatchWriter(store, summary, console, advance, batch_size=batch_size)
    pending: set[str] = set()
    for job in jobs:
        try:
            doc = _build(job, store, max_bytes)
            seen = store.has_document(doc.id)
            if (seen and not reprocess) or doc.id in pending:
                summary.seen += 1
                console.print(f"already stored: {job.name} ({doc.id[:12]})", highlight=False)
                advance(1)
                continue
            pipe(doc)
        except Exception as e:  # a bug in one component must not stop a batch of hundreds; say which file
            writer.fail(failure(job.name, e))
            continue
        pending.add(doc.id)
        writer.add(doc, seen=seen)
    writer.flush()
