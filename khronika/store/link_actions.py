"""What an analyst's link decision does to incidents: confirm, break, merge, split.

Runs inside the caller's write transaction. Each changed incident gets a new version (and its own
"incident" audit entry through `incidents._write_incident`), exactly as automatic linking writes them.
A broken or split pair is marked "rejected" in incident_links, so re-forming an incident after a
reprocess (which follows only confirmed links) never joins them again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..errors import InputError
from ..model import stable_id
from . import audit as audit_mod
from .incidents import _retire, _versions, _write_incident, incident_records
from .schema import incident_links, incidents, link_events


def _members(conn: Connection, incident_id: str) -> list[Any]:
    if conn.execute(sa.select(incidents.c.id).where(incidents.c.id == incident_id)).first() is None:
        raise InputError(f"no incident {incident_id!r}")
    return incident_records(conn, [incident_id])[incident_id]


def _set_pairs(conn: Connection, pairs: Sequence[tuple[str, str]], status: str) -> int:
    now = audit_mod.utc_now()
    for a, b in pairs:
        a, b = min(a, b), max(a, b)
        key = sa.and_(incident_links.c.a_event == a, incident_links.c.b_event == b)
        if conn.execute(sa.select(incident_links.c.a_event).where(key)).first() is None:
            conn.execute(
                sa.insert(incident_links).values(
                    a_event=a, b_event=b, score=1.0, status=status, detail={"by": "analyst"}, created_at=now
                )
            )
        else:
            conn.execute(sa.update(incident_links).where(key).values(status=status))
    return len(pairs)


def _write(conn: Connection, iid: str, members: list[Any], replaces: list[str], reason: str) -> None:
    from ..link.config import load_config
    from ..link.incidents import summarize

    ids = [m.event_id for m in members]
    conn.execute(sa.update(link_events).where(link_events.c.event_id.in_(ids)).values(incident_id=iid))
    version = max(_versions(conn, [iid, *replaces]).values(), default=0) + 1
    _write_incident(conn, iid, summarize(members, load_config()), replaces, None, reason, version)


def _pick(members: list[Any], event_ids: Sequence[str], action: str) -> tuple[list[Any], list[Any]]:
    wanted = set(event_ids)
    unknown = wanted - {m.event_id for m in members}
    if unknown:
        raise InputError(f"not members of this incident: {', '.join(sorted(unknown))}")
    chosen = [m for m in members if m.event_id in wanted]
    rest = [m for m in members if m.event_id not in wanted]
    if action in ("break", "split") and (not chosen or not rest):
        raise InputError(f"{action} needs some, but not all, of the incident's events")
    return chosen, rest


def apply(
    conn: Connection, action: str, incident_id: str, event_ids: list[str], other_incident_id: str | None
) -> dict[str, Any]:
    """Apply one decision; returns the incident ids it left (and pairs touched)."""
    from ..link.incidents import incident_id as new_incident_id

    members = _members(conn, incident_id)
    if action == "confirm":
        chosen, _ = _pick(members, event_ids or [m.event_id for m in members], action)
        pairs = [(c.event_id, m.event_id) for c in chosen for m in members if m.event_id != c.event_id]
        n = _set_pairs(conn, sorted({(min(p), max(p)) for p in pairs}), "confirmed")
        return {"incidents": [incident_id], "pairs": n}
    if action == "merge":
        if not other_incident_id or other_incident_id == incident_id:
            raise InputError("merge needs another incident id")
        others = _members(conn, other_incident_id)
        _write(conn, incident_id, members + others, [incident_id, other_incident_id], "merged")
        version = _versions(conn, [other_incident_id]).get(other_incident_id, 0) + 1
        _retire(conn, other_incident_id, incident_id, None, version)
        return {"incidents": [incident_id], "retired": [other_incident_id]}
    chosen, rest = _pick(members, event_ids, action)
    _set_pairs(conn, [(c.event_id, r.event_id) for c in chosen for r in rest], "rejected")
    _write(conn, incident_id, rest, [incident_id], "shrunk")
    groups = [[c] for c in chosen] if action == "break" else [chosen]
    new_ids = []
    for group in groups:
        nid = new_incident_id(m.event_id for m in group)
        if nid == incident_id:  # the group holds the event the old id derives from: derive another
            nid = "inc-" + stable_id("incident-split", *sorted(m.event_id for m in group))
        _write(conn, nid, group, [incident_id], "split")
        new_ids.append(nid)
    return {"incidents": [incident_id, *new_ids]}
