"""The single writer: documents coming back from the workers go to the store in batches.

One transaction per batch (`Store.save_many`): a batch is stored whole or not at all, so a crash never
leaves half a document, and a batch costs one commit. Linking follows per document, after the batch
commits; linking is order-independent, so the order in which workers finish does not matter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from rich.console import Console

from ..ingest import Summary, failure
from ..link import default_linker, link_after_save
from ..link.text import TextSimilarity
from ..model import Document

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
        self.summary = summary
        self.console = console
        self.advance = advance
        self.batch_size = max(1, batch_size)
        self.pending: list[tuple[Document, bool]] = []
        self.vectors: dict[str, np.ndarray] = {}

    def add(self, doc: Document, *, seen: bool, vectors: dict[str, np.ndarray] | None = None) -> None:
        """`seen`: the document is stored already and this is a reprocess (a new run).

        `vectors`: sentence vectors a worker computed for linking (see khronika.scale.worker).
        """
        self.pending.append((doc, seen))
        self.vectors.update(vectors or {})
        if len(self.pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        vectors, self.vectors = self.vectors, {}
        sim = default_linker().text_sim
        if vectors and isinstance(sim, TextSimilarity):
            sim.prime(vectors)
        if batch:
            self._write(batch)

    def _write(self, batch: list[tuple[Document, bool]]) -> None:
        try:
            self.store.save_many([d for d, _ in batch], reprocess=any(s for _, s in batch))
        except Exception as e:  # nothing of the batch was written: retry one by one
            if len(batch) > 1:
                for item in batch:
                    self._write([item])
                return
            self.fail(failure(_name(batch[0][0]), e))
            return
        for doc, seen in batch:
            try:
                link_after_save(self.store, doc)
            except Exception as e:  # stored but not linked: the next run links it
                self.fail(failure(_name(doc), e))
                continue
            self.summary.record(doc, reprocessed=seen)
            self.advance(1)

    def fail(self, message: str) -> None:
        """Count and report one document that could not be stored."""
        self.summary.failed += 1
        self.console.print(f"[red]error:[/red] {message}", highlight=False)
        self.advance(1)


def _name(doc: Document) -> str:
    return doc.provenance.filename or doc.title or doc.id
