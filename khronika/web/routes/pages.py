"""HTML pages of the workbench (server-rendered, auto-escaped): home, documents, reader, review, incidents."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ...store import Store
from ...store import reviews as rv
from ..deps import get_store
from ..pagekit import Redactor, page_principal
from ..security import allowed
from ..templating import render
from .documents import document_view, list_documents
from .incidents import incident_view, incidents_data
from .review import queue_data

router = APIRouter()
PAGE_SIZE = 50  # documents per page of the list


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def home(request: Request, store: Store = Depends(get_store)) -> Any:
    p = page_principal(request, store)
    if isinstance(p, RedirectResponse):
        return p
    red = Redactor(p, store)
    docs = list_documents(store, red, limit=8)
    incs = incidents_data(store, red)
    by_state = {s: 0 for s in rv.STATES}
    for i in incs:
        by_state[i["verification"]] = by_state.get(i["verification"], 0) + 1
    return render(request, "index.html", p, active="", docs=docs, n_pending=rv.pending_count(store),
                  incidents=incs[:8], n_incidents=len(incs), by_state=by_state)


@router.get("/documents", response_class=HTMLResponse, include_in_schema=False)
def documents_page(request: Request, q: str = "", offset: int = 0, store: Store = Depends(get_store)) -> Any:
    p = page_principal(request, store)
    if isinstance(p, RedirectResponse):
        return p
    offset = max(0, offset)
    data = list_documents(store, Redactor(p, store), q, limit=PAGE_SIZE, offset=offset)
    return render(request, "documents.html", p, active="documents", can_write=allowed(p, "analyst"),
                  offset=offset, page_size=PAGE_SIZE, **data)


@router.get("/documents/{doc_id}", response_class=HTMLResponse, include_in_schema=False)
def reader_page(request: Request, doc_id: str, store: Store = Depends(get_store)) -> Any:
    p = page_principal(request, store)
    if isinstance(p, RedirectResponse):
        return p
    view = document_view(store, Redactor(p, store), doc_id)
    return render(request, "reader.html", p, active="documents", can_write=allowed(p, "analyst"),
                  editable=list(rv.EDITABLE), **view)


@router.get("/review", response_class=HTMLResponse, include_in_schema=False)
def review_page(
    request: Request, kind: str = "", pending: bool = False, store: Store = Depends(get_store)
) -> Any:
    p = page_principal(request, store)
    if isinstance(p, RedirectResponse):
        return p
    data = queue_data(store, Redactor(p, store), kind=kind, pending=pending, limit=200)
    return render(request, "review.html", p, active="review", can_write=allowed(p, "analyst"), kind=kind,
                  pending=pending, **data)


@router.get("/incidents", response_class=HTMLResponse, include_in_schema=False)
def incidents_page(request: Request, state: str = "", min_members: int = 1,
                   store: Store = Depends(get_store)) -> Any:
    p = page_principal(request, store)
    if isinstance(p, RedirectResponse):
        return p
    rows = incidents_data(store, Redactor(p, store), min_members=min_members, state=state)
    return render(request, "incidents.html", p, active="incidents", incidents=rows, state=state,
                  states=rv.STATES, min_members=min_members, selected=None, can_write=allowed(p, "analyst"))


@router.get("/incidents/{incident_id}", response_class=HTMLResponse, include_in_schema=False)
def incident_page(request: Request, incident_id: str, store: Store = Depends(get_store)) -> Any:
    p = page_principal(request, store)
    if isinstance(p, RedirectResponse):
        return p
    red = Redactor(p, store)
    inc = incident_view(store, red, incident_id)
    others = [i for i in incidents_data(store, red) if i["id"] != incident_id]
    return render(request, "incident.html", p, active="incidents", inc=inc, others=others, states=rv.STATES,
                  can_write=allowed(p, "analyst"))
