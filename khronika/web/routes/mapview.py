"""Map data: filtered markers, server-side clusters at low zoom, the basemap."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from ...errors import InputError
from ...store import Store
from .. import mapdata
from ..deps import get_store
from ..pagekit import Redactor, page_principal, read
from ..security import Principal, require
from ..templating import render

router = APIRouter()

TILE_ENV = "KHRONIKA_TILE_URL"
BASEMAP_LAYERS = ("/static/basemap/kazakhstan.geojson", "/static/basemap/almaty_districts.geojson")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Many = Annotated[list[str] | None, Query()]


def _day(value: str | None, name: str) -> str | None:
    if not value:
        return None
    if not _DAY.match(value):
        raise InputError(f"{name} must be a day, YYYY-MM-DD (got {value[:40]!r})")
    return value


def _clean(values: list[str] | None) -> tuple[str, ...]:
    return tuple(v for v in (values or []) if v)


def map_query(
    type: Many = None,  # the query parameter is called "type"
    evidence: Many = None,
    verification: Many = None,
    since: str | None = None,
    until: str | None = None,
    bbox: str | None = None,
    zoom: Annotated[int, Query(ge=0, le=22)] = 12,
) -> mapdata.MapQuery:
    """Filters shared by /api/map and /api/timeline (repeat a parameter to allow several values)."""
    try:
        box = mapdata.BBox.parse(bbox) if bbox else None
    except ValueError as e:
        raise InputError(str(e)) from e
    return mapdata.MapQuery(types=_clean(type), evidence=_clean(evidence), verification=_clean(verification),
                            since=_day(since, "since"), until=_day(until, "until"), bbox=box, zoom=zoom)


def tile_url(store: Store) -> str | None:
    """The tile URL template: the store setting "tile_url", else KHRONIKA_TILE_URL; None means offline."""
    from ...store.accounts import get_setting

    url = str(get_setting(store, "tile_url", "") or os.environ.get(TILE_ENV) or "")
    local = url.startswith("/") and not url.startswith("//")
    if not (url.startswith(("http://", "https://")) or local):
        return None  # unset, or anything else (javascript:, data:) that is no tile server
    return url


@lru_cache(maxsize=1)
def _city_names() -> tuple[str, ...]:
    text = resources.files("khronika.web").joinpath("static", "basemap", "cities.txt").read_text("utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def place_labels() -> list[dict[str, Any]]:
    """Labels for the offline basemap: Kazakh cities by name, then every local place (shipped and user)."""
    from ...geo.gazetteer import Gazetteer

    gaz = Gazetteer.load()
    out: list[dict[str, Any]] = []
    for name in _city_names():
        hit = next((p for p in gaz.lookup(name) if p.country == "KZ" and p.kind in ("city", "capital")), None)
        if hit is not None:
            out.append({"name": hit.name, "lat": hit.lat, "lon": hit.lon, "kind": "city",
                        "population": hit.population})
    out.extend({"name": p.name, "lat": p.lat, "lon": p.lon, "kind": "local", "precision": p.precision,
                "population": p.population} for p in gaz.local_places())
    return out


@router.get("/map", response_class=HTMLResponse, include_in_schema=False)
def map_page(request: Request, store: Store = Depends(get_store)) -> Any:
    p = page_principal(request, store)
    if isinstance(p, RedirectResponse):
        return p
    return render(request, "map.html", p, active="map")


@router.get("/api/map", response_class=JSONResponse)
def api_map(
    q: mapdata.MapQuery = Depends(map_query),
    principal: Principal = Depends(require("viewer")),
    store: Store = Depends(get_store),
) -> JSONResponse:
    """Events on the map: grid clusters below zoom 13 (or over 800 events in the box), else markers.

    Filters: type, evidence, verification (repeatable), since/until (days), bbox=south,west,north,east.
    """
    with read(store) as conn:
        view = mapdata.map_view(conn, q)
    red = Redactor(principal, store)
    if view["mode"] == "markers":
        view["markers"] = red.records("event", view["markers"])
    elif red.active:  # a lone event's cluster centre is its exact position: blur it, hide the extent
        for c in view["clusters"]:
            blurred = red.record("event", {"lat": c["lat"], "lon": c["lon"]})
            c.update(lat=blurred.get("lat"), lon=blurred.get("lon"))
            c["bounds"] = []
    return JSONResponse(view)  # plain dicts: skip FastAPI's slow generic encoder for 800 markers


@router.get("/api/map/facets")
def api_map_facets(
    _principal: Principal = Depends(require("viewer")), store: Store = Depends(get_store)
) -> dict[str, Any]:
    """The values the map and timeline filters offer (types, evidence levels, states, day range)."""
    with read(store) as conn:
        out: dict[str, Any] = mapdata.CACHE.get(("facets",), mapdata.data_version(conn),
                                                lambda: mapdata.facets(conn))
        return out


@router.get("/api/map/basemap")
def api_basemap(
    _principal: Principal = Depends(require("viewer")), store: Store = Depends(get_store)
) -> dict[str, Any]:
    """The tile URL when one is configured, else the bundled outlines; place labels either way."""
    return {"tile_url": tile_url(store), "layers": list(BASEMAP_LAYERS), "labels": place_labels(),
            "center": [43.25, 76.93], "zoom": 11}
