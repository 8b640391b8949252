"""Documents list, search and reader; extracted items with spans; ingest from the browser."""

from __future__ import annotations

from dataclasses import asdict
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, File, Form, HTTPException, UploadFile, status
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Connection

from ...errors import InputError
from ...pipeline import Pipeline
from ...store import Store
from ...store import reviews as rv
from ...store.schema import documents, events, items, runs
from ...store.tables_review import reviews
from .. import mapdata
from ..deps import get_store
from ..pagekit import Redactor, read
from ..reader import marks_from_items, segments
from ..security import Principal, require

router = APIRouter()

MAX_UPLOAD = 2_000_000  # bytes: testimonies are text, not archives
READER_KINDS = ("testimony", "statement", "time", "place", "event", "service", "claim", "victim", "need")


@lru_cache(maxsize=1)
def _pipeline() -> Pipeline:
    from ...pipeline import default_pipeline

    return default_pipeline()


def ingest_text(
    store: Store,
    raw: bytes,
    *,
    name: str,
    published: str | None,
    source: str | None = None,
    title: str | None = None,
    lang: str | None = None,
    channel: str = "web",
) -> dict[str, Any]:
    """Run the pipeline over `raw` and store it (as `khronika ingest` does); refuses what intake refuses."""
    from ...intake import make_document
    from ...link import link_after_save
    from ...model import Provenance

    prov = Provenance(channel=channel, source=source or None, filename=name)
    doc = make_document(raw, name=name, provenance=prov, published=published or None, lang=lang or None,
                        title=title or None)
    if store.has_document(doc.id):
        return {"doc_id": doc.id, "created": False, "n_events": None}
    _pipeline()(doc)
    store.save(doc)
    link_after_save(store, doc)
    return {"doc_id": doc.id, "created": True, "n_events": len(doc.events), "n_items": len(doc.items())}


# -- reads --------------------------------------------------------------------------------------------


def _current_runs(conn: Connection, ids: list[str]) -> dict[str, str]:
    """run id -> document id, for the current run of each of these documents. Every run of the
    documents is read by doc_id and the superseded ones dropped here: a document has few runs, while
    "superseded_by IS NULL" in SQL lets SQLite walk ix_runs_superseded_by over every current run."""
    q = sa.select(runs.c.id, runs.c.doc_id, runs.c.superseded_by).where(runs.c.doc_id.in_(ids))
    return {str(r.id): str(r.doc_id) for r in conn.execute(q) if r.superseded_by is None}


def _counts(conn: Connection, ids: list[str]) -> dict[str, dict[str, int]]:
    """Per document: events, reviewable items and reviewed items of its current run. Counted by run id
    (the leading column of the events' and items' keys), for the documents of the page only."""
    out = {i: {"n_events": 0, "n_items": 0, "n_reviewed": 0} for i in ids}
    if not ids:
        return out
    run_doc = _current_runs(conn, ids)
    cur = list(run_doc)
    if not cur:
        return out
    queries = {
        "n_events": sa.select(events.c.run_id, sa.func.count())
        .where(events.c.run_id.in_(cur)).group_by(events.c.run_id),
        "n_items": sa.select(items.c.run_id, sa.func.count())
        .where(items.c.run_id.in_(cur), items.c.kind.in_(rv.REVIEW_KINDS)).group_by(items.c.run_id),
        "n_reviewed": sa.select(reviews.c.run_id, sa.func.count(sa.distinct(reviews.c.item_id)))
        .where(reviews.c.doc_id.in_(ids), reviews.c.run_id.in_(cur), reviews.c.stale == 0)
        .group_by(reviews.c.run_id),
    }
    for key, q in queries.items():
        for run_id, n in conn.execute(q):
            out[run_doc[str(run_id)]][key] = int(n)
    return out


def _meta_rows(conn: Connection, ids: list[str] | None, limit: int, offset: int) -> list[dict[str, Any]]:
    d = documents
    cols = (d.c.id, d.c.title, d.c.lang, d.c.published, d.c.source, d.c.channel, d.c.created_at)
    q = sa.select(*cols)
    if ids is not None:
        q = q.where(d.c.id.in_(ids))
    else:  # ix_documents_newest (migration 0008) holds this order: the page is read, not sorted
        q = q.order_by(d.c.created_at.desc(), d.c.id).limit(limit).offset(offset)
    return [dict(r._mapping) for r in conn.execute(q)]


def list_documents(
    store: Store, red: Redactor, q: str = "", limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """Newest first, or search hits best first (with a snippet, hits in [brackets])."""
    with read(store) as conn:
        # Read before the data it guards, so a write landing in between is never cached as newer.
        version = mapdata.data_version(conn)
        if q.strip():
            hits = _search(store, q, limit, version)
            meta = {r["id"]: r for r in _meta_rows(conn, [h["doc_id"] for h in hits], limit, 0)}
            rows = [
                {**meta[h["doc_id"]], "snippet": h["snippet"], "rank": h["rank"]}
                for h in hits
                if h["doc_id"] in meta
            ]
        else:
            rows = _meta_rows(conn, None, limit, offset)
        counts = _counts(conn, [r["id"] for r in rows])
        total: int = mapdata.CACHE.get(("documents_total",), version, lambda: _total(conn))
    out = []
    for r in rows:
        c = counts[r["id"]]
        row = {**r, **c, "n_unreviewed": c["n_items"] - c["n_reviewed"]}
        out.append(red.record("document", row))
    return {"query": q, "total": total, "documents": out}


def _search(store: Store, q: str, limit: int, version: tuple[Any, ...]) -> list[dict[str, Any]]:
    """store.search, kept per data version: ranking ranks every document holding the words (FTS5's bm25,
    PostgreSQL's ts_rank), which for a common word is most of the store, and only a write (every
    document is saved with its audit entry, which moves the version) changes the answer."""
    hits: list[dict[str, Any]] = mapdata.CACHE.get(("search", q.strip(), limit), version,
                                                   lambda: store.search(q, limit=limit))
    return [dict(h) for h in hits]  # copies: the cached rows are shared between requests


def _total(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.count()).select_from(documents)).scalar() or 0)


def _item_rows(store: Store, doc_id: str) -> list[dict[str, Any]]:
    doc = store.load_document(doc_id)
    return [{**it.to_json(), "kind": it.kind} for it in doc.items() if it.kind in READER_KINDS]


def document_view(store: Store, red: Redactor, doc_id: str) -> dict[str, Any]:
    """Metadata, text cut into highlighted segments, items with their review status, stale decisions."""
    try:
        doc = store.load_document(doc_id)
    except Exception as e:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no document {doc_id!r}") from e
    latest = rv.latest_reviews(store, doc_id)
    rows = _item_rows(store, doc_id)
    segs = segments(doc.text, marks_from_items(rows))
    statements = {r["id"]: r for r in rows if r["kind"] == "statement"}
    testimonies = {r["id"]: r for r in rows if r["kind"] == "testimony"}
    linked = rv.incidents_of_events(store, [r["id"] for r in rows if r["kind"] == "event"])
    item_list = []
    for r in rows:
        if r["kind"] in ("testimony", "statement"):
            continue
        st = statements.get(r.get("statement_id") or "")
        speaker = testimonies.get(st["testimony_id"], {}).get("speaker") if st else None
        rev = latest.get(r["id"])
        entry = {
            "id": r["id"], "kind": r["kind"], "start": r["start"], "end": r["end"],
            "text": doc.text[r["start"] : r["end"]],
            "evidence": r.get("evidence") or (st or {}).get("evidence"),
            "speaker": speaker,
            "confidence": r.get("confidence"), "extractor": r.get("extractor"),
            "fields": rv.machine_fields(r["kind"], r) if r["kind"] in rv.REVIEW_KINDS else _plain(r),
            "reviewable": r["kind"] in rv.REVIEW_KINDS,
            "status": rv.status_of(rev) if r["kind"] in rv.REVIEW_KINDS else None,
            "review": rev,
            "incident": linked.get(r["id"]),
        }
        item_list.append(entry)
    meta = {
        "id": doc.id, "title": doc.title, "lang": doc.lang, "published": doc.published, "tz": doc.tz,
        **{k: v for k, v in asdict(doc.provenance).items() if k in ("channel", "source")},
    }
    seg_rows = [asdict(s) for s in segs]
    if red.active:
        from ...redact import get_policy

        policy = get_policy("viewer", store=store)
        meta = red.record("document", {**meta, "doc_id": doc.id})
        item_list = [_redact_item(red, policy, doc.id, e) for e in item_list]
        seg_rows = [{**s, "text": policy.text_for(doc.id, s["text"]) or "▒"} for s in seg_rows]
    speakers = sorted({t["speaker"] for t in testimonies.values() if t.get("speaker")})
    stale = rv.stale_reviews(store, doc_id)
    if red.active:  # pseudonyms for witnesses; reviewers' names and decisions stay with analysts
        rows_ = [red.record("item", {"kind": "testimony", "doc_id": doc.id, "speaker": s}) for s in speakers]
        speakers = [str(r.get("speaker")) for r in rows_]
        stale = [{"kind": r["kind"], "decision": r["decision"]} for r in stale]
    return {
        "document": meta,
        "segments": seg_rows,
        "items": item_list,
        "speakers": speakers,
        "stale_reviews": stale,
        "redacted": red.active,
    }


def _plain(r: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in r.items() if k not in ("id", "kind", "start", "end", "extractor", "confidence")}


def _redact_item(red: Redactor, policy: Any, doc_id: str, e: dict[str, Any]) -> dict[str, Any]:
    """An item as a viewer sees it: fields through the policy, no reviewer names."""
    fields = red.record("item", {"kind": e["kind"], "doc_id": doc_id, **e["fields"]})
    fields.pop("doc_id", None)
    plain = {k: v for k, v in e.items() if k not in ("fields", "review")}
    kept = red.record("item", {**plain, "doc_id": doc_id})
    return {**kept, "kind": e["kind"], "fields": fields, "review": None, "status": e["status"],
            "reviewable": e["reviewable"], "text": policy.text_for(doc_id, e["text"]),
            "incident": e["incident"]}


# -- API ----------------------------------------------------------------------------------------------


@router.get("/api/documents", response_class=JSONResponse)
def api_documents(
    q: str = "", limit: int = 50, offset: int = 0,
    principal: Principal = Depends(require("viewer")), store: Store = Depends(get_store),
) -> JSONResponse:
    """Documents, newest first; with `q`, full-text search hits best first (SQLite FTS5 / PostgreSQL)."""
    out = list_documents(store, Redactor(principal, store), q, max(1, min(limit, 200)), max(0, offset))
    return JSONResponse(out)  # plain JSON values already: skip FastAPI's generic encoder


@router.get("/api/documents/{doc_id}")
def api_document(
    doc_id: str, principal: Principal = Depends(require("viewer")), store: Store = Depends(get_store)
) -> dict[str, Any]:
    """One document: metadata, highlighted segments (offsets), items with fields and review status."""
    return document_view(store, Redactor(principal, store), doc_id)


@router.post("/api/documents", status_code=status.HTTP_201_CREATED)
async def api_ingest(
    published: str = Form(""),
    text: str = Form(""),
    source: str = Form(""),
    title: str = Form(""),
    lang: str = Form(""),
    file: UploadFile | None = File(None),
    principal: Principal = Depends(require("analyst")),
    store: Store = Depends(get_store),
) -> dict[str, Any]:
    """Ingest a testimony (pasted `text` or an uploaded `file`) with its publication date."""
    if file is not None and file.filename:
        raw = await file.read(MAX_UPLOAD + 1)
        name = file.filename
    else:
        raw, name = text.encode("utf-8"), "web-form.txt"
    if not raw.strip():
        raise InputError("give a text or a file")
    if len(raw) > MAX_UPLOAD:
        raise InputError(f"too large: at most {MAX_UPLOAD} bytes")
    out = ingest_text(store, raw, name=name, published=published.strip() or None, source=source.strip(),
                      title=title.strip(), lang=lang.strip())
    store.audit_append("web.ingest", {"doc_id": out["doc_id"], "by": principal.name, **out})
    return out
