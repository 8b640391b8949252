"""The document list and search of the API (GET /api/documents) on SQLite and PostgreSQL: counts of the
current run only, newest-first pages, and search answers that follow every write (they are kept per
data version). Expected values come from the documents each test stores."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from khronika.model import Document, Event
from khronika.store import Store


@pytest.fixture
def analyst(store: Store) -> Any:
    from fastapi.testclient import TestClient

    from khronika.store.accounts import create_token, create_user
    from khronika.web.app import create_app

    create_user(store, "list-analyst", "analyst", "a-long-password")
    token = create_token(store, "list-analyst", "test")
    return TestClient(create_app(store=store), headers={"Authorization": f"Bearer {token}"})


def with_events(doc: Document, n: int) -> Document:
    """`n` events, one per sentence of the document's text."""
    sentences = [s for s in doc.text.split(". ") if s]
    pos, out = 0, []
    for sentence in sentences[:n]:
        start = doc.text.index(sentence, pos)
        pos = start + len(sentence)
        out.append(Event(start=start, end=pos, extractor="test@1", confidence=0.8, evidence="witnessed",
                         type="Protests", subtype="Peaceful protest", date="2022-01-05"))
    doc.events = out
    return doc


def listing(client: Any, **params: Any) -> dict[str, Any]:
    r = client.get("/api/documents", params=params)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def test_counts_are_those_of_the_current_run(store: Store, analyst: Any,
                                             make_doc: Callable[..., Document]) -> None:
    text = "A crowd gathered. Shots were heard. The square emptied. Smoke rose at night."
    redone = []
    for i in range(4):  # several, so the old runs' ids fall on both sides of the new ones'
        doc = with_events(make_doc(text, source=f"counts-{i}"), 4)
        store.save(doc)
        store.save(with_events(doc, 1), reprocess=True)  # the new run keeps one event of four
        redone.append(doc.id)
    other = with_events(make_doc("Bread ran out. Queues grew.", source="other"), 2)
    store.save(other)
    rows = {d["id"]: d for d in listing(analyst)["documents"]}
    assert [rows[i]["n_events"] for i in redone] == [1, 1, 1, 1]
    assert rows[other.id]["n_events"] == 2
    assert rows[redone[0]]["n_items"] == rows[redone[0]]["n_unreviewed"] == 1  # events are reviewable


def test_pages_cover_every_document_once(store: Store, analyst: Any,
                                         make_doc: Callable[..., Document]) -> None:
    ids = set()
    for i in range(5):
        doc = make_doc(f"Testimony number {i} about the night.", source=f"page-{i}")
        store.save(doc)
        ids.add(doc.id)
    first, second = listing(analyst, limit=3), listing(analyst, limit=3, offset=3)
    assert first["total"] == second["total"] == 5
    seen = [d["id"] for d in first["documents"] + second["documents"]]
    assert len(seen) == 5 and set(seen) == ids
    shown = [(d["created_at"], d["id"]) for d in first["documents"] + second["documents"]]
    by_id = sorted(shown, key=lambda k: k[1])
    assert shown == sorted(by_id, key=lambda k: k[0], reverse=True)  # newest first, ties by id (stable)


def test_search_and_total_follow_new_documents(store: Store, analyst: Any,
                                               make_doc: Callable[..., Document]) -> None:
    store.save(make_doc("The pharmacy on Abay street was closed.", source="first"))
    before = listing(analyst, q="pharmacy")
    assert len(before["documents"]) == 1 and before["total"] == 1
    assert listing(analyst, q="pharmacy")["documents"] == before["documents"]  # asked again: same answer
    later = make_doc("Another pharmacy opened its doors at noon.", source="second")
    store.save(later)
    after = listing(analyst, q="pharmacy")
    assert {d["id"] for d in after["documents"]} == {d["id"] for d in before["documents"]} | {later.id}
    assert after["total"] == 2
    assert listing(analyst)["total"] == 2
