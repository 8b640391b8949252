"""What linking needs to know about one event, taken from its document once: a flat, JSON-able record.

Records are what the store keeps for linking, so a new document is compared with stored events without
loading their documents again.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..model import Claim, Document, Entity, Event, Item, Statement, Testimony, TimeRef, Victim
from . import names as nm

FINE_PRECISIONS = ("point", "street", "district", "city")
SNIPPET_MAX = 300
# A relayer or speaker phrase that starts with one of these names nobody in particular.
_GENERIC = frozenset(
    [
        "my",
        "our",
        "his",
        "her",
        "their",
        "a",
        "an",
        "the",
        "one",
        "some",
        "someone",
        "people",
        "neighbour",
        "neighbor",
        "friend",
        "мой",
        "моя",
        "мои",
        "наш",
        "наша",
        "наши",
        "его",
        "её",
        "ее",
        "их",
        "один",
        "одна",
        "кто-то",
        "люди",
        "сосед",
        "соседка",
        "друг",
        "подруга",
        "знакомый",
        "знакомая",
    ]
)


@dataclass(slots=True)
class EventRecord:
    event_id: str
    doc_id: str
    start: int
    end: int
    type: str
    subtype: str
    family: str
    day: str | None = None  # the event's own local day, when dated
    day_lo: int | None = None  # proleptic ordinal of the first local day it may be on
    day_hi: int | None = None
    dated: bool = False  # False: the interval stands for the days before publication
    lat: float | None = None
    lon: float | None = None
    place_precision: str | None = None
    place: str | None = None
    names: list[list[str]] = field(default_factory=list)  # folded tokens of named people
    victim_names: list[list[str]] = field(default_factory=list)  # the subset named as victims
    source: str = ""  # the originating witness, merged across documents
    source_label: str = ""
    evidence: str | None = None
    fatalities: int | None = None
    fatalities_high: int | None = None
    text: str = ""
    confidence: float = 1.0
    lang: str = "und"

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.doc_id, self.start, self.end)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> EventRecord:
        return cls(**d)


@dataclass(slots=True)
class ClaimRecord:
    claim_id: str
    doc_id: str
    start: int
    end: int
    topic: str | None
    proposition: str
    holder: str | None
    hedge: str | None
    source: str
    evidence: str | None
    lang: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> ClaimRecord:
        return cls(**d)


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local_day(value: str | None, tz: str, *, exclusive: bool = False) -> date | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_zone(tz))
    if exclusive:
        dt -= timedelta(seconds=1)
    return dt.astimezone(_zone(tz)).date()


def is_person_name(phrase: str | None) -> bool:
    """A proper name ("Saule", "Ерлан Тулегенов"), not a description ("my neighbour", "Соседка")."""
    if not phrase:
        return False
    words = [w for w in re.split(r"[\s,]+", phrase.strip()) if w]
    if not words or words[0].lower() in _GENERIC or len(words) > 4:
        return False
    return all(w[0].isupper() for w in words if w[0].isalpha())


class _DocView:
    """Lookups over one document shared by all its records."""

    def __init__(self, doc: Document, cfg: dict[str, Any]) -> None:
        self.doc = doc
        self.cfg = cfg
        self.by_id: dict[str, Item] = {it.id: it for it in doc.items() if it.id}
        # A "person" the gazetteer placed (a hill, a square named after someone) is a place: as a name
        # it would join every report that mentions the landmark, on any day.
        placed = [(p.start, p.end) for p in doc.places if p.lat is not None]
        persons = [
            e
            for e in doc.entities
            if isinstance(e, Entity)
            and e.label == "PER"
            and not any(a < e.end and e.start < b for a, b in placed)
        ]
        self.persons = [(e.start, e.end, nm.tokens(e.text)) for e in persons]
        all_names = [t for _, _, t in self.persons if t] + [nm.tokens(v.name) for v in doc.victims if v.name]
        self.all_names = [t for t in all_names if t]
        try:
            self.published = doc.published_date()
        except ValueError:
            self.published = None

    def statement(self, item_statement_id: str | None) -> Statement | None:
        st = self.by_id.get(item_statement_id or "")
        return st if isinstance(st, Statement) else None

    def speaker(self, st: Statement | None) -> str | None:
        t = self.by_id.get(st.testimony_id) if st else None
        return t.speaker if isinstance(t, Testimony) else None

    def paragraph(self, start: int, end: int) -> tuple[int, int]:
        text = self.doc.text
        a = text.rfind("\n", 0, start) + 1
        b = text.find("\n", end)
        return a, len(text) if b < 0 else b

    def expand(self, toks: tuple[str, ...]) -> tuple[str, ...]:
        # Within one document a lone given name or surname stands for the one full name containing it.
        if len(toks) != 1:
            return toks
        hits = {f for f in self.all_names if len(f) >= 2 and toks[0] in f}
        return next(iter(hits)) if len(hits) == 1 else toks


def source_of(view: _DocView, st: Statement | None, evidence: str | None) -> tuple[str, str]:
    """(key, label) of the originating witness of a statement (see the module docs of `incidents`)."""
    doc = view.doc
    speaker = view.speaker(st)
    if evidence == "relayed" and st is not None and st.relayer:
        if is_person_name(st.relayer):
            return "p:" + (nm.person_key(st.relayer) or st.relayer.lower()), st.relayer
        return (
            f"d:{doc.id}:relayer:{nm.fold(st.relayer)}",
            f"{st.relayer} (via {speaker or doc.title or doc.id[:8]})",
        )
    if evidence in ("media", "hearsay") or evidence is None:
        return f"d:{doc.id}", f"{evidence or 'unattributed'} in {doc.title or doc.id[:8]}"
    if speaker and is_person_name(speaker):
        return "p:" + (nm.person_key(speaker) or speaker.lower()), speaker
    if evidence == "official" and doc.provenance.source:
        # One authority issuing the same alert in two languages is one source.
        return "o:" + nm.fold(doc.provenance.source), doc.provenance.source
    if doc.provenance.source:  # the author narrates: documents from one sender or outlet are one witness
        return "s:" + nm.fold(doc.provenance.source), doc.provenance.source
    return f"d:{doc.id}", doc.title or doc.id[:8]


def _days(view: _DocView, ev: Event, tr: TimeRef | None) -> tuple[str | None, int | None, int | None, bool]:
    cfg = view.cfg["date"]
    half = cfg["precision_days"]
    prec = tr.precision if tr else None
    coarse = prec in ("week", "month", "year", "range")
    if tr is not None and coarse and tr.begin:
        lo = _local_day(tr.begin, view.doc.tz)
        hi = _local_day(tr.until, view.doc.tz, exclusive=True) if tr.until else lo
        if lo and hi and hi >= lo:
            return ev.date, lo.toordinal(), hi.toordinal(), True
    if ev.date:
        try:
            d = date.fromisoformat(ev.date[:10]).toordinal()
        except ValueError:
            d = None
        if d is not None:
            w = int(half.get(prec or "day", 0))
            return ev.date[:10], d - w, d + w, True
    if view.published is not None:
        p = view.published.toordinal()
        return None, p - int(cfg["undated_lookback_days"]), p, False
    return None, None, None, False


def _names(view: _DocView, ev: Event, st: Statement | None) -> tuple[list[list[str]], list[list[str]]]:
    a, b = (st.start, st.end) if st else (ev.start, ev.end)
    pa, pb = view.paragraph(a, b)
    exclude = {nm.person_key(view.speaker(st))} | {nm.person_key(st.relayer) if st else None}
    found: set[tuple[str, ...]] = set()
    for s, e, toks in view.persons:
        if pa <= s and e <= pb and toks and " ".join(sorted(toks)) not in exclude:
            found.add(view.expand(toks))
    victims: set[tuple[str, ...]] = set()
    for v in view.doc.victims:
        if not isinstance(v, Victim) or not v.name:
            continue
        if (st and v.statement_id == st.id) or (pa <= v.start and v.end <= pb):
            toks = view.expand(nm.tokens(v.name))
            if toks:
                victims.add(toks)
    found |= victims
    return sorted(list(t) for t in found), sorted(list(t) for t in victims)


def event_records(doc: Document, cfg: dict[str, Any]) -> list[EventRecord]:
    """One record per event of a document whose ids are assigned."""
    view = _DocView(doc, cfg)
    out = []
    for ev in doc.events:
        if not ev.id:
            ev.assign_id(doc.id)
        st = view.statement(ev.statement_id)
        tr = view.by_id.get(ev.time_id or "")
        tr = tr if isinstance(tr, TimeRef) else None
        day, lo, hi, dated = _days(view, ev, tr)
        loc = ev.location or {}
        lat, lon = loc.get("lat"), loc.get("lon")
        prec = loc.get("precision")
        if lat is None or lon is None or prec not in (*FINE_PRECISIONS, "region"):
            lat = lon = None
            prec = None
        evidence = ev.evidence or (st.evidence if st else None)
        source, label = source_of(view, st, evidence)
        names, victims = _names(view, ev, st)
        text = doc.text[st.start : st.end] if st else doc.text[ev.start : ev.end]
        out.append(
            EventRecord(
                event_id=ev.id,
                doc_id=doc.id,
                start=ev.start,
                end=ev.end,
                type=ev.type,
                subtype=ev.subtype,
                family=ev.family,
                day=day,
                day_lo=lo,
                day_hi=hi,
                dated=dated,
                lat=float(lat) if lat is not None else None,
                lon=float(lon) if lon is not None else None,
                place_precision=prec,
                place=loc.get("name"),
                names=names,
                victim_names=victims,
                source=source,
                source_label=label,
                evidence=evidence,
                fatalities=ev.fatalities,
                fatalities_high=ev.fatalities_high,
                text=" ".join(text.split())[:SNIPPET_MAX],
                confidence=float(ev.confidence),
                lang=doc.lang,
            )
        )
    return out


def claim_records(doc: Document, cfg: dict[str, Any]) -> list[ClaimRecord]:
    view = _DocView(doc, cfg)
    out = []
    for c in doc.claims:
        if not isinstance(c, Claim):
            continue
        if not c.id:
            c.assign_id(doc.id)
        st = view.statement(c.statement_id)
        evidence = st.evidence if st else None
        if c.holder and is_person_name(c.holder):
            source = "p:" + (nm.person_key(c.holder) or c.holder.lower())
        else:
            source, _ = source_of(view, st, evidence if evidence != "belief" else None)
        out.append(
            ClaimRecord(
                claim_id=c.id,
                doc_id=doc.id,
                start=c.start,
                end=c.end,
                topic=c.topic,
                proposition=c.proposition or doc.text[c.start : c.end],
                holder=c.holder,
                hedge=c.hedge,
                source=source,
                evidence=evidence,
                lang=doc.lang,
            )
        )
    return out
