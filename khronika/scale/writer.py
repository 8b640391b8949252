"""The single writer: documents coming back from the workers go to the store in batches.

One transaction per batch (`Store.save_many`): a batch is stored whole or not at all, so a crash never
leaves half a document, and a batch costs one commit. Linking the batch follows as a second transaction
(`link_batch`: one read of the stored candidates, one write); linking is order-independent, so the order
in which workers finish does not matter. A crash between the two leaves whole documents that are not
linked yet, which the next run links first (khronika.scale.resume).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from rich.console import Console

from ..ingest import Summary, failure
from ..link import default_linker, link_each
from ..link.cache import CachedLinkStore
from ..link.text import TextSimilarity
from ..model import Document
from ..store.store import RunRows

if TYPE_CHECKING:
    from ..store import Store


class BatchWriter:
    """Collects processed documents and writes them `batch_size` at a time."""

    def __init__(
        self,
        store: Store,
        summary: Summary,
        console: Console,
        advance: Callable[[int], None],
        *,
        batch_size: int,
    ) -> None:
        self.store = store
        self.links = CachedLinkStore(store)  # one run's batches read each stored event once
        self.summary = summary
        self.console = console
        self.advance = advance
        self.batch_size = max(1, batch_size)
        self.pending: list[tuple[Document, bool]] = []
        self.vectors: dict[str, np.ndarray] = {}
        self.rows: dict[str, RunRows] = {}

    def add(
        self,
        doc: Document,
        *,
        seen: bool,
        vectors: dict[str, np.ndarray] | None = None,
        rows: RunRows | None = None,
    ) -> None:
        """`seen`: the document is stored already and this is a reprocess (a new run).

        `vectors` and `rows`: sentence vectors for linking and the store's rows, computed by a worker
        (see khronika.scale.worker).
        """
        self.pending.append((doc, seen))
        self.vectors.update(vectors or {})
        if rows is not None:
            self.rows[doc.id] = rows
        if len(self.pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        vectors, self.vectors = self.vectors, {}
        rows, self.rows = self.rows, {}
        sim = default_linker().text_sim
        if vectors and isinstance(sim, TextSimilarity):
            sim.prime(vectors)
        if batch:
            self._write(batch, rows)

    def _write(self, batch: list[tuple[Document, bool]], rows: dict[str, RunRows]) -> None:
        try:
            self.store.save_many([d for d, _ in batch], reprocess=any(s for _, s in batch), rows=rows)
        except Exception as e:  # nothing of the batch was written: retry one by one
            if len(batch) > 1:
                for item in batch:
                    self._write([item], rows)
                return
            self.fail(failure(_name(batch[0][0]), e))
            return
        for doc, seen in self._link(batch):
            self.summary.record(doc, reprocessed=seen)
            self.advance(1)

    def _link(self, batch: list[tuple[Document, bool]]) -> list[tuple[Document, bool]]:
        """The documents of the stored batch that linked; each one that did not is reported."""
        seen = {d.id: s for d, s in batch}
        linked = []
        for doc, error in link_each(self.links, [d for d, _ in batch]):
            if error is None:
                linked.append((doc, seen[doc.id]))
            else:
                self.fail(failure(_name(doc), error))
        return linked

    def fail(self, message: str) -> None:
        """Count and report one document that could not be stored."""
        self.summary.failed += 1
        self.console.print(f"[red]error:[/red] {message}", highlight=False)
        self.advance(1)


def _name(doc: Document) -> str:
    return doc.provenance.filename or doc.title or doc.id
