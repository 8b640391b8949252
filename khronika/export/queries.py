"""Read-only, streaming queries for exports: rows come from a server-side cursor, a batch at a time.

Nothing here builds a list of all rows: an export of 100k events holds one batch in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from ..store.schema import documents, events, incidents, items, link_events, metadata, runs

if TYPE_CHECKING:
    from ..store.store import Store

BATCH = 500


def engine(store: Store) -> sa.Engine:
    # The store keeps its engine private; exports only read through it (never write).
    return store.engine


def stream(store: Store, query: sa.Executable) -> Iterator[dict[str, Any]]:
    """Rows of `query` as dicts, fetched BATCH at a time from a server-side cursor."""
    with engine(store).connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(query)
        for row in result:
            yield dict(row._mapping)


def batches(rows: Iterator[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    """Rows in lists of `size` (a bounded look-ahead, e.g. to prefetch what a batch refers to)."""
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def verification_state() -> sa.ScalarSelect[Any] | None:
    """The latest verification state of the row's incident, when the review tables exist (issue 10)."""
    ver = metadata.tables.get("verifications")
    if ver is None or "incident_id" not in ver.c or "state" not in ver.c:
        return None
    order = [ver.c.created_at.desc()] if "created_at" in ver.c else []
    return (
        sa.select(ver.c.state)
        .where(ver.c.incident_id == link_events.c.incident_id)
        .order_by(*order, ver.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def event_rows_query(*, families: tuple[str, ...] | None = None) -> sa.Select[Any]:
    """Events of current runs with their item data, document provenance, incident and verification."""
    e = events
    ver = verification_state()
    cols: list[Any] = [
        e,
        items.c.data.label("item_data"),
        documents.c.source.label("doc_source"),
        documents.c.channel.label("doc_channel"),
        documents.c.published.label("doc_published"),
        documents.c.created_at.label("doc_created_at"),
        link_events.c.incident_id,
        incidents.c.n_sources.label("incident_sources"),
        incidents.c.n_documents.label("incident_documents"),
    ]
    if ver is not None:
        cols.append(ver.label("verification"))
    q = (
        sa.select(*cols)
        .join(runs, sa.and_(runs.c.id == e.c.run_id, runs.c.superseded_by.is_(None)))
        .join(items, sa.and_(items.c.run_id == e.c.run_id, items.c.id == e.c.id))
        .join(documents, documents.c.id == e.c.doc_id)
        .outerjoin(link_events, link_events.c.event_id == e.c.id)
        .outerjoin(incidents, incidents.c.id == link_events.c.incident_id)
    )
    if families:
        q = q.where(e.c.family.in_(families))
    return q.order_by(e.c.date.is_(None), e.c.date, e.c.doc_id, e.c.start, e.c.id)


def event_rows(store: Store, *, families: tuple[str, ...] | None = None) -> Iterator[dict[str, Any]]:
    return stream(store, event_rows_query(families=families))


def incident_rows(store: Store) -> Iterator[dict[str, Any]]:
    """Current incidents with their summary (sources, members, contradictions) and verification."""
    ver = metadata.tables.get("verifications")
    cols: list[Any] = [incidents]
    if ver is not None and "incident_id" in ver.c:
        latest = (
            sa.select(ver.c.state)
            .where(ver.c.incident_id == incidents.c.id)
            .order_by(ver.c.created_at.desc(), ver.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        cols.append(latest.label("verification"))
    q = sa.select(*cols).order_by(incidents.c.first_day.is_(None), incidents.c.first_day, incidents.c.id)
    for r in stream(store, q):
        summary = r.pop("summary") or {}
        yield {**summary, **r}


def observation_rows(store: Store) -> Iterator[dict[str, Any]]:
    from ..store.schema import observations as o

    current = sa.select(runs.c.id).where(runs.c.superseded_by.is_(None))
    q = sa.select(o).where(o.c.run_id.in_(current)).order_by(o.c.period_begin, o.c.service, o.c.id)
    return stream(store, q)


def victim_item_rows(store: Store) -> Iterator[dict[str, Any]]:
    """Victim items of current runs (their JSON, with doc_id), in document order."""
    current = sa.select(runs.c.id).where(runs.c.superseded_by.is_(None))
    q = (
        sa.select(items.c.doc_id, items.c.data)
        .where(items.c.kind == "victim", items.c.run_id.in_(current))
        .order_by(items.c.doc_id, items.c.ord)
    )
    for r in stream(store, q):
        yield {**r["data"], "doc_id": r["doc_id"]}


def document_rows(store: Store) -> Iterator[dict[str, Any]]:
    """Documents without their text or bytes (a report lists them; a policy decides the rest)."""
    d = documents
    q = sa.select(
        d.c.id, d.c.title, d.c.lang, d.c.published, d.c.channel, d.c.source, d.c.created_at
    ).order_by(d.c.created_at, d.c.id)
    return stream(store, q)
