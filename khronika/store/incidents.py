"""Persistence of linking: the read-only index linking queries, and the writes of one document's result.

Functions take a SQLAlchemy connection; `Store` delegates to them (the methods at the end of its class).
Every incident version written also goes to the audit chain as an "incident" entry (retired ids too),
every narrative written as a "narrative" entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..link.blocking import KEY_MAX
from . import audit as audit_mod
from .schema import (
    incident_links,
    incident_members,
    incidents,
    link_events,
    link_keys,
    narrative_claims,
    narratives,
)
from .tables_review import verifications

if TYPE_CHECKING:
    from ..link import LinkResult
    from ..link.records import ClaimRecord, EventRecord

CHUNK = 500


def _chunks(xs: Sequence[Any]) -> list[Sequence[Any]]:
    return [xs[i : i + CHUNK] for i in range(0, len(xs), CHUNK)]


# -- reads -------------------------------------------------------------------------------------------


def key_counts(conn: Connection, keys: Sequence[str]) -> dict[str, int]:
    """How many stored events emitted each key (read from the key index alone)."""
    asked: dict[str, list[str]] = {}
    for k in keys:
        asked.setdefault(k[:KEY_MAX], []).append(k)
    out: dict[str, int] = {}
    for part in _chunks(sorted(asked)):
        q = (
            sa.select(link_keys.c.key, sa.func.count())
            .where(link_keys.c.key.in_(part))
            .group_by(link_keys.c.key)
        )
        for key, n in conn.execute(q):
            for k in asked[str(key)]:
                out[k] = int(n)
    return out


def link_candidates(conn: Connection, keys: Sequence[str]) -> dict[str, list[tuple[EventRecord, str]]]:
    """For each key, the stored events that emitted it; each record is read and parsed once, however
    many of the keys it emitted (a busy day's key is shared by every report of that day)."""
    from ..link.records import EventRecord

    asked: dict[str, list[str]] = {}  # stored (truncated) key -> the keys asked for
    for k in keys:
        asked.setdefault(k[:KEY_MAX], []).append(k)
    hits: list[tuple[str, str]] = []
    for part in _chunks(sorted(asked)):
        q = sa.select(link_keys.c.key, link_keys.c.event_id).where(link_keys.c.key.in_(part))
        hits.extend((str(r.key), str(r.event_id)) for r in conn.execute(q))
    parsed: dict[str, tuple[EventRecord, str]] = {}
    for part in _chunks(sorted({e for _, e in hits})):
        q = sa.select(link_events.c.event_id, link_events.c.record, link_events.c.incident_id).where(
            link_events.c.event_id.in_(part)
        )
        for r in conn.execute(q):
            parsed[str(r.event_id)] = (EventRecord.from_json(r.record), str(r.incident_id))
    out: dict[str, list[tuple[EventRecord, str]]] = {}
    for key, eid in sorted(hits):
        for k in asked[key]:
            out.setdefault(k, []).append(parsed[eid])
    return out


def has_rejections(conn: Connection) -> bool:
    q = sa.select(incident_links.c.a_event).where(incident_links.c.status == "rejected").limit(1)
    return conn.execute(q).first() is not None


def rejected_pairs(conn: Connection, event_ids: Sequence[str]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for part in _chunks(sorted(set(event_ids))):
        q = sa.select(incident_links.c.a_event, incident_links.c.b_event).where(
            incident_links.c.status == "rejected",
            sa.or_(incident_links.c.a_event.in_(part), incident_links.c.b_event.in_(part)),
        )
        out.update((str(r.a_event), str(r.b_event)) for r in conn.execute(q))
    return out


def incident_records(conn: Connection, incident_ids: Sequence[str]) -> dict[str, list[EventRecord]]:
    from ..link.records import EventRecord

    out: dict[str, list[EventRecord]] = {i: [] for i in incident_ids}
    for part in _chunks(list(incident_ids)):
        q = sa.select(link_events.c.record, link_events.c.incident_id).where(
            link_events.c.incident_id.in_(part)
        )
        for r in conn.execute(q):
            out[str(r.incident_id)].append(EventRecord.from_json(r.record))
    for v in out.values():
        v.sort(key=lambda m: m.event_id)
    return out


def linked_documents(conn: Connection, doc_id: str) -> bool:
    q = sa.select(sa.literal(1)).select_from(link_events).where(link_events.c.doc_id == doc_id).limit(1)
    return conn.execute(q).first() is not None


def claim_records_for(conn: Connection, topics: Sequence[str | None]) -> list[ClaimRecord]:
    from ..link.records import ClaimRecord

    wanted = sorted({t or "" for t in topics})
    q = sa.select(narrative_claims.c.record).where(narrative_claims.c.topic.in_(wanted))
    return sorted((ClaimRecord.from_json(r.record) for r in conn.execute(q)), key=lambda c: c.claim_id)


def list_incidents(
    conn: Connection, *, min_members: int = 1, since: str | None = None, until: str | None = None
) -> list[dict[str, Any]]:
    q = sa.select(incidents).where(incidents.c.n_members >= min_members)
    if since:
        q = q.where(incidents.c.last_day >= since[:10])
    if until:
        q = q.where(incidents.c.first_day <= until[:10])
    q = q.order_by(incidents.c.first_day.is_(None), incidents.c.first_day, incidents.c.id)
    return [{"id": r.id, "version": r.version, **r.summary} for r in conn.execute(q)]


def linked_incidents(conn: Connection, incident_ids: Sequence[str], min_members: int = 2) -> dict[str, Any]:
    """Stored incidents of at least `min_members` events, by id: {"id", "version", **summary}."""
    out: dict[str, Any] = {}
    for part in _chunks(sorted(set(incident_ids))):
        q = sa.select(incidents).where(incidents.c.id.in_(part), incidents.c.n_members >= min_members)
        out.update((r.id, {"id": r.id, "version": r.version, **r.summary}) for r in conn.execute(q))
    return out


def group_chronicle(rows: Sequence[dict[str, Any]], linked: dict[str, Any]) -> list[dict[str, Any]]:
    """Chronicle rows with the events of each linked incident folded into one row.

    `rows` are event rows in chronicle order, each with its `incident_id` (None when not linked);
    `linked` the incidents of two or more events. An incident's row takes the place of its first event
    in `rows` (so, with a date filter, the first day it has in range); the event it shows is its best
    evidence, then the first in order. Every other event stays a row of its own (kind "event").
    """
    from ..link.incidents import _evidence_rank

    rank = _evidence_rank()
    groups: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r.get("incident_id") in linked:
            groups.setdefault(r["incident_id"], []).append(r)
    out: list[dict[str, Any]] = []
    for r in rows:
        iid = r.get("incident_id")
        if iid not in linked:
            out.append({**r, "kind": "event"})
        elif groups[iid][0] is r:
            out.append(_incident_row(r, groups[iid], linked[iid], rank))
    return out


def _incident_row(
    first: dict[str, Any], in_range: list[dict[str, Any]], inc: dict[str, Any], rank: dict[str, int]
) -> dict[str, Any]:
    best = min(in_range, key=lambda r: rank.get(r.get("evidence") or "", 99))  # min is stable: first wins
    label = {e: s["label"] for s in inc["sources"] for e in s["events"]}
    return {
        **best,
        "kind": "incident",
        "date": first["date"],
        "incident_id": inc["id"],
        "incident_version": inc["version"],
        "type": inc["type"],
        "subtype": inc["subtype"],
        "family": inc["family"],
        "place": inc.get("place") or best["place"],
        "lat": inc["lat"] if inc.get("place") else best["lat"],
        "lon": inc["lon"] if inc.get("place") else best["lon"],
        "evidence": inc["best_evidence"] or best["evidence"],
        "confidence": inc["confidence"],
        "first_day": inc["first_day"],
        "last_day": inc["last_day"],
        "n_members": inc["n_members"],
        "n_documents": inc["n_documents"],
        "n_sources": inc["n_sources"],
        "sources": [s["label"] for s in inc["sources"]],
        "contradictions": inc["contradictions"],
        "members": [{**m, "source_label": label.get(m["event_id"])} for m in inc["members"]],
    }


def list_narratives(conn: Connection) -> list[dict[str, Any]]:
    q = sa.select(narratives).order_by(narratives.c.topic, narratives.c.id)
    return [{"version_at": r.updated_at, **r.summary} for r in conn.execute(q)]


def incident_history(conn: Connection, incident_id: str) -> list[dict[str, Any]]:
    q = (
        sa.select(incident_members)
        .where(incident_members.c.incident_id == incident_id)
        .order_by(incident_members.c.version)
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def links(conn: Connection, status: str | None = None) -> list[dict[str, Any]]:
    q = sa.select(incident_links)
    if status:
        q = q.where(incident_links.c.status == status)
    return [
        dict(r._mapping) for r in conn.execute(q.order_by(incident_links.c.a_event, incident_links.c.b_event))
    ]


# -- writes (inside the caller's write transaction) ----------------------------------------------------


def _versions(conn: Connection, ids: Sequence[str]) -> dict[str, int]:
    if not ids:
        return {}
    q = (
        sa.select(incident_members.c.incident_id, sa.func.max(incident_members.c.version))
        .where(incident_members.c.incident_id.in_(list(ids)))
        .group_by(incident_members.c.incident_id)
    )
    return {str(i): int(v) for i, v in conn.execute(q)}


@dataclass(frozen=True)
class IncidentVersion:
    """One new version of an incident, as `_write_incidents` stores it."""

    iid: str
    summary: dict[str, Any]
    replaces: Sequence[str]
    doc_id: str | None
    reason: str
    version: int


def _write_incident(
    conn: Connection,
    iid: str,
    summary: dict[str, Any],
    replaces: Sequence[str],
    doc_id: str | None,
    reason: str,
    version: int,
) -> None:
    _write_incidents(conn, [IncidentVersion(iid, summary, replaces, doc_id, reason, version)])


def _write_incidents(conn: Connection, versions: Sequence[IncidentVersion]) -> None:
    """Current rows, member lists and audit entries of new incident versions: a statement per table
    for all of them (a bulk batch changes hundreds of incidents)."""
    if not versions:
        return
    now = audit_mod.utc_now()
    rows, member_rows, entries = [], [], []
    for v in versions:
        s = v.summary
        members = [m["event_id"] for m in s["members"]]
        rows.append(
            {
                "id": v.iid,
                "version": v.version,
                **{k: s[k] for k in SUMMARY_COLUMNS},
                "confidence": float(s["confidence"]),
                "summary": s,
                "updated_at": now,
            }
        )
        member_rows.append(
            {
                "incident_id": v.iid,
                "version": v.version,
                "members": members,
                "replaces": list(v.replaces),
                "reason": v.reason,
                "doc_id": v.doc_id,
                "created_at": now,
            }
        )
        entry = {
            "incident_id": v.iid,
            "version": v.version,
            "reason": v.reason,
            "doc_id": v.doc_id,
            "members": members,
            "replaces": list(v.replaces),
            "n_sources": s["n_sources"],
            "contradictions": [c["field"] for c in s["contradictions"]],
        }
        entries.append(("incident", entry))
    for part in _chunks(sorted({v.iid for v in versions})):
        conn.execute(sa.delete(incidents).where(incidents.c.id.in_(part)))
    conn.execute(sa.insert(incidents), rows)
    conn.execute(sa.insert(incident_members), member_rows)
    audit_mod.append_entries(conn, entries)


SUMMARY_COLUMNS = (
    "type",
    "subtype",
    "family",
    "first_day",
    "last_day",
    "place",
    "lat",
    "lon",
    "n_members",
    "n_documents",
    "n_sources",
    "best_evidence",
)


def _retire(conn: Connection, iid: str, into: str, doc_id: str | None, version: int) -> None:
    now = audit_mod.utc_now()
    conn.execute(sa.delete(incidents).where(incidents.c.id == iid))
    conn.execute(
        sa.insert(incident_members).values(
            incident_id=iid,
            version=version,
            members=[],
            replaces=[into],
            reason="retired",
            doc_id=doc_id,
            created_at=now,
        )
    )
    audit_mod.append_entry(
        conn,
        "incident",
        {"incident_id": iid, "version": version, "reason": "retired", "merged_into": into, "doc_id": doc_id},
    )
    _carry_verification(conn, iid, into)


CARRIER = "khronika"  # the analyst name on verification states carried from an incident to its successor


def _latest_verification(conn: Connection, iid: str) -> Any:
    q = (
        sa.select(verifications)
        .where(verifications.c.incident_id == iid)
        .order_by(verifications.c.created_at.desc(), verifications.c.id.desc())
        .limit(1)
    )
    return conn.execute(q).first()


def _carry_verification(conn: Connection, gone: str, into: str) -> None:
    """An incident's verification follows it when a new report or a merge gives it a new id.

    Incident ids are made from their members, so every new linked report makes a new id; without this,
    a verified incident would fall back to "unverified" whenever somebody else reported it. When two
    incidents with different states merge, the result is "in_progress" and says why: a person decides.
    """
    before = _latest_verification(conn, gone)
    if before is None:
        return
    current = _latest_verification(conn, into)
    if current is not None and (current.state == before.state or current.analyst != CARRIER):
        return  # already agrees, or a person has set it since
    if current is None:
        state, reason = before.state, f"carried over from incident {gone} when it became {into}"
    else:
        state = "in_progress"
        reason = f"merged incidents were {current.state!r} and {before.state!r}: check again"
    row = {
        "id": f"carry-{gone[:24]}-{into[:24]}",
        "incident_id": into,
        "state": state,
        "reason": reason,
        "sources": list(before.sources or []),
        "analyst": CARRIER,
        "created_at": audit_mod.utc_now(),
    }
    conn.execute(sa.insert(verifications).values(**row))
    audit_mod.append_entry(conn, "verification", row)


def link_state(conn: Connection) -> str:
    """Changes whenever linking writes: incident versions are append-only, narrative claims are counted."""
    n_versions, last = conn.execute(
        sa.select(sa.func.count(), sa.func.max(incident_members.c.created_at)).select_from(incident_members)
    ).one()
    n_claims = conn.execute(sa.select(sa.func.count()).select_from(narrative_claims)).scalar()
    return f"{n_versions}:{last or ''}:{n_claims}"


def apply_link_result(conn: Connection, result: LinkResult) -> bool:
    """Write one document's linking result; False (nothing written) when the index moved since it was read."""
    return apply_link_result_at(conn, result) is not None


def apply_link_result_at(conn: Connection, result: LinkResult) -> str | None:
    """`apply_link_result`, answering the link state right after the write (read in its transaction, so
    a cache of the index knows it is whole), or None when nothing was written."""
    if link_state(conn) != result.state:
        return None
    ch = result.changes
    now = audit_mod.utc_now()
    target = {m.event_id: c.id for c in ch.incidents for m in c.members}
    rows = [
        {
            "event_id": r.event_id,
            "doc_id": r.doc_id,
            "incident_id": target[r.event_id],
            "start": r.start,
            "end": r.end,
            "day": r.day,
            "record": r.to_json(),
            "created_at": now,
        }
        for r, _ in ch.records
    ]
    if rows:
        conn.execute(sa.insert(link_events), rows)
    key_rows = sorted({(k[:KEY_MAX], r.event_id) for r, keys in ch.records for k in keys})
    if key_rows:
        conn.execute(sa.insert(link_keys), [{"key": k, "event_id": e} for k, e in key_rows])
    versions = _versions(conn, sorted({i for c in ch.incidents for i in [c.id, *c.replaces]}))
    doc_of = {r.event_id: r.doc_id for r, _ in ch.records}
    written = []
    for c in ch.incidents:
        # The document whose report made this version (in a batch, the first of those that did).
        doc_id = min((doc_of[e] for e in c.new_events if e in doc_of), default=None)
        # The stored members are those of the incidents it replaces: re-point those of the others.
        others = [i for i in c.replaces if i != c.id]
        if others:
            conn.execute(
                sa.update(link_events).where(link_events.c.incident_id.in_(others)).values(incident_id=c.id)
            )
        reason = (
            "created"
            if not c.replaces
            else ("merged" if len(c.replaces) > 1 or c.id not in c.replaces else "grown")
        )
        version = max([versions.get(i, 0) for i in [c.id, *c.replaces]]) + 1
        written.append(IncidentVersion(c.id, result.summaries[c.id], c.replaces, doc_id, reason, version))
        for gone in others:
            _retire(conn, gone, c.id, doc_id, versions.get(gone, 0) + 1)
    _write_incidents(conn, written)
    existing = set()
    for part in _chunks([(lk.a, lk.b) for lk in ch.links]):
        q = sa.select(incident_links.c.a_event, incident_links.c.b_event).where(
            sa.tuple_(incident_links.c.a_event, incident_links.c.b_event).in_(part)
        )
        existing |= {(r.a_event, r.b_event) for r in conn.execute(q)}
    link_rows = [
        {
            "a_event": lk.a,
            "b_event": lk.b,
            "score": float(lk.score),
            "status": lk.status,
            "detail": lk.detail,
            "created_at": now,
        }
        for lk in ch.links
        if (lk.a, lk.b) not in existing
    ]
    if link_rows:
        conn.execute(sa.insert(incident_links), link_rows)
    _write_narratives(conn, result)
    return link_state(conn)


def _write_narratives(conn: Connection, result: LinkResult) -> None:
    if not result.claims:
        return
    for part in _chunks(sorted(result.doc_ids)):
        conn.execute(sa.delete(narrative_claims).where(narrative_claims.c.doc_id.in_(part)))
    topics = sorted({t or "" for t in result.topics})
    conn.execute(sa.delete(narratives).where(narratives.c.topic.in_(topics)))
    now = audit_mod.utc_now()
    owner = {c["claim_id"]: n["id"] for n in result.narratives for c in n["claims"]}
    conn.execute(
        sa.insert(narrative_claims),
        [
            {
                "claim_id": c.claim_id,
                "doc_id": c.doc_id,
                "topic": c.topic or "",
                "narrative_id": owner[c.claim_id],
                "record": c.to_json(),
            }
            for c in result.claims
        ],
    )
    for n in result.narratives:
        ids = [c["claim_id"] for c in n["claims"]]
        for part in _chunks(ids):
            conn.execute(
                sa.update(narrative_claims)
                .where(narrative_claims.c.claim_id.in_(part))
                .values(narrative_id=n["id"])
            )
        conn.execute(
            sa.insert(narratives).values(
                id=n["id"],
                topic=n["topic"] or "",
                label=n["label"],
                n_claims=n["n_claims"],
                n_sources=n["n_sources"],
                summary=n,
                updated_at=now,
            )
        )
        audit_mod.append_entry(
            conn,
            "narrative",
            {
                "narrative_id": n["id"],
                "doc_id": _first_of(result.doc_ids, [c["doc_id"] for c in n["claims"]]),
                "topic": n["topic"],
                "claims": ids,
                "n_sources": n["n_sources"],
            },
        )


def _first_of(batch: Sequence[str], docs: Sequence[str]) -> str | None:
    """The first batch document among `docs` (whose new claims regrouped this narrative), else the batch's."""
    mine = sorted(set(batch) & set(docs))
    return mine[0] if mine else min(batch, default=None)


def unlink_document(conn: Connection, doc_id: str, cfg: dict[str, Any]) -> None:
    """Take a document's events out of their incidents (before a reprocess links its new run).

    An incident that loses members is re-formed from the confirmed links among those that remain, so it
    may split; each part is a new version (or a new incident), and the audit chain says so.
    """
    from ..link.incidents import _UnionFind, incident_id, summarize

    q = sa.select(link_events.c.event_id, link_events.c.incident_id).where(link_events.c.doc_id == doc_id)
    gone = {str(r.event_id): str(r.incident_id) for r in conn.execute(q)}
    if not gone:
        return
    affected = sorted(set(gone.values()))
    ids = list(gone)
    for part in _chunks(ids):
        conn.execute(sa.delete(link_keys).where(link_keys.c.event_id.in_(part)))
        conn.execute(  # an analyst's "not the same incident" outlives a reprocess
            sa.delete(incident_links).where(
                sa.or_(incident_links.c.a_event.in_(part), incident_links.c.b_event.in_(part)),
                incident_links.c.status != "rejected",
            )
        )
        conn.execute(sa.delete(link_events).where(link_events.c.event_id.in_(part)))
    remaining = incident_records(conn, affected)
    versions = _versions(conn, affected)
    for old in affected:
        members = remaining.get(old, [])
        mids = [m.event_id for m in members]
        uf = _UnionFind()
        for mid in mids:
            uf.find(mid)
        for part in _chunks(mids):
            q2 = sa.select(incident_links.c.a_event, incident_links.c.b_event).where(
                incident_links.c.status == "confirmed", incident_links.c.a_event.in_(part)
            )
            for r in conn.execute(q2):
                if r.b_event in uf.parent:
                    uf.union(str(r.a_event), str(r.b_event))
        parts: dict[str, list[Any]] = {}
        for m in members:
            parts.setdefault(uf.find(m.event_id), []).append(m)
        new_ids = []
        for ms in parts.values():
            nid = incident_id(m.event_id for m in ms)
            new_ids.append(nid)
            for part in _chunks([m.event_id for m in ms]):
                conn.execute(
                    sa.update(link_events).where(link_events.c.event_id.in_(part)).values(incident_id=nid)
                )
            v = max(versions.get(old, 0), _versions(conn, [nid]).get(nid, 0)) + 1
            _write_incident(
                conn, nid, summarize(ms, cfg), [old], doc_id, "split" if len(parts) > 1 else "shrunk", v
            )
        if old not in new_ids:
            now = audit_mod.utc_now()
            conn.execute(sa.delete(incidents).where(incidents.c.id == old))
            conn.execute(
                sa.insert(incident_members).values(
                    incident_id=old,
                    version=versions.get(old, 0) + 1,
                    members=[],
                    replaces=new_ids,
                    reason="retired",
                    doc_id=doc_id,
                    created_at=now,
                )
            )
            audit_mod.append_entry(
                conn,
                "incident",
                {
                    "incident_id": old,
                    "version": versions.get(old, 0) + 1,
                    "reason": "retired",
                    "split_into": new_ids,
                    "doc_id": doc_id,
                },
            )
    conn.execute(sa.delete(narrative_claims).where(narrative_claims.c.doc_id == doc_id))
