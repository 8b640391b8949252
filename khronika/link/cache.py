"""A link store that remembers what it read and wrote, for one process linking batch after batch.

A bulk ingest links a batch every few seconds, and every batch asks the store again for the stored
events behind its blocking keys. In a busy city's archive those are mostly the same events, read and
parsed again each time: on a 4,000-report archive, reading candidates was 40% of the single writer's
time. `CachedLinkStore` keeps what it read (events by key, records, incidents) and adds what its own
writes added, so each stored event is read once per run.

It is only trusted while nothing else wrote: every batch begins with `link_state()`, and the cache is
dropped whenever the store's state is not the one the cache's own last write left (an analyst's merge
or split in the workbench, another ingest, an unlink). The state after a write is taken inside that
write's transaction, so no other writer can slip in between.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .blocking import KEY_MAX
from .records import ClaimRecord, EventRecord

if TYPE_CHECKING:
    from . import LinkResult, LinkStore


class CachedLinkStore:
    """A `LinkStore` over another: the same answers, fewer reads (see the module's doc)."""

    def __init__(self, store: LinkStore) -> None:
        self.store = store
        self._state: str | None = None  # the store's link state that the cache is whole for
        self._by_key: dict[str, list[str]] = {}  # blocking key -> every stored event that emitted it
        self._counts: dict[str, int] = {}  # blocking key -> how many stored events emitted it
        self._records: dict[str, EventRecord] = {}
        self._incident_of: dict[str, str] = {}
        self._members: dict[str, list[str]] = {}  # incident id -> its member event ids
        self._rejections: bool | None = None

    def _clear(self) -> None:
        self._by_key.clear()
        self._counts.clear()
        self._records.clear()
        self._incident_of.clear()
        self._members.clear()
        self._rejections = None

    # -- what changes the cache ----------------------------------------------------------------------

    def link_state(self) -> str:
        state = self.store.link_state()
        if state != self._state:
            self._clear()
            self._state = state
        return state

    def apply_link_result(self, result: LinkResult) -> bool:
        return self.apply_link_result_at(result) is not None

    def apply_link_result_at(self, result: LinkResult) -> str | None:
        state = self.store.apply_link_result_at(result)
        if state is None:
            return None
        if self._state != result.state:  # the cache was not whole for what this result was built on
            self._clear()
        else:
            self._learn(result)
        self._state = state
        return state

    def _learn(self, result: LinkResult) -> None:
        """Add what a successful write added: new events under their keys, new incident ids."""
        for rec, keys in result.changes.records:
            self._records[rec.event_id] = rec
            for k in set(keys):
                if k in self._by_key:  # in event id order, as the store answers: linking is then
                    bisect.insort(self._by_key[k], rec.event_id)  # the same with or without the cache
                if k in self._counts:
                    self._counts[k] += 1
        for change in result.changes.incidents:
            for gone in change.replaces:
                self._members.pop(gone, None)
            self._members[change.id] = [m.event_id for m in change.members]
            for m in change.members:
                self._records.setdefault(m.event_id, m)
                self._incident_of[m.event_id] = change.id

    def unlink_document(self, doc_id: str) -> None:
        self._state = None
        self.store.unlink_document(doc_id)

    # -- reads ---------------------------------------------------------------------------------------

    def link_candidates(self, keys: Sequence[str]) -> dict[str, list[tuple[EventRecord, str]]]:
        missing = [k for k in keys if k not in self._by_key or len(k) >= KEY_MAX]
        if missing:
            for k, hits in self.store.link_candidates(missing).items():
                for rec, inc in hits:
                    self._records.setdefault(rec.event_id, rec)
                    self._incident_of[rec.event_id] = inc
                if len(k) < KEY_MAX:  # a longer key is matched on its prefix by the store: never kept
                    self._by_key[k] = [rec.event_id for rec, _ in hits]
            for k in missing:
                if len(k) < KEY_MAX:
                    self._by_key.setdefault(k, [])
        out: dict[str, list[tuple[EventRecord, str]]] = {}
        for k in keys:
            ids = self._by_key.get(k)
            if ids:
                out[k] = [(self._records[e], self._incident_of[e]) for e in ids]
        return out

    def key_counts(self, keys: Sequence[str]) -> dict[str, int]:
        long = {k for k in keys if len(k) >= KEY_MAX}  # matched on a prefix by the store: never kept
        missing = [k for k in keys if k in long or (k not in self._by_key and k not in self._counts)]
        got = self.store.key_counts(missing) if missing else {}
        self._counts.update((k, got.get(k, 0)) for k in missing if k not in long)
        out: dict[str, int] = {}
        for k in keys:
            n = len(self._by_key[k]) if k in self._by_key else (got if k in long else self._counts).get(k, 0)
            if n:
                out[k] = n
        return out

    def has_rejections(self) -> bool:
        if self._rejections is None:
            self._rejections = self.store.has_rejections()
        return self._rejections

    def incident_records(self, incident_ids: Sequence[str]) -> dict[str, list[EventRecord]]:
        missing = [i for i in incident_ids if i not in self._members]
        if missing:
            for iid, recs in self.store.incident_records(missing).items():
                for rec in recs:
                    self._records.setdefault(rec.event_id, rec)
                self._members[iid] = [rec.event_id for rec in recs]
        return {i: [self._records[e] for e in self._members.get(i, [])] for i in incident_ids}

    def rejected_pairs(self, event_ids: Sequence[str]) -> set[tuple[str, str]]:
        return self.store.rejected_pairs(event_ids)

    def linked_documents(self, doc_id: str) -> bool:
        return self.store.linked_documents(doc_id)

    def claim_records_for(self, topics: Sequence[str | None]) -> list[ClaimRecord]:
        return self.store.claim_records_for(topics)
