"""Review queue and decisions on extracted items (accept / edit / reject), kept apart from machine output."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from ...store import Store
from ...store import reviews as rv
from ..deps import get_store
from ..pagekit import Redactor
from ..security import Principal, require

router = APIRouter()


class ReviewIn(BaseModel):
    decision: str = Field(description="accept | edit | reject")
    edits: dict[str, Any] = Field(default_factory=dict, description="for edit: " + ", ".join(rv.EDITABLE))
    reason: str | None = None


def queue_data(store: Store, red: Redactor, *, kind: str = "", pending: bool = False, limit: int = 50
               ) -> dict[str, Any]:
    kinds = [kind] if kind in rv.REVIEW_KINDS else list(rv.REVIEW_KINDS)
    rows = rv.review_queue(store, kinds=kinds, limit=limit, include_reviewed=not pending)
    linked = rv.incidents_of_events(store, [r["item_id"] for r in rows if r["kind"] == "event"])
    rows = [{**r, "incident": linked.get(r["item_id"])} for r in rows]
    if red.active:
        rows = [_redacted(red, r) for r in rows]
    kinds_all, editable = list(rv.REVIEW_KINDS), list(rv.EDITABLE)
    return {"items": rows, "kinds": kinds_all, "editable": editable, "redacted": red.active}


def _redacted(red: Redactor, r: dict[str, Any]) -> dict[str, Any]:
    # Offsets into a redacted context would be wrong: the viewer gets the redacted context whole.
    fields = red.record("item", {"kind": r["kind"], "doc_id": r["doc_id"], **r["fields"]})
    fields.pop("doc_id", None)
    base = red.record("item", {k: v for k, v in r.items() if k not in ("fields", "review", "context")})
    base["context"] = red.record("item", {"doc_id": r["doc_id"], "text": r["context"]}).get("text")
    return {**base, "kind": r["kind"], "status": r["status"], "fields": fields, "review": None,
            "incident": r["incident"]}


@router.get("/api/review/queue")
def api_queue(
    kind: str = "", pending: bool = False, limit: int = 50,
    principal: Principal = Depends(require("viewer")), store: Store = Depends(get_store),
) -> dict[str, Any]:
    """Extracted items of current runs, unreviewed first; `pending=true` leaves reviewed ones out."""
    red = Redactor(principal, store)
    return queue_data(store, red, kind=kind, pending=pending, limit=max(1, min(limit, 500)))


@router.post("/api/review/{item_id}", status_code=201)
def api_review(
    item_id: str, body: ReviewIn,
    principal: Principal = Depends(require("analyst")), store: Store = Depends(get_store),
) -> dict[str, Any]:
    """Record a decision about one item of a current run (audited). Bad input: 400, nothing stored."""
    return rv.record_review(store, item_id, body.decision, reviewer=principal.name, edits=body.edits,
                            reason=body.reason)


@router.get("/api/review/{item_id}/history")
def api_review_history(
    item_id: str, principal: Principal = Depends(require("analyst")), store: Store = Depends(get_store)
) -> list[dict[str, Any]]:
    """Every decision about this item, also under the id it had in earlier runs (analysts only: names)."""
    return rv.review_history(store, item_id)
