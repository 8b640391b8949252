"""The timeline: incidents by day and hour, filterable, with evidence and verification badges."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ...store import Store
from .. import mapdata
from ..deps import get_store
from ..pagekit import Redactor, page_principal, read
from ..security import Principal, require
from ..templating import render
from .mapview import map_query

router = APIRouter()


def timeline_days(store: Store, q: mapdata.MapQuery, red: Redactor) -> list[dict[str, Any]]:
    """The filtered timeline, each incident redacted for the principal (hours come from the raw rows)."""
    incidents = store.incidents(since=q.since, until=q.until)
    with read(store) as conn:
        times = mapdata.event_times(conn, [m["event_id"] for i in incidents for m in i.get("members", [])])
        states = mapdata.incident_states(conn, [i["id"] for i in incidents])
    days = mapdata.timeline(incidents, times, states, q)
    if red.active:
        for day in days:
            for hour in day["hours"]:
                hour["incidents"] = red.records("incident", hour["incidents"])
    return days


@router.get("/api/timeline")
def api_timeline(
    q: mapdata.MapQuery = Depends(map_query),
    principal: Principal = Depends(require("viewer")),
    store: Store = Depends(get_store),
) -> list[dict[str, Any]]:
    """Incidents grouped by local day, then hour (null: no clock time). Same filters as /api/map."""
    return timeline_days(store, q, Redactor(principal, store))


@router.get("/timeline", response_class=HTMLResponse, include_in_schema=False)
def timeline_page(request: Request, q: mapdata.MapQuery = Depends(map_query),
                  store: Store = Depends(get_store)) -> Any:
    p = page_principal(request, store)
    if isinstance(p, RedirectResponse):
        return p
    days = timeline_days(store, q, Redactor(p, store))
    with read(store) as conn:
        facets = mapdata.facets(conn)
    return render(request, "timeline.html", p, active="timeline", days=days, q=q, facets=facets,
                  n=sum(d["n"] for d in days))
