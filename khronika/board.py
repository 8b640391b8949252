"""The situation board: service observations folded into the latest state per (service, place).

Pure functions over observation rows (dicts as the store's `observations` table holds them, plus the
document's provenance source as `doc_source`), so the rules are testable without a database:

- a *source* is an independent originating witness, counted as incidents count them
  (`link.records.source_of`): a named speaker, or the named relayer of a relayed statement, is one
  source across documents and scripts ("Yerlan Tulegenov" quoted by two outlets, "Ерлан Тулегенов" in
  a third, is one); anyone else is one speaker of one provenance source (a channel, a sender; a document
  without either is its own source): five eyewitnesses quoted in one article are five sources, the same
  channel posting twice is one, and "my neighbour" relayed by Dinara is not Dinara. The same text
  arriving through two channels (a forwarded message: the same bytes, `doc_sha256`) is one source too.
  Linking does not make reports of one source out of two (two outlets' own media reports stay two, as
  in incidents): it is the originating witness that makes two observations one;
- the *latest period* is the period of the latest observation; every source speaking about that period
  (its period overlaps) counts with its own last word, and the state most sources give wins (then the
  better evidence, then the higher confidence, then the later report). The other states are kept as
  conflicts, side by side, never averaged away;
- "restored" and "working" agree (both say the service is up);
- a place board (`scope`) takes the place itself and the places inside it (a point or district within
  the city's radius) and lists every service of the vocabulary, "unknown" where nobody reported.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from . import vocab

__all__ = [
    "PlaceInfo",
    "Scope",
    "board_entries",
    "in_scope",
    "overlaps",
    "resolve_scope",
    "source_groups",
    "source_key",
]

UNKNOWN = "unknown"
_FAMILY = {"restored": "working"}  # states that say the same thing about the service now
_PRECISION_RANK = {"point": 0, "street": 1, "district": 2, "city": 3, "region": 4, "country": 5}
# Keys of `qualifiers` that describe the extraction, not the service: not merged into the board state.
_META_QUALIFIERS = frozenset({"generic_mention", "place_inferred"})


@dataclass(frozen=True)
class PlaceInfo:
    """What the board needs to know about a gazetteer place."""

    id: str
    name: str
    lat: float
    lon: float
    precision: str
    country: str | None = None
    admin1: str | None = None
    population: int = 0


@dataclass(frozen=True)
class Scope:
    """The place a board is asked for: a name as typed, and the gazetteer place when one matched."""

    query: str
    place: PlaceInfo | None = None

    @property
    def name(self) -> str:
        return self.place.name if self.place else self.query

    @property
    def radius_km(self) -> float:
        """How far from a city's centre its points and districts lie (a rough size by population)."""
        pop = self.place.population if self.place else 0
        return 20.0 if pop >= 1_000_000 else 12.0 if pop >= 200_000 else 6.0


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


# -- periods and sources -------------------------------------------------------------------------------


def overlaps(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Do two observations speak about the same period? [begin, end), or an instant when begin == end."""
    a0, a1, b0, b1 = a["period_begin"], a["period_end"], b["period_begin"], b["period_end"]
    if a0 is None or b0 is None:
        return a0 is None and b0 is None
    a1, b1 = a1 or a0, b1 or b0
    if a0 == a1 and b0 == b1:
        return bool(a0 == b0)
    if a0 == a1:
        return bool(b0 <= a0 < b1)
    if b0 == b1:
        return bool(a0 <= b0 < a1)
    return bool(a0 < b1 and b0 < a1)


def source_key(row: dict[str, Any]) -> str:
    """The independent source of an observation (see the module docs): "p:<name key>" for a named person,
    else "<provenance source or document>|<speaker>[|via <relayer>]"."""
    from .link.names import fold, person_key
    from .link.records import is_person_name

    speaker, relayer = row.get("speaker"), row.get("relayer")
    if row.get("evidence") != "relayed":
        relayer = None
    named = relayer if relayer else speaker
    if named and is_person_name(named) and (key := person_key(named)):
        return "p:" + key
    origin = row.get("doc_source") or row["doc_id"]
    via = f"|via {fold(relayer)}" if relayer else ""
    return f"{origin}|{speaker or ''}{via}"


def _aliases(row: dict[str, Any]) -> list[str]:
    """Every key that identifies the row's source: its `source_key`, and for an unnamed source the
    document's text (a forwarded copy of a message is its author again, whatever channel carried it)."""
    key = source_key(row)
    if key.startswith("p:") or not row.get("doc_sha256"):
        return [key]
    return [key, f"sha:{row['doc_sha256']}" + key[key.index("|"):]]


def source_groups(rows: Sequence[dict[str, Any]]) -> dict[str, str]:
    """Observation id -> its source, with rows that share any alias merged (the smallest key names it)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for r in rows:
        first, *rest = _aliases(r)
        for k in rest:
            a, b = find(first), find(k)
            if a != b:
                parent[max(a, b)] = min(a, b)
    names: dict[str, str] = {}
    for k in parent:  # name each group by its smallest source key (never by a bare text hash)
        root = find(k)
        if not k.startswith("sha:") and (root not in names or k < names[root]):
            names[root] = k
    return {r["id"]: names.get(find(_aliases(r)[0]), source_key(r)) for r in rows}


def _told_order(group: Sequence[dict[str, Any]]) -> dict[str, tuple[str, str, int]]:
    """A sort key per observation: when it happened, then the order of the telling.

    An observation the text gives no time of has only a default period (the day the document was
    published), which says nothing about its place in the story. It takes the time of the narrative at
    that point: the last timed observation before it in the same document, or, before any, the
    document's earliest timed one. So "wi-fi only through a VPN ... cut at about 17.00 ... back at
    midnight" stays in that order even when the clock times are day-less ranges.
    """
    keys: dict[str, tuple[str, str, int]] = {}
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for row in group:
        by_doc.setdefault(row["doc_id"], []).append(row)
    for doc_id, rows in by_doc.items():
        rows.sort(key=lambda r: int(r["start"]))
        timed = [r["period_begin"] for r in rows if r.get("time_text") and r["period_begin"]]
        now = min(timed) if timed else None
        for r in rows:
            if r.get("time_text") and r["period_begin"]:
                now = r["period_begin"]
            begin = r["period_begin"] if r.get("time_text") or now is None else now
            keys[r["id"]] = (begin or "", doc_id, int(r["start"]))
    return keys


def _family(state: str) -> str:
    return _FAMILY.get(state, state)


@cache
def _evidence_rank() -> dict[str, int]:
    return {e: i for i, e in enumerate(vocab.ids("evidence"))}


# -- one (service, place) ------------------------------------------------------------------------------


def _choose(current: dict[str, dict[str, Any]], order: dict[str, int]) -> str:
    """The state family most sources give now; ties go to better evidence, confidence, then recency."""
    rank = _evidence_rank()
    by_family: dict[str, list[dict[str, Any]]] = {}
    for row in current.values():
        by_family.setdefault(_family(row["state"]), []).append(row)

    def key(fam: str) -> tuple[int, int, float, int]:
        rows = by_family[fam]
        best_ev = min(rank.get(r["evidence"] or "", len(rank)) for r in rows)
        conf = max(float(r["confidence"]) for r in rows)
        return (len(rows), -best_ev, conf, max(order[r["id"]] for r in rows))

    return max(by_family, key=key)


def _merged_qualifiers(main: dict[str, Any], agreeing: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The main report's qualifiers, completed by what other agreeing reports of the period add."""
    out = {k: v for k, v in (main["qualifiers"] or {}).items() if k not in _META_QUALIFIERS}
    for row in agreeing:
        for k, v in (row["qualifiers"] or {}).items():
            if k not in _META_QUALIFIERS:
                out.setdefault(k, v)
    return out


def _history_item(o: dict[str, Any], src: str) -> dict[str, Any]:
    return {"state": o["state"], "period_begin": o["period_begin"], "period_end": o["period_end"],
            "time": o["time_text"], "doc_id": o["doc_id"], "item_id": o["id"], "evidence": o["evidence"],
            "speaker": o.get("speaker"), "source": src,
            "qualifiers": {k: v for k, v in (o["qualifiers"] or {}).items() if k not in _META_QUALIFIERS}}


def board_entry(group: list[dict[str, Any]]) -> dict[str, Any]:
    """The state of one (service, place) from all its observations (any order)."""
    told = _told_order(group)
    hist = sorted(group, key=lambda o: told[o["id"]])
    src = source_groups(hist)
    order = {o["id"]: i for i, o in enumerate(hist)}
    latest = hist[-1]
    window = [o for o in hist if overlaps(o, latest)]
    current: dict[str, dict[str, Any]] = {}
    for o in window:  # in order: a source's last word about the period wins
        current[src[o["id"]]] = o
    fam = _choose(current, order)
    agreeing = [o for o in window if _family(o["state"]) == fam]
    # The report shown: the best evidence for the state, the latest of those.
    rank = _evidence_rank()
    main = min(reversed(agreeing), key=lambda o: rank.get(o["evidence"] or "", len(rank)))
    since = main["period_begin"]
    for o in reversed(hist):
        if _family(o["state"]) != fam:
            break
        since = o["period_begin"]
    tally: dict[str, int] = {}
    for o in current.values():
        tally[o["state"]] = tally.get(o["state"], 0) + 1
    sources = sorted({src[o["id"]] for o in current.values() if _family(o["state"]) == fam})
    return {
        "service": main["service"], "place": main["place"], "place_id": main["place_id"],
        "lat": main["lat"], "lon": main["lon"], "state": main["state"], "since": since,
        "period_begin": main["period_begin"], "period_end": main["period_end"],
        "n_sources": len(sources), "sources": sources, "tally": tally,
        "evidence": main["evidence"], "speaker": main.get("speaker"), "doc_id": main["doc_id"],
        "item_id": main["id"], "time": main["time_text"], "text": main["snippet"],
        "qualifiers": _merged_qualifiers(main, agreeing),
        "history": [_history_item(o, src[o["id"]]) for o in hist],
        "conflicts": [
            {"state": o["state"], "doc_id": o["doc_id"], "item_id": o["id"], "evidence": o["evidence"],
             "speaker": o.get("speaker"), "source": src[o["id"]], "time": o["time_text"],
             "text": o["snippet"]}
            for o in current.values() if _family(o["state"]) != fam
        ],
    }


def unknown_entry(service: str, scope: Scope) -> dict[str, Any]:
    p = scope.place
    return {
        "service": service, "place": scope.name, "place_id": p.id if p else None,
        "lat": p.lat if p else None, "lon": p.lon if p else None, "state": UNKNOWN, "since": None,
        "period_begin": None, "period_end": None, "n_sources": 0, "sources": [], "tally": {},
        "evidence": None, "speaker": None, "doc_id": None, "item_id": None, "time": None, "text": None,
        "qualifiers": {}, "history": [], "conflicts": [],
    }


# -- places --------------------------------------------------------------------------------------------


def in_scope(row: dict[str, Any], scope: Scope, info: Callable[[str | None, str | None], PlaceInfo | None]
             ) -> bool:
    """Is the observation's place the scope's place, or a finer place inside it?"""
    name, pid = row.get("place"), row.get("place_id")
    if name is None and pid is None:
        return False
    p = scope.place
    if (name or "").lower() in (scope.query.lower(), scope.name.lower()) or (pid and pid in (scope.query,
                                                                                         p and p.id)):
        return True
    if p is None:
        return False
    q = info(pid, name)
    if q is None or _PRECISION_RANK.get(q.precision, 9) >= _PRECISION_RANK.get(p.precision, 9):
        return False
    if p.country and q.country and p.country != q.country:
        return False
    if p.precision == "country":
        return True
    if p.precision == "region":
        return bool(p.admin1) and q.admin1 == p.admin1
    lat, lon = row.get("lat"), row.get("lon")
    lat, lon = (q.lat, q.lon) if lat is None or lon is None else (lat, lon)
    return km(p.lat, p.lon, float(lat), float(lon)) <= scope.radius_km


def board_entries(rows: Sequence[dict[str, Any]], *, scope: Scope | None = None,
                  info: Callable[[str | None, str | None], PlaceInfo | None] | None = None,
                  services: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Entries sorted by service, then place (the scope's own place first).

    With a scope, only its place and the places inside it count, and every service of `services`
    (default: the vocabulary) without an observation there gets an "unknown" entry for the scope.
    """
    look = info or (lambda _pid, _name: None)
    if scope is not None:
        rows = [r for r in rows if in_scope(r, scope, look)]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["service"], r["place"] or ""), []).append(r)
    out = [board_entry(g) for g in groups.values()]
    if scope is not None:
        seen = {e["service"] for e in out}
        wanted = services if services is not None else vocab.ids("services")
        out.extend(unknown_entry(s, scope) for s in wanted if s not in seen)
    own = scope.name.lower() if scope else ""
    out.sort(key=lambda e: (e["service"], (e["place"] or "").lower() != own, (e["place"] or "").lower()))
    return out


# -- the gazetteer ------------------------------------------------------------------------------------


def _info_of(p: Any) -> PlaceInfo:
    return PlaceInfo(id=p.id, name=p.name, lat=p.lat, lon=p.lon, precision=p.precision, country=p.country,
                     admin1=p.admin1, population=p.population)


def resolve_scope(query: str) -> Scope:
    """The gazetteer place a board is asked for (by id or name); unmatched names still filter by name."""
    from .geo.gazetteer import Gazetteer  # lazy: the gazetteer loads only for a place board

    gaz = Gazetteer.load()
    hit = _local_by_id().get(query)
    if hit is None:
        cyrillic = any("\u0400" <= c <= "\u04ff" for c in query)
        places = gaz.lookup(query, "ru" if cyrillic else None)
        hit = _info_of(places[0]) if places else None
    return Scope(query, hit)


@cache
def _local_by_id() -> dict[str, PlaceInfo]:
    from .geo.gazetteer import Gazetteer

    return {p.id: _info_of(p) for p in Gazetteer.load().local_places()}


def gazetteer_info(place_id: str | None, name: str | None) -> PlaceInfo | None:
    """A stored observation's place in the gazetteer, by its id (local rows) or its name."""
    if not place_id:
        return None
    local = _local_by_id().get(place_id)
    if local is not None or not name:
        return local
    return _world_info(place_id, name)


@cache
def _world_info(place_id: str, name: str) -> PlaceInfo | None:
    from .geo.gazetteer import Gazetteer

    for p in Gazetteer.load().lookup(name):
        if p.id == place_id:
            return _info_of(p)
    return None
