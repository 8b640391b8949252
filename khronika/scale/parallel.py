"""The parallel ingest: the client reads and identifies, Dask workers extract, the client writes.

Only bytes and metadata travel to the workers and only processed documents come back, so a remote
cluster needs neither the files nor the database. Documents already stored are skipped by id before
anything is sent (this is what makes a re-run after a crash resume without duplicates).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rich.console import Console

from ..ingest import IngestJob, Prepared, Summary, failure, prepare
from .worker import Extracted, extract_chunk
from .writer import BatchWriter

if TYPE_CHECKING:
    from ..store import Store

CHUNK = 16  # documents per task: small enough to balance the workers, large enough to amortise a task
IN_FLIGHT_PER_SLOT = 3  # tasks queued per worker thread at least


def in_flight(slots: int, batch_size: int, chunk: int) -> int:
    """Tasks kept submitted at once. While the client stores and links a batch it collects nothing, so
    the workers must have a batch's worth of work queued or they wait for the writer (measured: with
    6 tasks in flight they idled through most of every 2-3 s flush)."""
    return max(IN_FLIGHT_PER_SLOT * slots, -(-batch_size // chunk) + slots)


@dataclass(frozen=True)
class ParallelOptions:
    workers: int
    scheduler: str | None
    batch_size: int
    reprocess: bool
    max_bytes: int
    chunk: int = CHUNK


def run_parallel(
    jobs: Sequence[IngestJob],
    store: Store,
    summary: Summary,
    console: Console,
    advance: Callable[[int], None],
    opts: ParallelOptions,
) -> None:
    from distributed import as_completed

    from .cluster import dask_client, worker_slots

    writer = BatchWriter(store, summary, console, advance, batch_size=opts.batch_size)
    todo = _todo(jobs, store, summary, console, advance, opts)
    with dask_client(opts.workers, opts.scheduler) as client:
        window = in_flight(worker_slots(client), opts.batch_size, opts.chunk)
        running: Any = as_completed()  # type: ignore[no-untyped-call]
        chunks: dict[Any, list[tuple[Prepared, bool]]] = {}
        for chunk in _chunked(todo, opts.chunk):
            fut = client.submit(extract_chunk, [p for p, _ in chunk], pure=False)
            chunks[fut] = chunk
            running.add(fut)
            while running.count() >= window:
                _collect(next(running), chunks, writer)
        for fut in running:
            _collect(fut, chunks, writer)
    writer.flush()


def _todo(
    jobs: Sequence[IngestJob],
    store: Store,
    summary: Summary,
    console: Console,
    advance: Callable[[int], None],
    opts: ParallelOptions,
) -> Iterator[tuple[Prepared, bool]]:
    """Read each job and yield (prepared, stored already); skipped and unreadable ones are counted here."""
    known = set(store.document_ids())
    sent: set[str] = set()
    for job in jobs:
        try:
            prep = prepare(job, store, opts.max_bytes)
            doc_id = prep.doc_id
        except Exception as e:  # an unreadable file is one line, the batch goes on
            summary.failed += 1
            console.print(f"[red]error:[/red] {failure(job.name, e)}", highlight=False)
            advance(1)
            continue
        seen = doc_id in known
        if (seen and not opts.reprocess) or doc_id in sent:
            summary.seen += 1
            console.print(f"already stored: {job.name} ({doc_id[:12]})", highlight=False)
            advance(1)
            continue
        sent.add(doc_id)
        yield prep, seen


def _chunked(items: Iterator[tuple[Prepared, bool]], size: int) -> Iterator[list[tuple[Prepared, bool]]]:
    chunk: list[tuple[Prepared, bool]] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _collect(fut: Any, chunks: dict[Any, list[tuple[Prepared, bool]]], writer: BatchWriter) -> None:
    chunk = chunks.pop(fut)
    try:
        results: list[Extracted | str] = fut.result()
    except Exception as e:  # a worker died or the task failed: its documents failed
        for prep, _ in chunk:
            writer.fail(failure(prep.name, e))
        return
    for (_, seen), res in zip(chunk, results, strict=True):
        if isinstance(res, str):
            writer.fail(res)
        else:
            writer.add(res.doc, seen=seen, vectors=res.vectors, rows=res.rows)
