"""Every person name known for a document: speakers (with roles), relayers, PER entities, claim holders
and victims. Read from a `Document`, or from item rows of the store's current run."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from .policy import DocNames

if TYPE_CHECKING:
    from ..model import Document
    from ..store.store import Store

NAME_KINDS = ("testimony", "statement", "entity", "victim", "claim")


def names_from_items(rows: Iterable[Mapping[str, Any]]) -> DocNames:
    """From item JSON (`Item.to_json()`, with "kind")."""
    witnesses: dict[str, str | None] = {}
    relayers: set[str] = set()
    third: set[str] = set()
    victims: set[str] = set()
    for d in rows:
        kind = d.get("kind")
        if kind == "testimony" and d.get("speaker"):
            witnesses.setdefault(str(d["speaker"]), d.get("role"))
        elif kind == "statement" and d.get("relayer"):
            relayers.add(str(d["relayer"]))
        elif kind == "entity" and d.get("label") == "PER" and d.get("text"):
            third.add(str(d["text"]))
        elif kind == "victim" and d.get("name"):
            victims.add(str(d["name"]))
        elif kind == "claim" and str(d.get("holder") or " ")[0].isupper():  # a name, not "people"
            third.add(str(d["holder"]))
    return DocNames(
        witnesses=witnesses,
        relayers=frozenset(relayers),
        third_parties=frozenset(third - set(witnesses) - victims - relayers),
        victims=frozenset(victims),
    )


def names_from_document(doc: Document) -> DocNames:
    return names_from_items(it.to_json() for it in doc.items())


class StoreNames:
    """doc id -> DocNames from the current run's items (None for a document without a current run)."""

    def __init__(self, store: Store) -> None:
        from ..store.schema import items, runs

        self.store = store
        # One statement, compiled once: an export asks for every document it meets.
        on = sa.and_(items.c.run_id == runs.c.id, items.c.kind.in_(NAME_KINDS))
        self.query = (
            sa.select(runs.c.id, items.c.data)
            .select_from(runs.outerjoin(items, on))
            .where(runs.c.doc_id == sa.bindparam("doc_id"), runs.c.superseded_by.is_(None))
        )

    def __call__(self, doc_id: str) -> DocNames | None:
        with self.store.read() as conn:
            rows = conn.execute(self.query, {"doc_id": doc_id}).all()
        if not rows:
            return None
        return names_from_items(r.data for r in rows if r.data is not None)

    def many(self, doc_ids: Collection[str]) -> dict[str, DocNames | None]:
        """The names of many documents in one query (an export prefetches a batch of rows' documents)."""
        from ..store.schema import items, runs

        on = sa.and_(items.c.run_id == runs.c.id, items.c.kind.in_(NAME_KINDS))
        q = (
            sa.select(runs.c.doc_id, items.c.data)
            .select_from(runs.outerjoin(items, on))
            .where(runs.c.doc_id.in_(sorted(doc_ids)), runs.c.superseded_by.is_(None))
        )
        found: dict[str, list[Any]] = {}
        with self.store.read() as conn:
            for r in conn.execute(q):
                found.setdefault(r.doc_id, [])
                if r.data is not None:
                    found[r.doc_id].append(r.data)
        return {d: names_from_items(found[d]) if d in found else None for d in doc_ids}
