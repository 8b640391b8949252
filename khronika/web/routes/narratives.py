"""Narratives: claims about causes grouped across documents, with who holds them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ...store import Store
from ..deps import get_store
from ..pagekit import Redactor, page_principal
from ..security import Principal, require
from ..templating import render

router = APIRouter()


def _redacted(n: dict[str, Any], red: Redactor) -> dict[str, Any]:
    """A narrative as a viewer may see it: claims through the policy, holders and label from them."""
    claims = [red.record("item", {"kind": "claim", **c}) for c in n.get("claims", [])]
    first = (n.get("claims") or [{}])[0]
    label = red.record("item", {"kind": "claim", "doc_id": first.get("doc_id"), "text": n.get("label")})
    return {**red.record("item", {k: v for k, v in n.items() if k not in ("claims", "holders", "label")}),
            "label": label.get("text"), "claims": claims,
            "holders": sorted({str(c["holder"]) for c in claims if c.get("holder")})}


def narratives_data(store: Store, red: Redactor) -> list[dict[str, Any]]:
    """Narratives, most claims first, then by topic."""
    rows = store.narratives()
    if red.active:
        rows = [_redacted(n, red) for n in rows]
    return sorted(rows, key=lambda n: (-int(n.get("n_claims") or 0), n.get("topic") or "", n.get("id") or ""))


@router.get("/api/narratives")
def api_narratives(
    principal: Principal = Depends(require("viewer")), store: Store = Depends(get_store)
) -> list[dict[str, Any]]:
    """Narratives: id, topic, label, n_claims, n_sources, holders, hedges and the claims themselves."""
    return narratives_data(store, Redactor(principal, store))


@router.get("/narratives", response_class=HTMLResponse, include_in_schema=False)
def narratives_page(request: Request, store: Store = Depends(get_store)) -> Any:
    p = page_principal(request, store)
    if isinstance(p, RedirectResponse):
        return p
    rows = narratives_data(store, Redactor(p, store))
    return render(request, "narratives.html", p, active="narratives", narratives=rows)
