"""The bulk writer's cached link store (khronika/link/cache.py), on SQLite and PostgreSQL: the same
incidents as linking straight against the store, fewer reads, and nothing stale after another writer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_incidents import _members
from test_link import _fire_docs, _seitkali_docs

from khronika.link import Linker, event_records, load_config
from khronika.link.cache import CachedLinkStore
from khronika.model import Document
from khronika.store import Store


@pytest.fixture(scope="module")
def linker() -> Linker:
    return Linker(load_config(), text=False)


def _docs() -> list[Document]:
    return [*_fire_docs(), *_seitkali_docs()]


def test_batches_through_the_cache_give_the_incidents_of_direct_linking(
    store: Store, linker: Linker, tmp_path: Path
) -> None:
    cached = CachedLinkStore(store)
    docs = _docs()
    for i in range(0, len(docs), 2):
        batch = docs[i : i + 2]
        store.save_many(batch)
        linker.link_documents(batch, cached)
    with Store(f"sqlite:///{tmp_path / 'direct.db'}") as direct:
        for d in _docs():
            direct.save(d)
            linker.link_document(d, direct)
        want = _members(direct)
    assert _members(store) == want
    assert any(len(m) > 1 for m in want)  # the corpus does link something
    assert store.audit_verify().ok


def _candidate_ids(index: Any, linker: Linker, doc: Document) -> set[str]:
    keys = sorted({k for r in event_records(doc, linker.cfg) for k in linker.blocker.query(r)})
    return {rec.event_id for hits in index.link_candidates(keys).values() for rec, _ in hits}


def test_a_warm_cache_does_not_read_candidates_again(
    store: Store, linker: Linker, monkeypatch: pytest.MonkeyPatch
) -> None:
    en, ru = _seitkali_docs()
    cached = CachedLinkStore(store)
    store.save(en)
    linker.link_documents([en], cached)
    cached.link_state()
    first = _candidate_ids(cached, linker, ru)
    assert first  # the English report is a candidate for the Russian one
    reads: list[int] = []
    real = store.link_candidates
    monkeypatch.setattr(store, "link_candidates", lambda keys: reads.append(len(keys)) or real(keys))
    assert _candidate_ids(cached, linker, ru) == first
    assert reads == []


def test_another_writer_empties_the_cache(store: Store, linker: Linker, store_url: str) -> None:
    """A write that did not go through the cache (another ingest, an analyst's split) is seen at the
    next batch: its events are candidates, its incidents are current."""
    fire = _fire_docs()
    cached = CachedLinkStore(store)
    store.save(fire[0])
    linker.link_documents([fire[0]], cached)
    cached.link_state()
    before = _candidate_ids(cached, linker, fire[2])  # warms the cache with the first report's keys
    with Store(store_url) as other:  # a second writer, behind the cache's back
        other.save(fire[1])
        linker.link_document(fire[1], other)
        theirs = {r.event_id for r in event_records(fire[1], linker.cfg)}
    cached.link_state()  # what every batch begins with
    after = _candidate_ids(cached, linker, fire[2])
    assert theirs and not (theirs & before) and theirs <= after
    store.save_many(fire[2:])
    linker.link_documents(fire[2:], cached)
    [inc] = store.incidents(min_members=2)
    assert inc["n_documents"] == 4
