"""Event mentions typed by the ACLED taxonomy, plus disruptions and a few non-ACLED labels.

Method: weighted cue patterns per sub-type (lang/<code>/events.yaml) find candidate triggers in each
sentence; ACLED's coding rules (below, in `_refine`) then settle the sub-type from the context (a
protest met with live fire is "Excessive force against protesters", a protest whose crowd throws
stones is a "Violent demonstration"). A document's events get a salience; its lead event is the
one the text is about (for an ACLED note, the event it codes). A user-trained classifier, when
present in the user's data folder, may re-type the lead event (khronika.extract.classifier).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from khronika import lang as langpacks
from khronika import vocab
from khronika.extract import actors as actor_mod
from khronika.extract import fatalities as fat_mod
from khronika.extract.prefilter import CueIndex, may_match, required
from khronika.geo import primary_place
from khronika.geo.resolve import km
from khronika.model import Actor, Document, Event, PlaceRef, Statement, TimeRef, Victim
from khronika.registry import component

NAME = "khronika.events"
VERSION = "1"
TAG = f"{NAME}@{VERSION}"

_SENT = re.compile(r"(?<=[.!?])[\"'”»)]?\s+(?=[\"“«(]?[A-ZА-ЯЁ0-9])|\n\s*\n|\n(?=\s*[-•*])")
# How strongly the lead sentence outweighs later ones: news and ACLED notes state the event first.
_POS_DECAY = 0.5
_SHORT_UNIT = 900  # characters; a unit this short is read as one episode for counting casualties
# Sub-types that by definition have no deaths: a protest with deaths is coded otherwise (ACLED).
_NO_DEATHS = ("Peaceful protest", "Protest with intervention")
_VIOLENT_TYPES = ("Violence against civilians", "Battles", "Riots", "Explosions/Remote violence")
_KILLING = "attack"  # vocab id of the event a named victim's killing makes
_VICTIM_SALIENCE = 1.0
_BELIEF = "belief"  # vocab/evidence.yaml: an opinion or guess, not an observation
_BELIEF_CONFIDENCE = 0.3  # an event read from an opinion is a lead to check, not a finding
_FAMILY_FACTOR = {"acled": 1.0, "other": 0.95, "disruption": 0.35}


@dataclass(frozen=True)
class SubType:
    id: str
    name: str
    type: str
    family: str
    rank: int


@dataclass
class Hit:
    sid: str
    weight: float
    start: int
    end: int


@dataclass
class Candidate:
    sid: str
    score: float
    start: int
    end: int
    sent: int
    hits: list[Hit] = field(default_factory=list)


@lru_cache(maxsize=1)
def taxonomy() -> dict[str, SubType]:
    out = {
        e["id"]: SubType(e["id"], e["name"], e["type"], e["family"], int(e["rank"]))
        for e in vocab.load("acled")
    }
    for e in vocab.load("disruptions"):
        out[e["id"]] = SubType(e["id"], e["name"], "Disruption", "disruption", 95)
    return out


def by_name(name: str) -> SubType | None:
    """The sub-type whose ACLED name (or id) is `name`."""
    for st in taxonomy().values():
        if name in (st.name, st.id):
            return st
    return None


def _compile(pats: Iterable[str]) -> re.Pattern[str]:
    alt = "|".join(f"(?:{p})" for p in sorted(pats, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alt})(?!\w)", re.I)


class Rules:
    """Compiled cues of one language.

    All cue alternations run through one word-start index (khronika.extract.prefilter): a pattern is
    tried only where a word begins as its matches must begin, with the same matches as before.
    """

    def __init__(self, lang: str) -> None:
        pack = langpacks.load(lang, "events")
        tax = taxonomy()
        named: list[tuple[tuple[str, float], list[str]]] = []
        for sid, by_w in (pack.get("cues") or {}).items():
            self._check(sid, tax, lang)
            for w, pats in by_w.items():
                named.append(((sid, float(w)), list(pats)))
        for sid, pats in (pack.get("disruption_cues") or {}).items():
            self._check(sid, tax, lang)
            named.append(((sid, 3.0), list(pats)))
        self.cues = CueIndex(named)
        groups = pack.get("groups") or {}
        self.groups = {g: _compile(p) for g, p in groups.items()}  # for searches inside a window
        # A context cue is asked about many short windows: a literal check before the regex is cheapest.
        self.group_need = {g: required(rx.pattern, rx.flags) for g, rx in self.groups.items()}
        self.group_index = CueIndex((g, list(p)) for g, p in groups.items())
        self._low: tuple[str, str] = ("", "")

    @staticmethod
    def _check(sid: str, tax: dict[str, SubType], lang: str) -> None:
        if sid not in tax:
            raise ValueError(f"lang/{lang}/events.yaml: {sid!r} is not a vocabulary id")

    def hits(self, text: str) -> list[Hit]:
        return [Hit(sid, w, m.start(), m.end()) for (sid, w), m in self.cues.finditer(text)]

    def _lower(self, text: str) -> str:
        if self._low[0] is not text:
            self._low = (text, text.lower())
        return self._low[1]

    def windows(self, unit_text: str) -> dict[str, list[tuple[int, int]]]:
        """Spans of every context group in a unit, read once; `Window`s of the unit answer from them."""
        out: dict[str, list[tuple[int, int]]] = {}
        for g, m in self.group_index.finditer(unit_text):
            out.setdefault(g, []).append(m.span())
        return out

    def has(self, group: str, text: str) -> bool:
        if isinstance(text, Window):
            return any(True for _ in text.spans(group))
        rx = self.groups.get(group)
        if rx is None:
            return False
        need = self.group_need[group]
        if need and not may_match(need, self._lower(text)):
            return False
        return rx.search(text) is not None

    def count(self, group: str, text: str) -> int:
        if isinstance(text, Window):
            return sum(1 for _ in text.spans(group))
        rx = self.groups.get(group)
        if rx is None:
            return 0
        need = self.group_need[group]
        if need and not may_match(need, self._lower(text)):
            return 0
        return sum(1 for _ in rx.finditer(text))


class Window(str):
    """A sentence or context window of a unit that carries the unit's context-group spans.

    No context cue crosses a sentence end, so the matches inside a window of the unit are those the
    window alone would give; reading the unit once spares a regex search per question.
    """

    groups: dict[str, list[tuple[int, int]]]
    lo: int

    @classmethod
    def of(cls, unit_text: str, lo: int, hi: int, groups: dict[str, list[tuple[int, int]]]) -> Window:
        w = cls(unit_text[lo:hi])
        w.groups, w.lo = groups, lo
        return w

    def spans(self, group: str) -> Iterator[tuple[int, int]]:
        hi = self.lo + len(self)
        return ((a, b) for a, b in self.groups.get(group, ()) if self.lo <= a and b <= hi)


@lru_cache(maxsize=8)
def rules(lang: str) -> Rules:
    return Rules(lang)


# ----------------------------------------------------------------------------- sentences and scoring


def sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans inside [start, end), on punctuation followed by a capital, or blank lines."""
    out, pos = [], start
    for m in _SENT.finditer(text, start, end):
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = m.end()
    if pos < end:
        out.append((pos, end))
    return [(s, e) for s, e in out if text[s:e].strip()]


_DEMO_SIDS = (
    "peaceful_protest",
    "violent_demonstration",
    "protest_with_intervention",
    "excessive_force_against_protesters",
)


def _discount_topics(hits: list[Hit], text: str, r: Rules) -> list[Hit]:
    """A protest's grievance ("staged a protest against the arrest of ...") is not an event of its own."""
    back = r.groups.get("background")
    if back is not None:
        for h in hits:
            if back.search(text, max(0, h.start - 40), h.start):
                h.weight *= 0.5
    demo = [h for h in hits if h.sid == "peaceful_protest" and h.weight >= 3]
    marker = r.groups.get("topic_marker")
    if not demo or marker is None:
        return hits
    first = min(h.end for h in demo)
    for h in hits:
        if h.sid in _DEMO_SIDS or h.start < first:
            continue
        if marker.search(text, first, h.start):
            h.weight *= 0.3
    return hits


def _score(hits: list[Hit]) -> dict[str, Candidate]:
    """Per sub-type: the strongest cue counts fully, each further distinct cue adds a little."""
    by: dict[str, list[Hit]] = {}
    for h in hits:
        by.setdefault(h.sid, []).append(h)
    tax = taxonomy()
    out: dict[str, Candidate] = {}
    for sid, hs in by.items():
        hs = _non_overlapping(hs)
        hs.sort(key=lambda h: (-h.weight, h.start))
        best = hs[0]
        score = best.weight + 0.3 * sum(min(h.weight, 3.0) for h in hs[1:]) + (100 - tax[sid].rank) / 200
        out[sid] = Candidate(sid, score, best.start, best.end, -1, hs)
    return out


def _non_overlapping(hs: list[Hit]) -> list[Hit]:
    hs = sorted(hs, key=lambda h: (-h.weight, -(h.end - h.start)))
    kept: list[Hit] = []
    for h in hs:
        if all(h.end <= k.start or h.start >= k.end for k in kept):
            kept.append(h)
    return kept


_PROTEST_FAMILY = ("peaceful_protest", "protest_with_intervention", "excessive_force_against_protesters")


def _refine(c: dict[str, Candidate], ctx: str, sent_text: str, r: Rules, deaths: int) -> None:
    """ACLED's coding rules that depend on context rather than on a single phrase (in place)."""
    _refine_demonstration(c, ctx, sent_text, r, deaths)
    _refine_intervention(c, ctx, sent_text, r, deaths)
    organised = r.has("armed_actor", ctx) or _count(r, "state_actor", sent_text) >= 2
    state = r.has("state_actor", sent_text)
    aim = r.has("demonstration_aim", sent_text)
    riot = "violent_demonstration" if state and aim else "mob_violence"
    # Battles and attacks need an organised armed actor; a fight of party supporters, locals or a
    # crowd (with or against police) is a riot in ACLED's terms.
    if "armed_clash" in c and not organised:
        _promote(c, riot, c.pop("armed_clash"), bonus=0.1)
    if (
        "attack" in c
        and not organised
        and not state
        and (r.has("party_actor", sent_text) or r.has("crowd_actor", sent_text) or "mob_violence" in c)
    ):
        _promote(c, "mob_violence", c.pop("attack"), bonus=0.1)
    if (
        "looting_property_destruction" in c
        and not organised
        and not state
        and (r.has("crowd_actor", sent_text) or "violent_demonstration" in c)
    ):
        _promote(c, riot if aim else "mob_violence", c.pop("looting_property_destruction"), bonus=0.1)
    if r.has("crude_bomb", sent_text) and not organised:
        for s in ("remote_explosive_landmine_ied", "grenade"):
            if s in c:
                _promote(c, riot if aim else "mob_violence", c.pop(s), bonus=0.1)
    if "mob_violence" in c and "violent_demonstration" in c and not aim:
        _promote(c, "mob_violence", c["violent_demonstration"], bonus=0.3)
    # Territory changing hands in a fight: the battle is coded by who took control.
    if "armed_clash" in c or "non_violent_transfer_of_territory" in c:
        src = c.get("armed_clash") or c["non_violent_transfer_of_territory"]
        fight = "armed_clash" in c or r.has("explicit_clash", ctx)
        if fight and r.has("territory_nonstate", ctx):
            _promote(c, "non_state_actor_overtakes_territory", src, bonus=0.6)
        elif fight and r.has("territory_state", ctx):
            _promote(c, "government_regains_territory", src, bonus=0.6)
    _refine_territory(c, ctx, sent_text, r)
    # Weapons found or defused are a disrupted weapons use unless something went off.
    if (
        "disrupted_weapons_use" in c
        and r.has("disruption_found", sent_text)
        and not r.has("detonation", sent_text)
    ):
        for s in (
            "remote_explosive_landmine_ied",
            "grenade",
            "excessive_force_against_protesters",
            "suicide_bomb",
        ):
            if s in c:
                c[s].score -= 2.5
    # Force against protesters needs protesters.
    for s in ("excessive_force_against_protesters", "protest_with_intervention"):
        if s in c and not r.has("demonstration_aim", ctx) and not r.has("nonlethal", sent_text):
            c[s].score -= 2.5
    # Violence by an organised armed group on civilians is an Attack; against armed opponents, a clash.
    if (
        "attack" in c
        and "armed_clash" in c
        and c["armed_clash"].score >= 3
        and not r.has("civilian_target", sent_text)
    ):
        c["attack"].score -= 1.0
    # Remote weapons used inside a ground fight are part of the battle; used alone they define the event.
    remote = [s for s in c if taxonomy()[s].type == "Explosions/Remote violence" and c[s].score >= 4]
    if remote and r.has("explicit_clash", ctx) and r.has("armed_actor", ctx):
        for s in remote:
            c[s].score -= 2.0
    elif remote:
        for s in ("armed_clash", "attack", "mob_violence"):
            if s in c:
                c[s].score -= 1.0
    # Bangs and explosions heard around a crowd, with no bomb named, are not a bombing.
    ied = c.get("remote_explosive_landmine_ied")
    if (
        ied is not None
        and max(h.weight for h in ied.hits) < 4
        and (
            r.has("demonstration_aim", sent_text)
            or r.has("crowd_actor", sent_text)
            or r.has("nonlethal", sent_text)
        )
    ):
        ied.score -= 2.0
    # Stun/smoke grenades and tear gas are crowd control, not explosive weapons.
    if "grenade" in c and r.has("nonlethal", sent_text):
        c["grenade"].score -= 3.0


def _refine_intervention(c: dict[str, Candidate], ctx: str, sent_text: str, r: Rules, deaths: int) -> None:
    """Arrests, assaults or shooting aimed at a demonstration under way: force against the protest."""
    if not r.has("on_protest", sent_text) or r.has("crowd_violence", sent_text):
        return
    for s in ("arrests", "attack"):  # one-sided acts; a two-sided fight at a rally stays a riot
        if s in c and c[s].score >= 3:
            lethal = r.has("lethal_force", ctx) or deaths > 0
            target = "excessive_force_against_protesters" if lethal else "protest_with_intervention"
            _promote(c, target, c[s], bonus=0.6)
            return


def _refine_territory(c: dict[str, Candidate], ctx: str, sent_text: str, r: Rules) -> None:
    """Who took the territory, and whether it was fought for."""
    if (
        "government_regains_territory" in c
        and r.has("territory_nonstate", sent_text)
        and not r.has("territory_state", sent_text)
    ):
        _promote(c, "non_state_actor_overtakes_territory", c["government_regains_territory"], bonus=0.3)
    taken = [s for s in ("government_regains_territory", "non_state_actor_overtakes_territory") if s in c]
    nvt = c.get("non_violent_transfer_of_territory")
    strong_nvt = nvt is not None and max(h.weight for h in nvt.hits) >= 4
    if taken and (strong_nvt or r.has("no_fight", ctx)) and not r.has("explicit_clash", sent_text):
        _promote(c, "non_violent_transfer_of_territory", c[taken[0]], bonus=0.3)


def _count(r: Rules, group: str, text: str) -> int:
    return r.count(group, text)


def _refine_demonstration(c: dict[str, Candidate], ctx: str, sent_text: str, r: Rules, deaths: int) -> None:
    """Protest or riot: settled by what the crowd did and what was done to it."""
    sources = ("peaceful_protest", "violent_demonstration", "protest_with_intervention")
    demo = max((c[s] for s in sources if s in c), key=lambda x: x.score, default=None)
    if demo is None or not (demo.sid != "violent_demonstration" or r.has("demonstration_aim", sent_text)):
        return
    if r.has("party_actor", sent_text) and not r.has("demonstration_aim", sent_text) and "mob_violence" in c:
        target = "mob_violence"
    elif r.has("crowd_violence", ctx):
        target = "violent_demonstration"
        for s in ("protest_with_intervention", "excessive_force_against_protesters"):
            if s in c:  # a crowd that fights is rioting, whatever the police did
                c[s].score -= 3.0
    elif r.has("lethal_force", ctx) or (deaths > 0 and r.has("state_actor", ctx)):
        target = "excessive_force_against_protesters"
    elif r.has("police_intervention", ctx):
        target = "protest_with_intervention"
    else:
        return
    _promote(c, target, demo, bonus=0.2)


def _promote(c: dict[str, Candidate], target: str, src: Candidate, *, bonus: float) -> None:
    base = c.get(target)
    score = max(src.score, base.score if base else 0.0) + bonus
    if target != src.sid and src.sid in c and c[src.sid] is src:
        src.score -= bonus + 0.5  # the refined reading replaces the surface one
    c[target] = Candidate(target, score, src.start, src.end, src.sent, src.hits)


def _require_concrete(c: dict[str, Candidate], ctx: str, r: Rules, stmt: Statement | None) -> None:
    """Labels outside ACLED in what a speaker says only on concrete ground (in place).

    People speak in images ("a hurricane began", "gangs of youths" for the rioters): in a speaker's
    testimony a natural disaster, an accident or organised crime is named only when the context has
    a concrete cue of its kind (`concrete_<id>` in the language's groups), and never from what the
    speaker merely believes. Reports (the author's own text) keep these labels as cued.
    """
    belief = stmt is not None and stmt.evidence == _BELIEF
    for sid in [s for s in c if taxonomy()[s].family == "other"]:
        group = f"concrete_{sid}"
        if belief or (group in r.groups and not r.has(group, ctx)):
            del c[sid]


@lru_cache(maxsize=1)
def _evidence_ranks() -> dict[str, int]:
    return {str(e["id"]): int(e.get("rank", 1)) for e in vocab.load("evidence")}


def _evidence_weight(evidence: str | None) -> float:
    """What a witness saw outranks what someone believes: 1.0 for rank 1, less by 8% a rank."""
    rank = _evidence_ranks().get(evidence or "", 1)
    return max(0.5, 1.0 - 0.08 * (rank - 1))


# ----------------------------------------------------------------------------- time and place


def _local_day() -> Callable[[TimeRef], str | None] | None:
    try:
        from khronika.timex import local_day  # written by another helper; optional until it lands
    except Exception:
        return None
    return local_day


def _day(t: TimeRef, local_day: Callable[[TimeRef], str | None] | None) -> str | None:
    if local_day is not None:
        try:
            d = local_day(t)
        except Exception:
            d = None
        if d:
            return str(d)[:10]
        return None
    # Fallback without khronika.timex: a day-precision value is already a local date.
    if (
        t.value
        and re.fullmatch(r"\d{4}-\d{2}-\d{2}", t.value[:10])
        and t.precision in (None, "day", "part_of_day", "hour", "minute")
    ):
        return t.value[:10]
    return None


def _place_dict(p: PlaceRef) -> dict[str, Any]:
    return {
        "name": p.name or p.text,
        "lat": p.lat,
        "lon": p.lon,
        "country": p.country,
        "admin1": p.admin1,
        "precision": p.precision,
    }


@dataclass(frozen=True)
class _Destination:
    """How a language marks a toponym as where someone went rather than where something happened."""

    before: re.Pattern[str] | None
    case: str | None  # a pymorphy grammeme the toponym must bear ("accs": "в Астану", not "в Астане")
    not_cases: tuple[str, ...] = ()  # grammemes that make it a location after all (locative "в Алматы")


@lru_cache(maxsize=8)
def _destination(lang: str) -> _Destination:
    pack = langpacks.load(lang, "events")
    before = pack.get("destination_before")
    return _Destination(
        re.compile(str(before), re.I) if before else None,
        pack.get("destination_case"),
        tuple(pack.get("location_cases") or ()),
    )


@lru_cache(maxsize=1)
def _morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=4096)
def _motion_case(word: str, case: str, not_cases: tuple[str, ...]) -> bool:
    """Some reading has the case of motion and none a case of location (an ambiguous form proves nothing)."""
    try:
        parses = _morph().parse(word)
    except Exception:
        return False
    return any(case in p.tag for p in parses) and not any(c in p.tag for p in parses for c in not_cases)


def _is_destination(doc: Document, p: PlaceRef) -> bool:
    d = _destination(doc.lang)
    if d.before is None or not d.before.search(doc.text[max(0, p.start - 60) : p.start]):
        return False
    if d.case is None:
        return True
    words = doc.text[p.start : p.end].split()
    return bool(words) and _motion_case(words[0], d.case, d.not_cases)


def _doc_place(doc: Document) -> PlaceRef | None:
    """The document's most frequent resolved place, ties broken by first mention.

    A place named only as where someone went or wrote to ("сообщения брату в Астану") tells nothing
    about where the document's events happened, so it is no fallback.
    """
    res = [p for p in doc.places if p.lat is not None and p.lon is not None]
    if not res:
        return None
    dest = {id(p) for p in res if _is_destination(doc, p)}
    keys_here = {p.place_id or p.name or p.text for p in res if id(p) not in dest}
    res = [p for p in res if (p.place_id or p.name or p.text) in keys_here]
    if not res:
        return None
    counts: dict[str, int] = {}
    for p in res:
        counts[p.place_id or p.name or p.text] = counts.get(p.place_id or p.name or p.text, 0) + 1
    return max(res, key=lambda p: (counts[p.place_id or p.name or p.text], -p.start))


# Characters that end a clause: a topic marker right after one opens a clause of its own (", demanding
# ...", ") in response to ..."), while "an attack against militants in X" keeps X in the event's clause.
_CLAUSE_END = ",;:()[]–—"
_REGION = "region"
# Between a place and the one named as its container: up to two words (a type: "town", "upazila"), a
# comma or an opening bracket, maybe an unresolved name and a comma ("X village (Unknown, Region)").
_APPOSITION = re.compile(r"(?:\s+[\w'’.-]+){0,2}\s*[(,]\s*(?:[^\s(),.;:][^(),.;:]{0,40},\s*)?$")
# Between two items of a list: a comma and/or a short conjunction ("and", "or", "и", "et").
_LIST_GAP = re.compile(r"\s*,?\s*(?:\w{1,4}\s+)?$")
# How far a place may lie from the point of its stated container, by the container's precision. A town
# named as a container stands for its district, which in a sparse country reaches 100 km or more from
# the town, with the town itself off-centre; a region's centroid may lie far from its edge.
_CONTAINER_KM = {"point": 200.0, "street": 200.0, "district": 200.0, "city": 200.0, "region": 500.0}


def event_place(
    doc: Document, lo: int, hi: int, trigger_end: int, unit_lo: int, unit_hi: int
) -> PlaceRef | None:
    """Where the event told in [lo, hi) (its statement, in the unit [unit_lo, unit_hi)) happened.

    The statement's own place comes first (`_statement_place`). A statement that names none is about
    the place its context set (`_context_place`); only then the document's main place.
    """
    here = _resolved(doc, lo, hi)
    if here:
        return _statement_place(doc, here, trigger_end)
    return _context_place(doc, lo, unit_lo, unit_hi) or _doc_place(doc)


def _resolved(doc: Document, lo: int, hi: int) -> list[PlaceRef]:
    return [p for p in doc.places if lo <= p.start < hi and p.lat is not None and p.lon is not None]


def _prefer(refs: list[PlaceRef], keep: Callable[[PlaceRef], bool]) -> list[PlaceRef]:
    """The places that pass `keep`, or all of them when none does (a preference, never a veto)."""
    kept = [p for p in refs if keep(p)]
    return kept or refs


def _statement_place(doc: Document, refs: list[PlaceRef], trigger_end: int) -> PlaceRef | None:
    """The place a statement says its event happened at, among the resolved places it names.

    Preferences, in order: not in a clause about the event's topic ("protested in X, condemning the
    attack on Y" is in X); not read far outside the place the text names as its container (such a
    reading is a namesake, `_misread`); inside a first-level region the statement names ("near W
    village (Balcad, Middle Shabelle)" beside a road to Mogadishu: W and Balcad lie in Middle Shabelle,
    Mogadishu does not). Among what is left, the most specific place in the statement's main country
    (`primary_place`), so a region is never the answer while a town it contains is named.
    """
    refs = sorted(refs, key=lambda p: p.start)
    cut = _topic_cut(doc, trigger_end, refs[-1].start) if refs else None
    if cut is not None:
        refs = _prefer(refs, lambda p: p.start < cut)
    bad = _misread(doc, refs)
    refs = [p for p, b in zip(refs, bad, strict=True) if not b] or refs
    regions = [q for q in refs if _first_level(q)]
    if regions:
        refs = _prefer(refs, lambda p: not _first_level(p) and any(_inside(p, q) for q in regions))
    return primary_place(refs)


def _topic_cut(doc: Document, trigger_end: int, last: int) -> int | None:
    """Where the first clause after the trigger that opens with a topic marker begins (", demanding
    justice for the killing in Y", ") in response to ..."): places from there on are what the event is
    about, not where it happened. "An attack against militants in X" opens no clause: X stays."""
    if last <= trigger_end or doc.lang not in langpacks.SUPPORTED:
        return None
    marker = rules(doc.lang).groups.get("topic_marker")
    if marker is None:
        return None
    for m in marker.finditer(doc.text, trigger_end, last):
        before = doc.text[trigger_end : m.start()].rstrip()
        if before and before[-1] in _CLAUSE_END:
            return m.start()
    return None


def _container(doc: Document, refs: list[PlaceRef], i: int) -> int | None:
    """The index of the place the text names as containing refs[i] right after it: "X, Y", "X town
    (Y)", "X village (District, Region)" (an unresolved name may sit between). A list ("X, Y and Z")
    names none. `refs` is in text order."""
    p = refs[i]
    j = next((k for k in range(i + 1, len(refs)) if refs[k].start >= p.end), None)
    if j is None or not _APPOSITION.match(doc.text, p.end, refs[j].start):
        return None
    if "(" in doc.text[p.end : refs[j].start]:
        return j  # "X (Y, Z)": a bracket after a place holds its containers, however many
    q = refs[j]
    k = next((k for k in range(j + 1, len(refs)) if refs[k].start >= q.end), None)
    if k is not None and _LIST_GAP.match(doc.text, q.end, refs[k].start):
        return None  # "X, Y, Z" / "X, Y and Z": Y is the next item of a list
    return j


def _misread(doc: Document, refs: list[PlaceRef]) -> list[bool]:
    """Per place (in text order): does the gazetteer put it far outside the place the text names as its
    container? Then its reading is a namesake ("Phulpur city (Mymensingh)" read as the Indian Phulpur),
    and the container is the better answer. A container misread in turn ("Chittagong city, Fatehpur
    union (Hathazari, ...)" with Fatehpur read in India) proves nothing against the place before it."""
    bad = [False] * len(refs)
    for i in range(len(refs) - 1, -1, -1):  # a container comes later in the text: judged first
        j = _container(doc, refs, i)
        bad[i] = j is not None and not bad[j] and _outside(refs[i], refs[j])
    return bad


def _outside(p: PlaceRef, q: PlaceRef) -> bool:
    if p.lat is None or p.lon is None or q.lat is None or q.lon is None:
        return False
    if p.country and q.country and p.country != q.country:
        return True
    if q.precision == "country":
        return False
    return km(p.lat, p.lon, q.lat, q.lon) > _CONTAINER_KM.get(q.precision or "", _CONTAINER_KM["city"])


def _first_level(q: PlaceRef) -> bool:
    """A first-level administrative unit (a province, a Somali region): its own admin1."""
    return q.precision == _REGION and bool(q.admin1) and q.admin1 == q.name and bool(q.country)


def _inside(p: PlaceRef, region: PlaceRef) -> bool:
    """Does the gazetteer put `p` (a town, a district) inside the first-level `region`?"""
    return p.country == region.country and p.admin1 == region.admin1


def _context_place(doc: Document, lo: int, unit_lo: int, unit_hi: int) -> PlaceRef | None:
    """The place that a short unit's lead sets for its statements that name none.

    A short unit tells one episode (`_SHORT_UNIT`, as for casualties): its lead statement, the first
    that names a place finer than a country, says where (an ACLED note, a caption, one message, a
    headline). A longer account moves between places and names many in passing, so its placeless
    statements are left to the document's main place (`_doc_place`), which stray readings cannot sway
    the way they sway "the last place named". A country alone is too coarse to set the context, and
    where someone merely went or wrote to sets none.
    """
    if unit_hi - unit_lo > _SHORT_UNIT:
        return None
    named = [p for p in _resolved(doc, unit_lo, unit_hi)
             if p.precision != "country" and not _is_destination(doc, p)]
    if not named:
        return None
    lead = min(named, key=lambda p: p.start)
    stmt = doc.statement_at(lead.start)
    if stmt is None:
        return lead
    return _statement_place(doc, [p for p in named if stmt.start <= p.start < stmt.end], stmt.start)


@lru_cache(maxsize=8)
def _victim_killing(lang: str) -> re.Pattern[str] | None:
    pats = langpacks.load(lang, "events").get("victim_killing") or []
    return _compile(pats) if pats else None


def _sentence_around(text: str, pos: int) -> tuple[int, int]:
    a = max(text.rfind(". ", 0, pos), text.rfind("\n", 0, pos)) + 1
    b = min((x for x in (text.find(". ", pos), text.find("\n", pos)) if x >= 0), default=len(text))
    return a, b


def _paragraph(text: str, pos: int) -> tuple[int, int]:
    b = text.find("\n", pos)
    return text.rfind("\n", 0, pos) + 1, len(text) if b < 0 else b


# ----------------------------------------------------------------------------- the component


@dataclass
class _Unit:
    """A statement (or the whole text when a document has none)."""

    start: int
    end: int
    statement: Statement | None
    spoken: bool = False  # a speaker's testimony (not the author's narration)
    casualties: list[fat_mod.Mention] = field(default_factory=list)  # read once per unit, doc offsets
    actor_mentions: list[actor_mod.ActorMention] | None = None  # read once per unit, doc offsets

    def actors(self, text: str, lang: str, start: int, end: int) -> list[Actor]:
        """Actors named in [start, end) of the document, the unit read once for all its events."""
        if self.actor_mentions is None:
            self.actor_mentions = [
                replace(m, start=m.start + self.start, end=m.end + self.start)
                for m in actor_mod.reader(lang).mentions(text[self.start : self.end])
            ]
        return actor_mod.distinct([m for m in self.actor_mentions if start <= m.start and m.end <= end])

    def counts(self, start: int, end: int) -> fat_mod.Casualties:
        """Casualty counts of the mentions that start inside [start, end)."""
        return fat_mod.combine([m for m in self.casualties if start <= m.start < end])


def _units(doc: Document) -> list[_Unit]:
    """Stretches of text read as one context: each testimony, else the whole text.

    Statements are often single sentences; the context of an event (what the crowd did, how many died)
    runs across them, so statements only give each event its evidence, never its context.
    """
    if doc.testimonies:
        return [
            _Unit(t.start, t.end, None, spoken=bool(t.speaker) and not t.is_author)
            for t in sorted(doc.testimonies, key=lambda t: t.start)
        ]
    return [_Unit(0, len(doc.text), None)]


def _statement_span(doc: Document, stmt: Statement | None, unit: _Unit) -> tuple[int, int]:
    return (stmt.start, stmt.end) if stmt is not None else (unit.start, unit.end)


# Where a clause ends: a negation beyond it ("rallied, and demanded not to ...") speaks of another verb.
_CLAUSE_BREAK = re.compile(r"[,;:()]|\s(?:and|but|for|which|who|while|и|а|но|который|которая|которые)\s",
                           re.IGNORECASE)
_AFTER_WORDS = re.compile(r"^\W*(?:\w+\W+){0,3}")


def _denied(text: str, lang: str, stmt: Statement, start: int, end: int) -> bool:
    """Does the negation of a negated statement govern this trigger? Only one in the trigger's own
    clause does ("there were no clashes", "police did not fire"); "vandalized a clinic for not treating
    a member" and "rallied, demanding the party not nominate him" still report the event."""
    from khronika.segment.evidence import model

    left = text[stmt.start:start]
    breaks = list(_CLAUSE_BREAK.finditer(left))
    clause = left[breaks[-1].end():] if breaks else left
    after = _AFTER_WORDS.match(text[end:stmt.end])
    try:
        neg = model(lang)
    except ValueError:
        return True  # no cue list for the language: trust the statement's own flag
    return neg.negated(clause + text[start:end] + (after.group() if after else ""))


class EventExtractor:
    def __init__(self) -> None:
        self.local_day = _local_day()
        self.user_model: Any = None
        try:
            from khronika.extract import classifier

            self.user_model = classifier.load_user_model()
        except Exception:
            self.user_model = None

    def __call__(self, doc: Document) -> None:
        lang = doc.lang if doc.lang in langpacks.SUPPORTED else None
        if lang is None:
            return
        r = rules(lang)
        cands = self._candidates(doc, r, lang)
        events = [self._event(doc, lang, c, cands) for c in cands]
        self._retype_with_user_model(doc, events)
        victims = self._victims(doc, lang, events)
        events.extend(self._victim_events(doc, lang, victims, events))
        doc.events.extend(events)
        doc.victims.extend(victims)

    # -- candidates
    def _candidates(self, doc: Document, r: Rules, lang: str) -> list[_Cand]:
        text = doc.text
        out: list[_Cand] = []
        sent_index = 0
        reader = fat_mod.reader(lang)
        for unit in _units(doc):
            sents = sentences(text, unit.start, unit.end)
            unit.casualties = reader.mentions(text[unit.start : unit.end])
            for m in unit.casualties:
                m.start, m.end = m.start + unit.start, m.end + unit.start
            # One pass of every cue over the unit, then hits are handed to their sentences.
            unit_text = text[unit.start : unit.end]
            unit_hits = r.hits(unit_text)
            unit_groups = r.windows(unit_text)
            for i, (s, e) in enumerate(sents):
                lo, hi = s - unit.start, e - unit.start
                st = Window.of(unit_text, lo, hi, unit_groups)
                mine = [
                    Hit(h.sid, h.weight, h.start - lo, h.end - lo)
                    for h in unit_hits
                    if lo <= h.start and h.end <= hi
                ]
                hits = _discount_topics(mine, st, r)
                if not hits:
                    sent_index += 1
                    continue
                ctx_end = sents[min(i + 3, len(sents) - 1)][1]
                ctx_start = sents[max(i - 1, 0)][0]
                ctx = Window.of(unit_text, ctx_start - unit.start, ctx_end - unit.start, unit_groups)
                deaths = unit.counts(ctx_start, ctx_end).fatalities or 0
                cs = _score(hits)
                _refine(cs, ctx, st, r, deaths)
                if unit.spoken:
                    _require_concrete(cs, ctx, r, doc.statement_at(s))
                ranked = sorted(cs.values(), key=lambda c: (-c.score, taxonomy()[c.sid].rank))
                # Disruptions are observations in their own right: each one found is kept.
                disr = [c for c in ranked if taxonomy()[c.sid].family == "disruption"]
                ranked = [c for c in ranked if taxonomy()[c.sid].family != "disruption"]
                keep = (
                    ranked[:1]
                    + [
                        c
                        for c in ranked[1:]
                        if c.score >= 3.5 and taxonomy()[c.sid].type != taxonomy()[ranked[0].sid].type
                    ][:2]
                )
                keep += disr
                for k, c in enumerate(keep):
                    st_at = doc.statement_at(s + c.start)
                    if st_at is not None and st_at.negated \
                            and _denied(text, lang, st_at, s + c.start, s + c.end):
                        continue  # "there were no clashes": the statement denies the event
                    fam = taxonomy()[c.sid].family
                    sal = (
                        c.score
                        * _FAMILY_FACTOR[fam]
                        / (1 + _POS_DECAY * sent_index)
                        * (1.0 if k == 0 else 0.6)
                    )
                    if fam == "disruption":
                        sal = min(sal, 1.0)  # never the lead while an ACLED-coded event is present
                    out.append(_Cand(c, s, e, sent_index, unit, sal, (s, ctx_end)))
                sent_index += 1
        return out

    # -- one event
    def _event(self, doc: Document, lang: str, cand: _Cand, all_c: list[_Cand]) -> Event:
        st = taxonomy()[cand.c.sid]
        start, end = cand.sent_start + cand.c.start, cand.sent_start + cand.c.end
        scope = self._scope(doc, cand, all_c)
        cas = cand.unit.counts(scope[0], scope[1])
        stmt = cand.unit.statement or doc.statement_at(start)
        if stmt is not None and not stmt.id:
            stmt.assign_id(doc.id)
        ev = Event(
            start=start,
            end=end,
            extractor=TAG,
            confidence=round(min(0.95, 0.35 + cand.c.score / 10), 3),
            statement_id=stmt.id if stmt else None,
            evidence=stmt.evidence if stmt else None,
            type=st.type,
            subtype=st.name,
            family=st.family,
            salience=round(cand.salience * _evidence_weight(stmt.evidence if stmt else None), 4),
            actors=cand.unit.actors(doc.text, lang, cand.sent_start, cand.sent_end),
            fatalities=cas.fatalities,
            fatalities_high=cas.fatalities_high,
            injuries=cas.injuries,
        )
        if ev.evidence == _BELIEF:
            ev.confidence = min(ev.confidence, _BELIEF_CONFIDENCE)
        if st.name in _NO_DEATHS:
            ev.fatalities, ev.fatalities_high = 0, None
        self._when(doc, ev, cand)
        self._where(doc, ev, cand)
        return ev

    @staticmethod
    def _scope(doc: Document, cand: _Cand, all_c: list[_Cand]) -> tuple[int, int]:
        """From the event's sentence up to the next sentence that starts another event (max 4 sentences)."""
        if cand.unit.end - cand.unit.start <= _SHORT_UNIT:
            # A short report tells one episode, up to a later paragraph (a new message of a log) whose
            # violent event counts its own dead ("they shot a young man" / "19 were killed at the
            # square": the 19 are not his). Within a paragraph the count usually follows its event.
            own = [
                c.sent_start
                for c in all_c
                if c.sent_start > cand.sent_start
                and c.unit is cand.unit
                and "\n" in doc.text[cand.sent_end : c.sent_start]
                and taxonomy()[c.c.sid].type in _VIOLENT_TYPES
                and cand.unit.counts(c.sent_start, c.sent_end).explicit
            ]
            end = min([cand.ctx[1], *own])
            return cand.sent_start, max(end, cand.sent_end)
        later = [
            c.sent_start
            for c in all_c
            if c.sent_start > cand.sent_start
            and c.unit is cand.unit
            and taxonomy()[c.c.sid].type != taxonomy()[cand.c.sid].type
            and c.c.score >= 4
        ]
        end = min([cand.ctx[1], *later]) if later else cand.ctx[1]
        return cand.sent_start, max(end, cand.sent_end)

    def _when(self, doc: Document, ev: Event, cand: _Cand) -> None:
        lo, hi = _statement_span(doc, doc.statement_at(ev.start), cand.unit)
        # The trigger's own sentence counts too: "On 6 May, rioters burnt a bus" may be cut into two
        # statements at the comma, and the date that opens the sentence still dates the event.
        lo = min(lo, max(cand.sent_start, cand.unit.start))
        same = [t for t in doc.times if lo <= t.start < hi and t.resolved]
        days = [(t, d) for t in same if (d := _day(t, self.local_day))]
        found: tuple[TimeRef | None, str | None]
        if days:
            # A date that opens the clause before the trigger ("On 5 May, X did Y") dates it; a date
            # after the trigger is usually background ("... during the blockade of 8-9 May").
            before = [td for td in days if td[0].start <= ev.start]
            by_start = lambda td: td[0].start  # noqa: E731
            found = max(before, key=by_start) if before else min(days, key=by_start)
        else:
            found = self._earlier_day(doc, cand)
        if found[0] is None:
            # no day: a stretch the statement names ("at about 17.00" = some day up to publication,
            # "in the early days of January") still bounds the event, though it gives it no date
            spans = [t for t in doc.times if lo <= t.start < hi and t.begin and t.until]
            found = (min(spans, key=lambda t: abs(t.start - ev.start)), None) if spans else found
        t, d = found
        if t is not None:
            if not t.id:
                t.assign_id(doc.id)
            ev.time_id, ev.date = t.id, d

    def _earlier_day(self, doc: Document, cand: _Cand) -> tuple[TimeRef | None, str | None]:
        """The last resolved day-precision time before the trigger, in the same testimony."""
        stmt = doc.statement_at(cand.sent_start + cand.c.start)
        testimony = stmt.testimony_id if stmt is not None else None
        lo = cand.unit.start  # a testimony when the document has them
        if testimony and not doc.testimonies:
            starts = [s.start for s in doc.statements if s.testimony_id == testimony]
            lo = min(starts) if starts else 0
        prior = sorted(
            (t for t in doc.times if lo <= t.start < cand.sent_start and t.resolved), key=lambda t: t.start
        )
        for t in reversed(prior):
            d = _day(t, self.local_day)
            if d:
                return t, d
        return None, None

    @staticmethod
    def _where(doc: Document, ev: Event, cand: _Cand) -> None:
        lo, hi = _statement_span(doc, doc.statement_at(ev.start), cand.unit)
        p = event_place(doc, lo, hi, ev.end, cand.unit.start, cand.unit.end)
        if p is not None:
            if not p.id:
                p.assign_id(doc.id)
            ev.place_id, ev.location = p.id, _place_dict(p)

    def _victim_events(
        self, doc: Document, lang: str, victims: list[Victim], events: list[Event]
    ) -> list[Event]:
        """A named victim's killing is an event of its statement, with the victim's death counted.

        Where the statement already holds a violent event, that event counts the death (if it counted
        none); otherwise the killing yields a Violence against civilians / Attack event on the name.
        """
        kill = _victim_killing(lang)
        out: list[Event] = []
        units = _units(doc)
        for v in victims:
            if v.fate != "killed" or not v.name or kill is None:
                continue
            # The statement, or else the paragraph, that tells how the victim died ("they brought in
            # X. ... He was shot near the avenue" tells it after the name).
            stmt = doc.statement_at(v.start)
            lo, hi = (stmt.start, stmt.end) if stmt is not None else _sentence_around(doc.text, v.start)
            if not kill.search(doc.text[lo:hi]):
                lo, hi = _paragraph(doc.text, v.start)
                if not kill.search(doc.text[lo:hi]):
                    continue  # a death with no killing named ("he died in hospital") is no attack
            same = [e for e in (*events, *out) if lo <= e.start < hi and e.type in _VIOLENT_TYPES]
            if same:
                for e in same:
                    if not e.fatalities and e.subtype not in _NO_DEATHS:
                        e.fatalities = v.count or 1
                continue
            ev = self._killing_event(doc, v, lo, units)
            if v.place_id is None:
                v.place_id = ev.place_id
            out.append(ev)
        return out

    def _killing_event(self, doc: Document, v: Victim, lo: int, units: list[_Unit]) -> Event:
        st = taxonomy()[_KILLING]
        unit = next((u for u in units if u.start <= v.start < u.end), _Unit(0, len(doc.text), None))
        ev = Event(
            start=v.start,
            end=v.end,
            extractor=TAG,
            confidence=round(min(0.6, v.confidence), 3),
            statement_id=v.statement_id,
            evidence=v.evidence,
            type=st.type,
            subtype=st.name,
            family=st.family,
            # below a cued event of the same document: the victim is a detail unless nothing else is told
            salience=round(_VICTIM_SALIENCE * _evidence_weight(v.evidence), 4),
            actors=[Actor(name=v.perpetrator)] if v.perpetrator else [],
            fatalities=v.count or 1,
        )
        cand = _Cand(Candidate(_KILLING, 0.0, v.start - lo, v.end - lo, 0), lo, lo, 0, unit, 0.0, (lo, lo))
        self._when(doc, ev, cand)
        self._where(doc, ev, cand)
        return ev

    def _retype_with_user_model(self, doc: Document, events: list[Event]) -> None:
        if self.user_model is None or not events:
            return
        lead = max(events, key=lambda e: e.salience)
        if lead.family == "disruption":
            return
        label, prob = self.user_model.predict_one(doc.text[:2000])
        st = by_name(label)
        if st is not None and prob >= 0.5:
            lead.type, lead.subtype, lead.family = st.type, st.name, st.family
            lead.confidence = round(prob, 3)

    def _victims(self, doc: Document, lang: str, events: list[Event]) -> list[Victim]:
        from khronika.extract import victims as victim_mod

        return victim_mod.find(doc, lang, events)


@dataclass
class _Cand:
    c: Candidate
    sent_start: int
    sent_end: int
    sent_index: int
    unit: _Unit
    salience: float
    ctx: tuple[int, int]


@component(NAME, version=VERSION, requires=("statements", "times", "places"), assigns=("events", "victims"))
def make_events() -> Callable[[Document], None]:
    return EventExtractor()


def lead_event(doc: Document) -> Event | None:
    """The document's most salient event (what evaluation scores)."""
    return max(doc.events, key=lambda e: e.salience, default=None)
