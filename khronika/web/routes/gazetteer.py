"""The gazetteer: search places, add and edit local ones (analysts; every change is audited)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from ...errors import InputError
from ...store import Store
from ..deps import get_store
from ..pagekit import page_principal
from ..security import Principal, require
from ..templating import render

router = APIRouter()


class PlaceIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    precision: str = "point"
    aliases: str = Field(default="", max_length=2000, description="Other names, separated by |")
    country: str = Field(default="KZ", max_length=8)
    admin1: str = Field(default="", max_length=200)
    source: str = Field(default="user", max_length=200, description="Where the coordinates come from")


def _place(p: Any, user_ids: set[str]) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "lat": p.lat, "lon": p.lon, "precision": p.precision,
            "country": p.country, "admin1": p.admin1, "population": p.population, "source": p.source,
            "aliases": list(p.aliases), "kind": p.kind, "editable": p.id in user_ids}


def search_places(q: str, limit: int) -> list[dict[str, Any]]:
    """Places matching `q` (exact aliases first, then prefixes); without `q`, every local place."""
    from ...geo.gazetteer import Gazetteer, normalize

    gaz = Gazetteer.load()
    user_ids = {p.id for p in gaz.user_places()}
    local = list(gaz.local_places())[::-1]  # newest (user) places first
    key = normalize(q)
    if not key:
        return [_place(p, user_ids) for p in local[:limit]]
    # Local places whose name contains the words come first: "square" should find Republic Square,
    # which the alias index (exact names and prefixes) would rank behind world places.
    hits = {p.id: p for p in local if key in normalize(p.name)}
    for p in gaz.search(q, limit=limit):
        hits.setdefault(p.id, p)
    return [_place(p, user_ids) for p in list(hits.values())[:limit]]


def _audit(store: Store, principal: Principal, action: str, place: dict[str, Any]) -> None:
    keys = ("id", "name", "lat", "lon", "precision", "aliases", "country", "admin1", "source")
    store.audit_append("gazetteer", {"action": action, "by": principal.name,
                                     "place": {k: place.get(k) for k in keys}})


@router.get("/api/gazetteer")
def api_search(q: str = "", limit: int = 30,
               _principal: Principal = Depends(require("viewer"))) -> list[dict[str, Any]]:
    """Search the gazetteer (`q`); without `q`, the local places (newest user places first)."""
    return search_places(q, max(1, min(limit, 200)))


@router.post("/api/gazetteer", status_code=201)
def api_add(body: PlaceIn, principal: Principal = Depends(require("analyst")),
            store: Store = Depends(get_store)) -> dict[str, Any]:
    """Add a local place (audited). Its id is derived from the name; a name already taken is refused."""
    from ...geo.gazetteer import Gazetteer, add, normalize

    gaz = Gazetteer.load()
    pid = f"user:{normalize(body.name).replace(' ', '-')}"
    if any(p.id == pid for p in gaz.local_places()):
        raise InputError(f"a local place with this name exists ({pid}); edit it instead")
    p = add(body.model_dump())
    row = _place(p, {p.id})
    _audit(store, principal, "add", row)
    return row


@router.put("/api/gazetteer/{place_id:path}")
def api_edit(place_id: str, body: PlaceIn, principal: Principal = Depends(require("analyst")),
             store: Store = Depends(get_store)) -> dict[str, Any]:
    """Edit a user place (it keeps its id); audited with the new values."""
    from ...geo.gazetteer import update

    p = update(place_id, body.model_dump())
    row = _place(p, {p.id})
    _audit(store, principal, "edit", row)
    return row


@router.get("/gazetteer", response_class=HTMLResponse, include_in_schema=False)
def gazetteer_page(request: Request, store: Store = Depends(get_store)) -> Any:
    p = page_principal(request, store)
    if isinstance(p, RedirectResponse):
        return p
    from ..security import allowed

    return render(request, "gazetteer.html", p, active="gazetteer", can_edit=allowed(p, "analyst"))
