"""The situation board and the casualty register."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from ...errors import InputError
from ...store import Store
from .. import mapdata
from ..deps import get_store
from ..pagekit import Redactor, page_principal, read
from ..security import Principal, require
from ..templating import render

router = APIRouter()

TZ = "Asia/Almaty"
_AT = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?$")


def _at(value: str | None) -> str | None:
    if not value:
        return None
    if not _AT.match(value):
        raise InputError(f"at must be YYYY-MM-DD or YYYY-MM-DDTHH:MM, local time (got {value[:40]!r})")
    return value


def local_time(utc_iso: str | None) -> str | None:
    """'2022-01-05T11:00:00Z' -> '2022-01-05 17:00' (Almaty); None stays None."""
    if not utc_iso:
        return None
    try:
        dt = datetime.fromisoformat(utc_iso.replace("Z", "+00:00"))
    except ValueError:
        return utc_iso
    if dt.tzinfo is None:
        return utc_iso
    return dt.astimezone(ZoneInfo(TZ)).strftime("%Y-%m-%d %H:%M")


def _computed(store: Store, place: str | None, at: str | None) -> tuple[list[dict[str, Any]], list[Any]]:
    """Board entries and register as stored, computed once per data version (the board only changes
    when something is written, and recomputing it folds every observation)."""
    from ...register import register

    def compute() -> tuple[list[dict[str, Any]], list[Any]]:
        return store.board(place=place, at=at, tz=TZ), register(store.victim_rows())

    with read(store) as conn:
        version = mapdata.data_version(conn)
    result: tuple[list[dict[str, Any]], list[Any]] = mapdata.CACHE.get(("board", place, at), version, compute)
    return result


def board_data(store: Store, red: Redactor, place: str | None, at: str | None,
               history: bool = False) -> dict[str, Any]:
    """Board entries (with conflicts; with each entry's history when asked), the places × services
    matrix, and the casualty register."""
    board, victims_all = _computed(store, place, at)
    entries = []
    for e in board:
        if not history:
            e = {k: v for k, v in e.items() if k != "history"}
        row = dict(red.record("observation", e))  # a copy: `board` is shared through the cache
        row["conflicts"] = red.records("observation", e["conflicts"])
        row["since_local"] = local_time(e["since"])
        entries.append(row)
    services = sorted({e["service"] for e in entries})
    places = sorted({e["place"] or "" for e in entries}, key=lambda p: (p == "", p.lower()))
    cells = {f"{e['place'] or ''}\x1f{e['service']}": e for e in entries}
    matrix = [{"place": p, "cells": [cells.get(f"{p}\x1f{s}") for s in services]} for p in places]
    victims = red.records("victim", victims_all)
    return {"entries": entries, "services": services, "matrix": matrix, "register": victims}


@router.get("/api/board", response_class=JSONResponse)
def api_board(
    place: str | None = None,
    at: str | None = None,
    history: bool = False,
    principal: Principal = Depends(require("viewer")),
    store: Store = Depends(get_store),
) -> JSONResponse:
    """The situation board as of `at` (local time; default: everything), optionally for one `place`.

    Returns `entries` (one per service and place: state, since, n_sources, conflicts), `services`,
    `matrix` (places × services) and `register` (the casualty register). `history=true` adds every
    entry's reports, oldest first.
    """
    return JSONResponse(board_data(store, Redactor(principal, store), place or None, _at(at), history))


@router.get("/board", response_class=HTMLResponse, include_in_schema=False)
def board_page(request: Request, place: str | None = None, at: str | None = None,
               store: Store = Depends(get_store)) -> Any:
    p = page_principal(request, store)
    if isinstance(p, RedirectResponse):
        return p
    data = board_data(store, Redactor(p, store), place or None, _at(at))
    return render(request, "board.html", p, active="board", place=place or "", at=at or "", **data)
