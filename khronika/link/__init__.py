"""The link stage: events of different documents become incidents, claims become narratives.

    from khronika.link import Linker, link_after_save
    link_after_save(store, doc)     # after store.save(doc): link its events and claims, persist

The stage never imports the database: it reads stored incidents through `LinkStore` (a Protocol the
store implements) and hands back what changed for the store to write.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from ..errors import KhronikaError
from ..model import Document
from .blocking import Blocker
from .config import load_config
from .incidents import Changes, IncidentChange, IncidentIndex, Link, MemoryIndex, link_new, summarize
from .narratives import group_claims
from .records import ClaimRecord, EventRecord, claim_records, event_records
from .score import Scorer, TextSim
from .text import TextSimilarity

__all__ = [
    "Blocker",
    "Changes",
    "ClaimRecord",
    "EventRecord",
    "IncidentChange",
    "IncidentIndex",
    "Link",
    "LinkResult",
    "LinkStore",
    "Linker",
    "MemoryIndex",
    "Scorer",
    "claim_records",
    "event_records",
    "group_claims",
    "link_after_save",
    "link_batch",
    "link_each",
    "load_config",
    "summarize",
]


@runtime_checkable
class LinkStore(IncidentIndex, Protocol):
    """The store as linking sees it: read stored incidents and claims, write one document's changes."""

    def linked_documents(self, doc_id: str) -> bool: ...

    def unlink_document(self, doc_id: str) -> None: ...

    def claim_records_for(self, topics: Sequence[str | None]) -> list[ClaimRecord]: ...

    def link_state(self) -> str:
        """A token that changes whenever stored incidents or narratives change."""
        ...

    def apply_link_result(self, result: LinkResult) -> bool:
        """Write the result, unless `link_state()` moved since `result.state` was read (then False)."""
        ...

    def apply_link_result_at(self, result: LinkResult) -> str | None:
        """`apply_link_result`, answering the link state right after the write, read in the write's
        transaction (None: nothing written): how a cache of the index knows it is still whole."""
        ...


class LinkResult:
    """What linking one or more documents changed: incidents (with summaries), links, and narratives."""

    def __init__(
        self,
        doc_ids: Sequence[str],
        changes: Changes,
        summaries: dict[str, dict[str, Any]],
        claims: list[ClaimRecord],
        narratives: list[dict[str, Any]],
        topics: list[str | None],
        state: str = "",
    ) -> None:
        self.state = state  # the store's link_state() when linking read it
        self.doc_ids = list(doc_ids)
        self.changes = changes
        self.summaries = summaries
        self.claims = claims
        self.narratives = narratives
        self.topics = topics


class Linker:
    """Configuration, scorer and blocker, built once; `text=False` skips the sentence encoder."""

    def __init__(self, cfg: dict[str, Any] | None = None, *, text: bool | TextSim = True) -> None:
        self.cfg = cfg or load_config()
        sim: TextSim | None
        if callable(text):
            sim = text
        elif text and TextSimilarity.available():
            sim = TextSimilarity()
        else:
            sim = None
        self.text_sim = sim
        self.scorer = Scorer(self.cfg, sim)
        self.blocker = Blocker(self.cfg, self.scorer)

    def link(self, records: Sequence[EventRecord], index: IncidentIndex) -> Changes:
        return link_new(records, index, self.scorer, self.blocker)

    def link_document(self, doc: Document, store: LinkStore, *, attempts: int = 5) -> LinkResult:
        """Link one stored document and write the result; retried when another writer got in between."""
        return self.link_documents([doc], store, attempts=attempts)

    def link_documents(self, docs: Sequence[Document], store: LinkStore, *, attempts: int = 5) -> LinkResult:
        """Link stored documents together, in one read and one write however many there are.

        The incidents are those of linking them one by one, in any order (see `link_new`); a batch
        only saves the per-document reads, writes and narrative regroupings that dominate a bulk ingest.
        """
        for doc in docs:
            if store.linked_documents(doc.id):  # a reprocess: take the old run's events out first
                store.unlink_document(doc.id)
        for _ in range(attempts):
            result = self._link_once(docs, store)
            if store.apply_link_result(result):
                return result
        names = ", ".join(d.id[:12] for d in docs)
        raise KhronikaError(f"documents {names}: incidents kept changing under linking; link again later")

    def _link_once(self, docs: Sequence[Document], store: LinkStore) -> LinkResult:
        # Optimistic: read without a lock, and the store refuses the write if anything moved meanwhile
        # (a merge elsewhere would otherwise be undone by this result).
        state = store.link_state()
        changes = self.link([r for d in docs for r in event_records(d, self.cfg)], store)
        summaries = {c.id: summarize(c.members, self.cfg) for c in changes.incidents}
        claims = [c for d in docs for c in claim_records(d, self.cfg)]
        topics = sorted({c.topic for c in claims}, key=lambda t: t or "")
        narratives: list[dict[str, Any]] = []
        if claims:
            ids = {d.id for d in docs}
            stored = [c for c in store.claim_records_for(topics) if c.doc_id not in ids]
            narratives = group_claims(stored + claims, self.cfg, self.text_sim)
        return LinkResult([d.id for d in docs], changes, summaries, claims, narratives, topics, state)


_LINKER: Linker | None = None


def default_linker() -> Linker:
    global _LINKER
    if _LINKER is None:
        _LINKER = Linker()
    return _LINKER


def link_after_save(store: LinkStore, doc: Document) -> LinkResult:
    """Link a just-saved document's events and claims into the stored incidents and narratives."""
    return default_linker().link_document(doc, store)


def link_batch(store: LinkStore, docs: Sequence[Document]) -> LinkResult:
    """Link a batch of just-saved documents at once (bulk ingest: one read and one write per batch)."""
    return default_linker().link_documents(docs, store)


def link_each(store: LinkStore, docs: Sequence[Document]) -> list[tuple[Document, Exception | None]]:
    """`link_batch`, or if that fails one document at a time, so that one cannot block the others.

    Each document comes back with the error that left it unlinked (None: linked); an unlinked one
    stays stored, and the next run links it (khronika.scale.resume).
    """
    try:
        link_batch(store, docs)
        return [(d, None) for d in docs]
    except Exception as e:
        if len(docs) == 1:
            return [(docs[0], e)]
    out: list[tuple[Document, Exception | None]] = []
    for doc in docs:
        try:
            link_after_save(store, doc)
            out.append((doc, None))
        except Exception as e:
            out.append((doc, e))
    return out
