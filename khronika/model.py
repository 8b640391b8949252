"""The document model: one `Document` owns the text; every finding is an offset view into it.

Every item carries its span (Python string offsets, end exclusive), the extractor that made it
(`name@version`) and a confidence. Item ids derive from the document id, the item kind and the
span, so re-running the same pipeline on the same bytes yields the same ids.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from datetime import date, datetime
from typing import Any, ClassVar

SCHEMA_VERSION = "1.0"


def stable_id(*parts: object, length: int = 16) -> str:
    """A short, deterministic hex id over the given parts."""
    h = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8"))
    return h.hexdigest()[:length]


@dataclass(kw_only=True)
class Provenance:
    """Where a document came from. Part of its identity: same bytes from two senders = two documents."""

    channel: str = "file"
    source: str | None = None
    sender: str | None = None
    message_id: str | None = None
    filename: str | None = None
    received_at: str | None = None  # ISO datetime, UTC

    def identity(self) -> tuple[str, str, str, str]:
        return (self.channel, self.source or "", self.sender or "", self.message_id or "")


@dataclass(kw_only=True)
class Item:
    """Base of every extracted item: a span of the document plus provenance of the extraction."""

    kind: ClassVar[str] = "item"
    start: int
    end: int
    extractor: str = "unknown@0"
    confidence: float = 1.0
    id: str = ""

    def assign_id(self, doc_id: str) -> None:
        self.id = stable_id(doc_id, self.kind, self.start, self.end, *self.id_extra())

    def id_extra(self) -> tuple[object, ...]:
        """Extra parts that tell apart two items of one kind on the same span."""
        return ()

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["kind"] = self.kind
        return d


@dataclass(kw_only=True)
class Testimony(Item):
    """A block of text attributed to one speaker; the author's framing is a testimony with is_author."""

    kind: ClassVar[str] = "testimony"
    speaker: str | None = None
    role: str | None = None
    is_author: bool = False
    header_start: int | None = None  # span of the attribution line or phrase, if any
    header_end: int | None = None


@dataclass(kw_only=True)
class Statement(Item):
    """A unit of testimony with one evidence level (a vocabulary id from vocab/evidence.yaml)."""

    kind: ClassVar[str] = "statement"
    testimony_id: str = ""
    evidence: str = "witnessed"
    relayer: str | None = None  # who told the speaker, for evidence == "relayed"
    cue: str | None = None  # the phrase that decided the level, if any
    negated: bool = False


@dataclass(kw_only=True)
class TimeRef(Item):
    """A time expression resolved to an interval [start_utc, end_utc) with a precision."""

    kind: ClassVar[str] = "time"
    text: str = ""
    timex_type: str = "DATE"  # DATE, TIME, DURATION, SET
    value: str | None = None  # TIMEX3 value
    begin: str | None = None  # ISO datetime UTC, inclusive
    until: str | None = None  # ISO datetime UTC, exclusive
    tz: str | None = None
    precision: str | None = None  # minute, hour, part_of_day, day, week, month, year, range
    resolved: bool = False
    note: str | None = None  # why unresolved, or how resolved


@dataclass(kw_only=True)
class PlaceRef(Item):
    """A toponym resolved against the gazetteer."""

    kind: ClassVar[str] = "place"
    text: str = ""
    name: str | None = None
    place_id: str | None = None
    lat: float | None = None
    lon: float | None = None
    precision: str | None = None  # point, street, district, city, region, country
    country: str | None = None
    admin1: str | None = None


@dataclass(kw_only=True)
class Actor:
    name: str
    inter: int | None = None  # ACLED inter code


@dataclass(kw_only=True)
class Event(Item):
    """An event mention: the span is the trigger; time and place point at TimeRef / PlaceRef ids."""

    kind: ClassVar[str] = "event"
    statement_id: str | None = None
    evidence: str | None = None
    type: str = ""
    subtype: str = ""
    family: str = "acled"  # acled | disruption | other
    date: str | None = None  # local day YYYY-MM-DD, when known
    time_id: str | None = None
    place_id: str | None = None
    location: dict[str, Any] | None = None  # name, lat, lon, country, admin1, precision
    actors: list[Actor] = field(default_factory=list)
    fatalities: int | None = None
    fatalities_high: int | None = None
    injuries: int | None = None
    salience: float = 0.0

    def id_extra(self) -> tuple[object, ...]:
        return (self.subtype,)


@dataclass(kw_only=True)
class ServiceObservation(Item):
    kind: ClassVar[str] = "service"
    statement_id: str | None = None
    evidence: str | None = None
    service: str = ""
    state: str = ""  # working, degraded, down, restored, closed_preemptively
    qualifiers: dict[str, Any] = field(default_factory=dict)
    time_id: str | None = None
    place_id: str | None = None

    def id_extra(self) -> tuple[object, ...]:
        return (self.service,)


@dataclass(kw_only=True)
class Claim(Item):
    kind: ClassVar[str] = "claim"
    statement_id: str | None = None
    holder: str | None = None
    hedge: str | None = None
    proposition: str = ""
    topic: str | None = None


@dataclass(kw_only=True)
class Victim(Item):
    kind: ClassVar[str] = "victim"
    statement_id: str | None = None
    evidence: str | None = None
    name: str | None = None
    count: int | None = None
    fate: str = "killed"  # killed, injured, detained, missing
    time_id: str | None = None
    place_id: str | None = None
    perpetrator: str | None = None
    circumstances: str | None = None
    needs: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class Need(Item):
    kind: ClassVar[str] = "need"
    statement_id: str | None = None
    evidence: str | None = None
    need: str = ""
    time_id: str | None = None
    place_id: str | None = None


@dataclass(kw_only=True)
class Entity(Item):
    """A named entity (PER, ORG, LOC), as scored against factRuEval."""

    kind: ClassVar[str] = "entity"
    label: str = ""
    text: str = ""

    def id_extra(self) -> tuple[object, ...]:
        return (self.label,)


LAYERS: dict[str, type[Item]] = {
    "testimonies": Testimony,
    "statements": Statement,
    "times": TimeRef,
    "places": PlaceRef,
    "events": Event,
    "services": ServiceObservation,
    "claims": Claim,
    "victims": Victim,
    "needs": Need,
    "entities": Entity,
}


@dataclass(kw_only=True)
class Document:
    """One text and everything the pipeline found in it."""

    text: str
    raw: bytes = b""
    sha256: str = ""
    id: str = ""
    lang: str = "und"
    lang_confidence: float = 0.0
    published: str | None = None  # ISO date or datetime, local to tz
    tz: str = "Asia/Almaty"
    title: str | None = None
    provenance: Provenance = field(default_factory=Provenance)
    testimonies: list[Testimony] = field(default_factory=list)
    statements: list[Statement] = field(default_factory=list)
    times: list[TimeRef] = field(default_factory=list)
    places: list[PlaceRef] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    services: list[ServiceObservation] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    victims: list[Victim] = field(default_factory=list)
    needs: list[Need] = field(default_factory=list)
    entities: list[Entity] = field(default_factory=list)
    pipeline: list[str] = field(default_factory=list)  # component name@version, in order

    @staticmethod
    def make_id(sha256: str, provenance: Provenance) -> str:
        return stable_id(sha256, *provenance.identity(), length=24)

    def published_date(self) -> date | None:
        if not self.published:
            return None
        return (
            datetime.fromisoformat(self.published).date()
            if "T" in self.published or " " in self.published
            else date.fromisoformat(self.published[:10])
        )

    def items(self) -> list[Item]:
        out: list[Item] = []
        for layer in LAYERS:
            out.extend(getattr(self, layer))
        return out

    def statement_at(self, pos: int) -> Statement | None:
        """The statement covering a character offset, if any."""
        for st in self.statements:
            if st.start <= pos < st.end:
                return st
        return None

    def span_text(self, item: Item) -> str:
        return self.text[item.start : item.end]

    def assign_ids(self) -> None:
        for it in self.items():
            if not it.id:
                it.assign_id(self.id)

    def to_json(self, *, include_text: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
        for f in fields(self):
            if f.name == "raw":
                continue
            if f.name == "text" and not include_text:
                continue
            v = getattr(self, f.name)
            if f.name in LAYERS:
                out[f.name] = [it.to_json() for it in v]
            elif isinstance(v, Provenance):
                out[f.name] = asdict(v)
            else:
                out[f.name] = v
        return out
