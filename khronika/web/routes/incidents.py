"""Incidents: members side by side with their sources, contradictions, link decisions and verification."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, HTTPException, status
from pydantic import BaseModel, Field

from ...store import Store
from ...store import reviews as rv
from ...store.schema import incidents
from ..deps import get_store
from ..pagekit import Redactor, read
from ..security import Principal, require

router = APIRouter()

# Contradiction field -> the member field it is about (for highlighting).
CONFLICT_FIELDS = {"date": "day", "fatalities": "fatalities", "place": "place"}


class LinkIn(BaseModel):
    action: str = Field(description="confirm | break | merge | split")
    event_ids: list[str] = Field(default_factory=list)
    other_incident_id: str | None = None
    reason: str | None = None


class VerificationIn(BaseModel):
    state: str = Field(description=" | ".join(rv.STATES))
    reason: str | None = None
    sources: list[str] = Field(default_factory=list, description="sources consulted")


def _exists(store: Store, incident_id: str) -> bool:
    with read(store) as conn:
        q = sa.select(incidents.c.id).where(incidents.c.id == incident_id)
        return conn.execute(q).first() is not None


def _with_state(
    rows: list[dict[str, Any]], states: dict[str, dict[str, Any]], reviewed: set[str]
) -> list[dict[str, Any]]:
    """Each incident with its verification state and how many of its reports nobody reviewed yet."""
    return [
        {
            **r,
            "verification": (states.get(r["id"]) or {}).get("state", "unverified"),
            "n_unreviewed": sum(1 for m in r.get("members", []) if m["event_id"] not in reviewed),
        }
        for r in rows
    ]


def incidents_data(
    store: Store, red: Redactor, *, min_members: int = 1, state: str = ""
) -> list[dict[str, Any]]:
    """Incidents by first day with their verification state (filtered by `state` when given)."""
    rows = store.incidents(min_members=min_members)
    rows = _with_state(rows, rv.verification_states(store), rv.reviewed_item_ids(store, "event"))
    if state:
        rows = [r for r in rows if r["verification"] == state]
    return [red.record("incident", r) for r in rows] if red.active else rows


def _side_by_side(m: dict[str, Any]) -> tuple[str, str, int]:
    """Members grouped by source, then in document order, so each witness's reports sit together."""
    return (str(m.get("source") or ""), str(m["doc_id"]), int(m["start"]))


def incident_view(store: Store, red: Redactor, incident_id: str) -> dict[str, Any]:
    found = [r for r in store.incidents() if r["id"] == incident_id]
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no incident {incident_id!r}")
    inc = found[0]
    latest = rv.latest_reviews(store, item_ids=[m["event_id"] for m in inc.get("members", [])])
    conflicts: dict[str, set[str]] = {}
    for c in inc.get("contradictions", []):
        for side in c["sides"]:
            for ev in side["events"]:
                conflicts.setdefault(ev, set()).add(CONFLICT_FIELDS.get(c["field"], c["field"]))
    labels = {e: s.get("label") for s in inc.get("sources", []) for e in s.get("events", [])}
    members = [
        {
            **m,
            "source_label": labels.get(m["event_id"]),
            "conflicts": sorted(conflicts.get(m["event_id"], ())),
            "status": rv.status_of(latest.get(m["event_id"])),
            "corrected": (latest.get(m["event_id"]) or {}).get("edits") or {},
        }
        for m in sorted(inc.get("members", []), key=_side_by_side)
    ]
    history = rv.verification_history(store, incident_id)
    out = {
        **inc,
        "members": members,
        "verification": history[-1]["state"] if history else "unverified",
        "verification_history": history,
        "link_decisions": rv.link_decision_history(store, incident_id),
    }
    if red.active:
        out = red.record("incident", out)
        out["members"] = _review_fields(out["members"], members, out.get("sources") or [])
        out["verification_history"] = [{k: h[k] for k in ("state", "created_at")} for h in history]
        out["link_decisions"] = []
    return out


PUBLIC_EDITS = ("fatalities", "subtype", "type")  # corrections that name nobody and no address


def _review_fields(
    redacted: list[dict[str, Any]], full: list[dict[str, Any]], sources: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Give redacted members back what the page shows beside them: their conflicts, review status,
    source label (already redacted in `sources`), and the corrections that reveal nobody."""
    by_event = {m["event_id"]: m for m in full}
    labels = {e: s.get("label") for s in sources for e in s.get("events", [])}
    out = []
    for m in redacted:
        f = by_event.get(m.get("event_id"), {})
        edits = f.get("corrected") or {}
        out.append(
            {
                **m,
                "source_label": labels.get(m.get("event_id")),
                "conflicts": f.get("conflicts", []),
                "status": f.get("status"),
                "corrected": {k: v for k, v in edits.items() if k in PUBLIC_EDITS},
            }
        )
    return out


@router.get("/api/incidents")
def api_incidents(
    min_members: int = 1, state: str = "",
    principal: Principal = Depends(require("viewer")), store: Store = Depends(get_store),
) -> list[dict[str, Any]]:
    """Incidents: members, independent sources, contradictions, and the verification state."""
    return incidents_data(store, Redactor(principal, store), min_members=min_members, state=state)


@router.get("/api/incidents/{incident_id}")
def api_incident(
    incident_id: str, principal: Principal = Depends(require("viewer")), store: Store = Depends(get_store)
) -> dict[str, Any]:
    """One incident: members side by side with sources, conflicting fields, verification and link history."""
    return incident_view(store, Redactor(principal, store), incident_id)


@router.post("/api/incidents/{incident_id}/links", status_code=201)
def api_link(
    incident_id: str, body: LinkIn,
    principal: Principal = Depends(require("analyst")), store: Store = Depends(get_store),
) -> dict[str, Any]:
    """Confirm (event_ids, or all), break (event_ids out, one incident each), split (event_ids out,
    together) or merge (other_incident_id into this one). Writes new incident versions, audited."""
    return rv.apply_link_decision(store, body.action, incident_id, analyst=principal.name,
                                  event_ids=body.event_ids, other_incident_id=body.other_incident_id,
                                  reason=body.reason)


@router.get("/api/incidents/{incident_id}/verification")
def api_verification(
    incident_id: str, principal: Principal = Depends(require("viewer")), store: Store = Depends(get_store)
) -> dict[str, Any]:
    """The current state and its history (names of analysts for analysts only)."""
    history = rv.verification_history(store, incident_id)
    if principal.role == "viewer":
        history = [{k: h[k] for k in ("state", "created_at")} for h in history]
    return {"incident_id": incident_id, "state": history[-1]["state"] if history else "unverified",
            "history": history}


@router.post("/api/incidents/{incident_id}/verification", status_code=201)
def api_set_verification(
    incident_id: str, body: VerificationIn,
    principal: Principal = Depends(require("analyst")), store: Store = Depends(get_store),
) -> dict[str, Any]:
    """Set the verification state with a reason and the sources consulted (history kept, audited)."""
    if not _exists(store, incident_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no incident {incident_id!r}")
    return rv.set_verification(store, incident_id, body.state, analyst=principal.name, reason=body.reason,
                               sources=body.sources)
