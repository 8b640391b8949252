"""The review layer: human decisions about machine output, kept apart from it (issue 10).

- reviews: accept / edit / reject one extracted item of one run. Rows are history; per item the latest
  non-stale row wins. A reprocess re-anchors each decision to the new run's item of the same kind whose
  span overlaps most, and flags the decisions nothing in the new run matches as stale (`reanchor`).
- verifications: the state of an incident (as Meedan Check does it), with reason and sources consulted.
  This is not "the extraction is right": an event can be extracted correctly from a false rumour.
- link decisions: confirm, break, merge, split incidents (they write new incident versions).

Every decision is appended to the audit chain in the same transaction that stores it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import InputError
from . import audit as audit_mod
from .schema import documents, items, runs
from .tables_review import link_decisions, reviews, verifications

if TYPE_CHECKING:
    from ..model import Document
    from .store import Store

DECISIONS = ("accept", "edit", "reject")
STATES = ("unverified", "in_progress", "verified", "disputed", "false")
LINK_ACTIONS = ("confirm", "break", "merge", "split")
# Kinds a person reviews: the findings. Times, places and statements are reviewed through them.
REVIEW_KINDS = ("event", "service", "claim", "victim", "need")
EDITABLE = ("type", "subtype", "date", "time", "place", "lat", "lon", "actors", "fatalities")
CONTEXT = 90  # characters of text shown around an item in the queue
_NOT_REVIEWED = frozenset(
    {"id", "kind", "start", "end", "extractor", "confidence", "statement_id", "time_id", "place_id"}
)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ItemRef:
    """One item of one run, as the review layer sees it."""

    id: str
    kind: str
    doc_id: str
    run_id: str
    start: int
    end: int
    data: dict[str, Any]


# -- fields -----------------------------------------------------------------------------------------


def machine_fields(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The reviewable fields of an item as the machine extracted them."""
    if kind != "event":
        return {k: v for k, v in data.items() if k not in _NOT_REVIEWED}
    loc = data.get("location") or {}
    return {
        "type": data.get("type"),
        "subtype": data.get("subtype"),
        "date": data.get("date"),
        "place": loc.get("name"),
        "lat": loc.get("lat"),
        "lon": loc.get("lon"),
        "actors": [a.get("name") for a in data.get("actors") or []],
        "fatalities": data.get("fatalities"),
    }


def _number(name: str, value: Any, lo: float, hi: float) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError) as e:
        raise InputError(f"{name} must be a number") from e
    if not lo <= x <= hi:
        raise InputError(f"{name} must be between {lo:g} and {hi:g}")
    return x


def check_edits(edits: dict[str, Any]) -> dict[str, Any]:
    """Validated corrections; unknown fields and bad values raise InputError (nothing is stored)."""
    unknown = sorted(set(edits) - set(EDITABLE))
    if unknown:
        raise InputError(f"not editable: {', '.join(unknown)} (editable: {', '.join(EDITABLE)})")
    out: dict[str, Any] = {}
    for key, value in edits.items():
        if value is None or value == "":
            continue
        if key in ("lat", "lon"):
            out[key] = _number(key, value, -90 if key == "lat" else -180, 90 if key == "lat" else 180)
        elif key == "fatalities":
            n = _number(key, value, 0, 1_000_000)
            if n != int(n):
                raise InputError("fatalities must be a whole number")
            out[key] = int(n)
        elif key == "actors":
            names = value if isinstance(value, list) else str(value).split(",")
            out[key] = [str(a).strip() for a in names if str(a).strip()]
        elif key == "date":
            if not _DAY.match(str(value)):
                raise InputError("date must be YYYY-MM-DD")
            out[key] = str(value)
        else:
            out[key] = str(value).strip()[:500]
    if ("lat" in out) != ("lon" in out):
        raise InputError("give both lat and lon (or neither)")
    return out


# -- reads ------------------------------------------------------------------------------------------


def _current_runs() -> sa.Select[tuple[str]]:
    return sa.select(runs.c.id).where(runs.c.superseded_by.is_(None))


def current_item(store: Store, item_id: str) -> ItemRef | None:
    """The item with this id in its document's current run."""
    q = sa.select(items).where(items.c.id == item_id, items.c.run_id.in_(_current_runs()))
    with store.read() as conn:
        r = conn.execute(q).first()
    if r is None:
        return None
    return ItemRef(r.id, r.kind, r.doc_id, r.run_id, r.start, r.end, dict(r.data))


def _row(r: Any) -> dict[str, Any]:
    d = dict(r._mapping)
    d["stale"] = bool(d["stale"])
    return d


def latest_reviews(
    store: Store, doc_id: str | None = None, item_ids: Sequence[str] | None = None
) -> dict[str, dict[str, Any]]:
    """item id -> its latest non-stale review, for items of current runs (of one document, or these items)."""
    q = sa.select(reviews).where(reviews.c.stale == 0, reviews.c.run_id.in_(_current_runs()))
    if doc_id:
        q = q.where(reviews.c.doc_id == doc_id)
    if item_ids is not None:
        q = q.where(reviews.c.item_id.in_(list(item_ids)))
    out: dict[str, dict[str, Any]] = {}
    with store.read() as conn:
        for r in conn.execute(q.order_by(reviews.c.created_at, reviews.c.id)):
            out[r.item_id] = _row(r)
    return out


def review_history(store: Store, item_id: str) -> list[dict[str, Any]]:
    """Every review ever made of this item (also under the id it had in an older run), oldest first."""
    q = sa.select(reviews).where(sa.or_(reviews.c.item_id == item_id, reviews.c.origin_item_id == item_id))
    with store.read() as conn:
        return [_row(r) for r in conn.execute(q.order_by(reviews.c.created_at, reviews.c.id))]


def stale_reviews(store: Store, doc_id: str) -> list[dict[str, Any]]:
    q = sa.select(reviews).where(reviews.c.doc_id == doc_id, reviews.c.stale == 1)
    with store.read() as conn:
        return [_row(r) for r in conn.execute(q.order_by(reviews.c.created_at, reviews.c.id))]


def status_of(review: dict[str, Any] | None) -> str:
    """What a page shows for an item: unreviewed, accepted, edited or rejected."""
    if review is None:
        return "unreviewed"
    return {"accept": "accepted", "edit": "edited", "reject": "rejected"}[review["decision"]]


def _reviewed_ids() -> sa.Select[tuple[str]]:
    return sa.select(reviews.c.item_id).where(reviews.c.stale == 0, reviews.c.run_id.in_(_current_runs()))


def pending_count(store: Store, kinds: Sequence[str] = REVIEW_KINDS) -> int:
    """How many items of current runs still wait for a decision."""
    q = (
        sa.select(sa.func.count())
        .select_from(items)
        .where(items.c.run_id.in_(_current_runs()), items.c.kind.in_(list(kinds)))
        .where(items.c.id.not_in(_reviewed_ids()))
    )
    with store.read() as conn:
        return int(conn.execute(q).scalar() or 0)


def review_queue(
    store: Store, *, kinds: Sequence[str] = REVIEW_KINDS, limit: int = 50, include_reviewed: bool = True
) -> list[dict[str, Any]]:
    """Items of current runs, unreviewed first, then by document and position, with text around them."""
    lo = sa.func.max(items.c.start - CONTEXT, 0) if store.dialect == "sqlite" else sa.func.greatest(
        items.c.start - CONTEXT, 0
    )
    reviewed = sa.case((items.c.id.in_(_reviewed_ids()), 1), else_=0)
    q = (
        sa.select(
            items,
            documents.c.title,
            documents.c.source,
            documents.c.published,
            lo.label("ctx_start"),
            sa.func.substr(documents.c.text, lo + 1, items.c.end + CONTEXT - lo).label("context"),
        )
        .join(documents, documents.c.id == items.c.doc_id)
        .where(items.c.run_id.in_(_current_runs()), items.c.kind.in_(list(kinds)))
        .order_by(reviewed, documents.c.created_at, items.c.doc_id, items.c.start, items.c.id)
        .limit(limit)
    )
    if not include_reviewed:
        q = q.where(items.c.id.not_in(_reviewed_ids()))
    with store.read() as conn:
        rows = list(conn.execute(q))
    done = latest_reviews(store, item_ids=[r.id for r in rows])
    return [
        {
            "item_id": r.id,
            "kind": r.kind,
            "doc_id": r.doc_id,
            "run_id": r.run_id,
            "title": r.title,
            "source": r.source,
            "published": r.published,
            "start": r.start,
            "end": r.end,
            "evidence": r.evidence,
            "confidence": r.confidence,
            "fields": machine_fields(r.kind, dict(r.data)),
            "context": r.context,
            "context_start": int(r.ctx_start),
            "status": status_of(done.get(r.id)),
            "review": done.get(r.id),
        }
        for r in rows
    ]


# -- writes -----------------------------------------------------------------------------------------


def record_review(
    store: Store,
    item_id: str,
    decision: str,
    *,
    reviewer: str,
    edits: dict[str, Any] | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Store one decision about an item of a current run, and audit it. Raises InputError."""
    if decision not in DECISIONS:
        raise InputError(f"decision must be one of {', '.join(DECISIONS)}")
    checked = check_edits(edits or {}) if decision == "edit" else {}
    if decision == "edit" and not checked:
        raise InputError("an edit needs at least one corrected field")
    item = current_item(store, item_id)
    if item is None:
        raise InputError(f"no item {item_id!r} in a current run")
    row = {
        "id": uuid.uuid4().hex,
        "item_id": item.id,
        "kind": item.kind,
        "doc_id": item.doc_id,
        "run_id": item.run_id,
        "start": item.start,
        "end": item.end,
        "decision": decision,
        "edits": checked,
        "machine": machine_fields(item.kind, item.data),
        "reviewer": reviewer,
        "reason": (reason or "").strip()[:2000] or None,
        "created_at": audit_mod.utc_now(),
        "stale": 0,
        "origin_item_id": item.id,
    }
    with store.write() as conn:
        conn.execute(sa.insert(reviews).values(**row))
        audit_mod.append_entry(
            conn,
            "review",
            {k: row[k] for k in ("id", "item_id", "kind", "doc_id", "run_id", "decision", "edits", "reviewer",
                                 "reason")},
        )
    return {**row, "stale": False}


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def _match(rev: Any, candidates: Iterable[Any]) -> Any | None:
    """The new item a decision still applies to: same kind, the largest overlap of spans."""
    best, best_n = None, 0
    for it in candidates:
        if it.kind != rev.kind:
            continue
        n = _overlap(rev.start, rev.end, it.start, it.end)
        if n > best_n or (n == best_n and n > 0 and it.id == rev.item_id):
            best, best_n = it, n
    return best


def reanchor(conn: Connection, doc: Document, previous_run: str, new_run: str) -> dict[str, int]:
    """Carry the decisions on `previous_run` over to `new_run` (inside Store.save's transaction).

    An accept holds only while the machine still says the same thing (same reviewable fields); an edit
    or a reject holds for whatever the new run found on the overlapping span. The rest become stale.
    """
    q = sa.select(reviews).where(reviews.c.run_id == previous_run, reviews.c.stale == 0)
    rows = list(conn.execute(q.order_by(reviews.c.created_at, reviews.c.id)))
    if not rows:
        return {"kept": 0, "stale": 0}
    new_items = doc.items()
    kept = stale = 0
    for rev in rows:
        it = _match(rev, new_items)
        holds = it is not None and (
            rev.decision != "accept" or machine_fields(it.kind, it.to_json()) == rev.machine
        )
        if it is not None and holds:
            conn.execute(
                sa.update(reviews)
                .where(reviews.c.id == rev.id)
                .values(item_id=it.id, run_id=new_run, start=it.start, end=it.end)
            )
            kept += 1
        else:
            conn.execute(sa.update(reviews).where(reviews.c.id == rev.id).values(stale=1))
            stale += 1
    audit_mod.append_entry(
        conn,
        "review.reanchor",
        {"doc_id": doc.id, "from_run": previous_run, "to_run": new_run, "kept": kept, "stale": stale},
    )
    return {"kept": kept, "stale": stale}


# -- verification -------------------------------------------------------------------------------------


def set_verification(
    store: Store,
    incident_id: str,
    state: str,
    *,
    analyst: str,
    reason: str | None = None,
    sources: Sequence[str] = (),
) -> dict[str, Any]:
    if state not in STATES:
        raise InputError(f"state must be one of {', '.join(STATES)}")
    if state in ("verified", "disputed", "false") and not (reason or "").strip():
        raise InputError(f"setting {state!r} needs a reason")
    row = {
        "id": uuid.uuid4().hex,
        "incident_id": incident_id,
        "state": state,
        "reason": (reason or "").strip()[:2000] or None,
        "sources": [str(s).strip()[:500] for s in sources if str(s).strip()],
        "analyst": analyst,
        "created_at": audit_mod.utc_now(),
    }
    with store.write() as conn:
        conn.execute(sa.insert(verifications).values(**row))
        audit_mod.append_entry(conn, "verification", row)
    return row


def verification_history(store: Store, incident_id: str) -> list[dict[str, Any]]:
    q = (
        sa.select(verifications)
        .where(verifications.c.incident_id == incident_id)
        .order_by(verifications.c.created_at, verifications.c.id)
    )
    with store.read() as conn:
        return [dict(r._mapping) for r in conn.execute(q)]


def verification_states(store: Store, incident_ids: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    """incident id -> its latest verification row (incidents never verified are absent)."""
    q = sa.select(verifications)
    if incident_ids is not None:
        q = q.where(verifications.c.incident_id.in_(list(incident_ids)))
    out: dict[str, dict[str, Any]] = {}
    with store.read() as conn:
        for r in conn.execute(q.order_by(verifications.c.created_at, verifications.c.id)):
            out[r.incident_id] = dict(r._mapping)
    return out


def verification_state(store: Store, incident_id: str) -> str:
    row = verification_states(store, [incident_id]).get(incident_id)
    return row["state"] if row else "unverified"


# -- link decisions ------------------------------------------------------------------------------------


def link_decision_history(store: Store, incident_id: str) -> list[dict[str, Any]]:
    q = sa.select(link_decisions).where(
        sa.or_(link_decisions.c.incident_id == incident_id, link_decisions.c.other_incident_id == incident_id)
    )
    with store.read() as conn:
        return [dict(r._mapping) for r in conn.execute(q.order_by(link_decisions.c.created_at))]


def apply_link_decision(
    store: Store,
    action: str,
    incident_id: str,
    *,
    analyst: str,
    event_ids: Sequence[str] = (),
    other_incident_id: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Confirm, break, merge or split; writes the new incident versions and the decision, audited."""
    from . import link_actions

    if action not in LINK_ACTIONS:
        raise InputError(f"action must be one of {', '.join(LINK_ACTIONS)}")
    with store.write() as conn:
        result = link_actions.apply(conn, action, incident_id, list(event_ids), other_incident_id)
        row = {
            "id": uuid.uuid4().hex,
            "action": action,
            "incident_id": incident_id,
            "other_incident_id": other_incident_id,
            "event_ids": sorted(event_ids),
            "result": result,
            "analyst": analyst,
            "reason": (reason or "").strip()[:2000] or None,
            "created_at": audit_mod.utc_now(),
        }
        conn.execute(sa.insert(link_decisions).values(**row))
        audit_mod.append_entry(conn, "link_decision", row)
    return row


def incidents_of_events(store: Store, event_ids: Sequence[str]) -> dict[str, dict[str, str]]:
    """event id -> {"incident_id", "verification"} for linked events (so pages can badge them)."""
    from .schema import link_events

    ids = list(event_ids)
    if not ids:
        return {}
    q = sa.select(link_events.c.event_id, link_events.c.incident_id).where(link_events.c.event_id.in_(ids))
    with store.read() as conn:
        found = {str(r.event_id): str(r.incident_id) for r in conn.execute(q)}
    states = verification_states(store, sorted(set(found.values())))
    return {
        e: {"incident_id": i, "verification": (states.get(i) or {}).get("state", "unverified")}
        for e, i in found.items()
    }


def reviewed_item_ids(store: Store, kind: str | None = None) -> set[str]:
    """Ids of items of current runs that have a (non-stale) decision; small: people make them by hand."""
    q = _reviewed_ids()
    if kind:
        q = q.where(reviews.c.kind == kind)
    with store.read() as conn:
        return {str(x) for x in conn.execute(q).scalars()}
