"""The terse field syntax: reports a person can type on a basic phone, read into board observations.

    ALMATY SAMAL-2 17:00 INTERNET DOWN; ATM LIMIT 10000; BREAD QUEUE 2H; NEED INSULIN 3 PEOPLE
    АЛМАТЫ 17:00 ИНТЕРНЕТ НЕТ; БАНКОМАТ ЛИМИТ 10000

Grammar (docs/syntax-card.md has the card): a report is clauses separated by ";" (or new lines);
a clause is an optional place (the words before the first keyword), an optional date (DD.MM) and
time (HH:MM), then observations and needs. An observation is one or more service words followed by
states and qualifiers (LIMIT n, QUEUE n H, CASH ONLY); a need is NEED followed by what is needed and
an optional count. Place and time carry on to the following clauses. Keywords of every language are
known at once (a Russian report may say "4G"); the report's language is the one most of its
keywords come from. Keyword tables: `lang/<code>/terse.yaml`.

The component `khronika.terse` runs after the service extractor: on a report that parses as terse it
replaces the free-text reading of those words by the parse (the syntax is exact, the extractor guesses).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from ... import lang as langpacks
from ... import vocab
from ...model import Document, Need, PlaceRef, ServiceObservation, TimeRef
from ...registry import component

NAME = "khronika.terse"
VERSION = "1"
TAG = f"{NAME}@{VERSION}"
MAX_CHARS = 600  # several SMS; a longer text is prose, not a field report
FIRST_HAND_CHANNELS = ("sms", "terse")  # the card asks people to report only what they see
_TOKEN = re.compile(
    r"(?P<time>(?<!\d)\d{1,2}:\d{2}(?![\d:]))"
    r"|(?P<date>(?<![\d.])\d{2}\.\d{2}(?:\.\d{2,4})?(?![\w.]))"
    r"|(?P<num>\d+(?:[.,]\d+)?)(?P<unit>[^\W\d_]+)?"
    r"|(?P<word>[^\W_][\w'’-]*)"
    r"|(?P<sep>[;\n])",
)
_CATEGORIES = ("service", "generic", "state", "limit", "queue", "cash_only", "need", "need_what", "unit")


@dataclass
class Token:
    kind: str  # time, date, num, word, sep
    text: str
    start: int
    end: int
    value: float | None = None


@dataclass
class Observation:
    services: list[str]
    start: int
    end: int
    state: str | None = None
    qualifiers: dict[str, Any] = field(default_factory=dict)


@dataclass
class NeedReport:
    need: str
    start: int
    end: int
    quantity: int | None = None
    unit: str | None = None


@dataclass
class Report:
    """A parsed report; `errors` name what could not be read (a report with errors is still usable)."""

    place: str | None = None
    place_span: tuple[int, int] | None = None
    time: str | None = None  # HH:MM
    time_span: tuple[int, int] | None = None
    day: str | None = None  # DD.MM[.YYYY] as written
    observations: list[Observation] = field(default_factory=list)
    needs: list[NeedReport] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    lang: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.observations or self.needs) and not self.errors


# ---------------------------------------------------------------------------------------------------------
# Keyword tables.


@dataclass
class Table:
    """Every language's keywords: phrase (upper-case words) -> {category: (value, lang)}."""

    phrases: dict[tuple[str, ...], dict[str, tuple[Any, str]]]
    longest: int


def _norm(word: str) -> str:
    return word.upper().replace("Ё", "Е")


def _add(phrases: dict[tuple[str, ...], dict[str, tuple[Any, str]]], phrase: Any, cat: str, value: Any,
         code: str) -> None:
    if not isinstance(phrase, str):  # YAML reads a bare ON / NO as a boolean: the table must quote it
        raise ValueError(f"lang/{code}/terse.yaml: keyword {phrase!r} of {cat} is not a string")
    key = tuple(_norm(w) for w in phrase.split())
    phrases.setdefault(key, {}).setdefault(cat, (value, code))


@cache
def table() -> Table:
    services, needs = set(vocab.ids("services")), set(vocab.ids("needs"))
    phrases: dict[tuple[str, ...], dict[str, tuple[Any, str]]] = {}
    for code in langpacks.available("terse"):
        data = langpacks.load(code, "terse")
        for sid, words in data.get("services", {}).items():
            if sid not in services:
                raise ValueError(f"lang/{code}/terse.yaml: unknown service {sid!r}")
            for w in words:
                _add(phrases, w, "service", [sid], code)
        for w, sids in data.get("generic", {}).items():
            _add(phrases, w, "service", list(sids), code)
        for state, words in data.get("states", {}).items():
            for w in words:
                _add(phrases, w, "state", state, code)
        for cat in ("limit", "queue", "cash_only", "need"):
            for w in data.get(cat, []):
                _add(phrases, w, cat, True, code)
        for nid, words in data.get("needs", {}).items():
            if nid not in needs:
                raise ValueError(f"lang/{code}/terse.yaml: unknown need {nid!r}")
            for w in words:
                _add(phrases, w, "need_what", nid, code)
        for unit, words in data.get("units", {}).items():
            for w in words:
                _add(phrases, w, "unit", unit, code)
    return Table(phrases, max((len(k) for k in phrases), default=1))


# ---------------------------------------------------------------------------------------------------------
# Tokens and clauses.


def tokenize(text: str) -> list[Token]:
    phrases = table().phrases
    out: list[Token] = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or "word"
        if kind == "unit":
            kind = "num"
        if kind == "num" and m.group("unit") and (_norm(m.group(0)),) in phrases:
            kind = "word"  # "4G", "3Г": a keyword that starts with a digit
        if kind == "num":
            num = m.group("num")
            out.append(Token("num", num, m.start(), m.start() + len(num), _number(num)))
            if m.group("unit"):  # "2H", "10K": the unit is a word of its own
                out.append(Token("word", m.group("unit"), m.start("unit"), m.end("unit")))
            continue
        out.append(Token(kind, m.group(0), m.start(), m.end()))
    return _join_thousands(out)


def _number(text: str) -> float:
    """"10,000" and "10.000" are ten thousand (three digits after the mark); "1.5" and "2,5" are decimals."""
    whole, sep, frac = text.replace(",", ".").partition(".")
    if sep and len(frac) == 3:
        return float(whole + frac)
    return float(text.replace(",", "."))


def _join_thousands(tokens: list[Token]) -> list[Token]:
    """"10 000" is one number: a group of three digits right after a number joins it."""
    out: list[Token] = []
    for t in tokens:
        prev = out[-1] if out else None
        if (prev and prev.kind == "num" and t.kind == "num" and len(t.text) == 3 and t.text.isdigit()
                and t.start - prev.end == 1 and prev.value is not None and prev.value < 1000):
            value = prev.value * 1000 + float(t.text)
            out[-1] = Token("num", prev.text + " " + t.text, prev.start, t.end, value)
        else:
            out.append(t)
    return out


def _clauses(tokens: list[Token]) -> list[list[Token]]:
    out: list[list[Token]] = [[]]
    for t in tokens:
        if t.kind == "sep":
            out.append([])
        else:
            out[-1].append(t)
    return [c for c in out if c]


class _Reader:
    """A cursor over one clause's tokens that matches keywords longest first."""

    def __init__(self, tokens: list[Token], tab: Table, votes: dict[str, int]) -> None:
        self.toks, self.tab, self.i, self.votes = tokens, tab, 0, votes
        self.norms = [_norm(t.text) if t.kind in ("word", "num") else None for t in tokens]
        self._at: dict[int, list[tuple[int, dict[str, tuple[Any, str]]]]] = {}

    def _phrases_at(self, i: int) -> list[tuple[int, dict[str, tuple[Any, str]]]]:
        """The keywords starting at token i, longest first, looked up once per position: a reader asks
        several categories at the same cursor, and prose asks at every word until it gives up."""
        if i not in self._at:
            found = []
            for n in range(min(self.tab.longest, len(self.toks) - i), 0, -1):
                words = self.norms[i : i + n]
                if None in words:
                    continue
                entry = self.tab.phrases.get(tuple(words))  # type: ignore[arg-type]  # no None here
                if entry:
                    found.append((n, entry))
            self._at[i] = found
        return self._at[i]

    def done(self) -> bool:
        return self.i >= len(self.toks)

    def peek(self) -> Token | None:
        return None if self.done() else self.toks[self.i]

    def keyword(self, cat: str, *, take: bool = True) -> tuple[Any, int, int] | None:
        """(value, start, end) of the longest keyword of `cat` at the cursor."""
        for n, entry in self._phrases_at(self.i):
            words = self.toks[self.i : self.i + n]
            hit = entry.get(cat)
            if hit:
                if take:
                    self.i += n
                    # A vote weighs the letters it matched: "банкомат" says more than "4g".
                    letters = sum(ch.isalpha() for w in words for ch in w.text)
                    self.votes[hit[1]] = self.votes.get(hit[1], 0) + letters
                return hit[0], words[0].start, words[-1].end
        return None

    def any_keyword(self) -> bool:
        return any(self.keyword(c, take=False) for c in _CATEGORIES if c != "unit")

    def number(self) -> Token | None:
        t = self.peek()
        if t is not None and t.kind == "num":
            self.i += 1
            return t
        return None


# ---------------------------------------------------------------------------------------------------------
# Parsing.


def _duration(value: float, unit: str) -> str:
    minutes = round(value * 60) if unit == "hour" else round(value)
    h, m = divmod(minutes, 60)
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if m or not h else "")


def _limit(r: _Reader, services: list[str], end: int) -> tuple[dict[str, Any] | None, int]:
    num = r.number()
    if num is None or num.value is None:
        return None, end
    amount, end = num.value, num.end
    unit = r.keyword("unit")
    if unit and unit[0] == "thousand":
        amount, end = amount * 1000, unit[2]
        unit = r.keyword("unit")
    if unit and unit[0] == "currency":
        end = unit[2]
    lim: dict[str, Any] = {"amount": int(amount), "currency": "KZT"}
    if any(s in ("atm_cash", "banks") for s in services):
        lim["what"] = "withdrawal"
    return lim, end


def _queue(r: _Reader, end: int) -> tuple[dict[str, Any], int]:
    out: dict[str, Any] = {"queue": True}
    num = r.number()
    if num is None or num.value is None:
        return out, end
    unit = r.keyword("unit")
    if unit and unit[0] in ("hour", "minute"):
        out["duration"] = _duration(num.value, unit[0])
    else:
        out["people"] = int(num.value)  # "QUEUE 50": fifty people waiting
    return out, unit[2] if unit else num.end


def _observation(r: _Reader, first: tuple[Any, int, int], rep: Report) -> None:
    services, start, end = list(first[0]), first[1], first[2]
    while (more := r.keyword("service")) is not None:
        services.extend(s for s in more[0] if s not in services)
        end = more[2]
    ob = Observation(services, start, end)
    while not r.done():
        if (st := r.keyword("state")) is not None:
            ob.state, end = st[0], st[2]
        elif (lim := r.keyword("limit")) is not None:
            value, end = _limit(r, services, lim[2])
            if value is None:
                rep.errors.append(f"{r.toks[r.i - 1].text}: a limit needs a number")
            else:
                ob.qualifiers["limit"] = value
        elif (q := r.keyword("queue")) is not None:
            value_q, end = _queue(r, q[2])
            ob.qualifiers.update(value_q)
        elif (co := r.keyword("cash_only")) is not None:
            ob.qualifiers["cash_only"], end = True, co[2]
        else:
            break
    ob.end = end
    if ob.state is None and not ob.qualifiers:
        rep.errors.append(f"{' '.join(services)}: no state (e.g. DOWN, OK, SLOW, LIMIT n, QUEUE n H)")
        return
    if ob.state is None or (ob.state == "working" and ob.qualifiers):
        ob.state = "degraded"  # working with a limit or a queue is working partly
    rep.observations.append(ob)


def _need(r: _Reader, start: int, rep: Report) -> None:
    found: list[NeedReport] = []
    while (what := r.keyword("need_what")) is not None:
        found.append(NeedReport(what[0], start, what[2]))
    if not found:
        t = r.peek()
        rep.errors.append(f"NEED what? unknown {t.text!r}" if t else "NEED what?")
        if t:
            r.i += 1
        return
    num = r.number()
    if num is not None and num.value is not None:
        unit = r.keyword("unit")
        for n in found:
            n.quantity, n.unit = int(num.value), unit[0] if unit else None
            n.end = unit[2] if unit else num.end
    rep.needs.extend(found)


def _head(r: _Reader, rep: Report) -> None:
    """Place words (up to the first keyword, time or number), then a date and a time, in any clause."""
    words: list[Token] = []
    while (t := r.peek()) is not None and t.kind == "word" and not r.any_keyword():
        words.append(t)
        r.i += 1
    if words:
        rep.place = " ".join(w.text for w in words)
        rep.place_span = (words[0].start, words[-1].end)
    while (t := r.peek()) is not None and t.kind in ("date", "time"):
        r.i += 1
        if not _valid(t):
            rep.errors.append(f"{t.text}: not a {'date (DD.MM)' if t.kind == 'date' else 'time (HH:MM)'}")
        elif t.kind == "date":
            rep.day = t.text
        else:
            rep.time, rep.time_span = t.text, (t.start, t.end)


def _valid(t: Token) -> bool:
    parts = [int(x) for x in re.split(r"[.:]", t.text)]
    if t.kind == "time":
        return parts[0] < 24 and parts[1] < 60
    try:
        date(2000 if len(parts) < 3 else parts[2] % 100 + 2000, parts[1], parts[0])  # 2000: a leap year
    except ValueError:
        return False
    return True


def parse(text: str, *, clean_only: bool = False) -> Report:
    """Read a report; never raises on odd input: what cannot be read goes to `errors`.

    `clean_only` stops at the first error: for prose, which is most text, the caller only wants to know
    that it is not a clean terse report, and the first unknown word says so.
    """
    rep = Report()
    if len(text) > MAX_CHARS:
        rep.errors.append(f"longer than {MAX_CHARS} characters")
        return rep
    tab = table()
    votes: dict[str, int] = {}
    for clause in _clauses(tokenize(text)):
        r = _Reader(clause, tab, votes)
        _head(r, rep)
        while not r.done():
            if (sv := r.keyword("service")) is not None:
                _observation(r, sv, rep)
            elif (nd := r.keyword("need")) is not None:
                _need(r, nd[1], rep)
            else:
                t = r.toks[r.i]
                rep.errors.append(f"unknown word {t.text!r}")
                if clean_only:
                    return rep
                r.i += 1
    if votes:
        rep.lang = max(sorted(votes), key=lambda c: votes[c])
    if not (rep.observations or rep.needs or rep.errors):
        rep.errors.append("no service or need keyword (see docs/syntax-card.md)")
    return rep


def language_of(text: str) -> str | None:
    """The language of a text that is a clean terse report, else None (detection decides)."""
    if len(text) > MAX_CHARS:
        return None
    rep = parse(text)
    return rep.lang if rep.ok else None


# ---------------------------------------------------------------------------------------------------------
# The pipeline component.


def _resolve_place(words: str, lang: str, default_country: str = "KZ") -> Any:
    """The most specific gazetteer place the words name, near the city they name (if any)."""
    from ...geo import geoparser
    from ...geo.resolve import km

    gaz = geoparser().gaz
    toks = words.split()
    found = []
    for n in range(len(toks), 0, -1):
        for i in range(len(toks) - n + 1):
            cands = gaz.lookup(" ".join(toks[i:i + n]), lang)
            local = [c for c in cands if c.country == default_country] or cands
            if local:
                found.append(local[0])
    if not found:
        return None
    cities = [p for p in found if p.precision in ("city", "region", "country")]
    anchor = cities[0] if cities else found[0]
    rank = {"point": 0, "street": 1, "district": 2, "city": 3, "region": 4, "country": 5}
    near = [p for p in found if km(p.lat, p.lon, anchor.lat, anchor.lon) <= 40.0]
    return min(near, key=lambda p: rank.get(p.precision, 9))


def _reference_moment(doc: Document) -> datetime:
    """When the report was written: its published time, else when it was received."""
    zone = ZoneInfo(doc.tz)
    if doc.published:
        value = datetime.fromisoformat(doc.published) if len(doc.published) > 10 else \
            datetime.combine(date.fromisoformat(doc.published), datetime.max.time())
        return value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)
    if doc.provenance.received_at:
        return datetime.fromisoformat(doc.provenance.received_at.replace("Z", "+00:00")).astimezone(zone)
    return datetime.now(UTC).astimezone(zone)


def _z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def report_time(rep: Report, doc: Document) -> tuple[datetime, datetime, str] | None:
    """[begin, end) local and the precision: HH:MM on the report's day, or the day before when later."""
    ref = _reference_moment(doc)
    day = ref.date()
    if rep.day:
        parts = [int(x) for x in rep.day.split(".")]
        year = parts[2] if len(parts) > 2 else ref.year
        day = date(year + 2000 if year < 100 else year, parts[1], parts[0])
    if rep.time:
        hh, mm = (int(x) for x in rep.time.split(":"))
        begin = datetime(day.year, day.month, day.day, hh, mm, tzinfo=ref.tzinfo)
        if not rep.day and begin > ref + timedelta(minutes=5):
            begin -= timedelta(days=1)  # "23:00" sent at 08:00 speaks of last night
        return begin, begin + timedelta(minutes=1), "minute"
    if rep.day:
        begin = datetime(day.year, day.month, day.day, tzinfo=ref.tzinfo)
        return begin, begin + timedelta(days=1), "day"
    return None


def _time_ref(doc: Document, rep: Report) -> TimeRef | None:
    span = rep.time_span
    resolved = report_time(rep, doc)
    if span is None or resolved is None:
        return None
    begin, end, precision = resolved
    for t in doc.times:  # the time extractor read the same words: correct it in place, ids stay valid
        if (t.start, t.end) == span:
            ref = t
            break
    else:
        ref = TimeRef(start=span[0], end=span[1])
        doc.times.append(ref)
    ref.text, ref.timex_type = doc.text[span[0]:span[1]], "TIME"
    ref.value, ref.begin, ref.until = begin.strftime("%Y-%m-%dT%H:%M"), _z(begin), _z(end)
    ref.tz, ref.precision, ref.resolved, ref.extractor, ref.confidence = doc.tz, precision, True, TAG, 0.95
    ref.note = "terse report time"
    return ref


def _place_ref(doc: Document, rep: Report, lang: str) -> PlaceRef | None:
    if rep.place is None or rep.place_span is None:
        return None
    place = _resolve_place(rep.place, lang)
    for p in doc.places:
        if (p.start, p.end) == rep.place_span:
            ref = p
            break
    else:
        ref = PlaceRef(start=rep.place_span[0], end=rep.place_span[1])
        doc.places.append(ref)
    ref.text, ref.extractor = rep.place, TAG
    if place is not None:
        ref.name, ref.place_id, ref.lat, ref.lon = place.name, place.id, place.lat, place.lon
        ref.precision, ref.country, ref.admin1 = place.precision, place.country, place.admin1
        ref.confidence = 0.9
    else:
        ref.confidence = 0.3  # named but unknown to the gazetteer: shown as written
    return ref


def apply(doc: Document, rep: Report) -> None:
    """Replace the free-text reading of a terse report by its parse (services, needs, time, place)."""
    for ref in (*doc.times, *doc.places):
        if not ref.id:
            ref.assign_id(doc.id)
    time_ref, place_ref = _time_ref(doc, rep), _place_ref(doc, rep, rep.lang or doc.lang)
    for new in (time_ref, place_ref):
        if new is not None and not new.id:
            new.assign_id(doc.id)
    first_hand = doc.provenance.channel in FIRST_HAND_CHANNELS
    time_id, place_id = (time_ref.id if time_ref else None), (place_ref.id if place_ref else None)
    doc.services = [s for s in doc.services if not s.extractor.startswith("khronika.services")]
    doc.needs = [n for n in doc.needs if not n.extractor.startswith("khronika.services")]
    for ob in rep.observations:
        st = doc.statement_at(ob.start)
        evidence = "witnessed" if first_hand else (st.evidence if st else None)
        for service in ob.services:
            quals = dict(ob.qualifiers)
            if len(ob.services) > 1:
                quals["generic_mention"] = True
            doc.services.append(ServiceObservation(
                start=ob.start, end=ob.end, extractor=TAG, confidence=0.9, service=service,
                state=ob.state or "", qualifiers=quals, statement_id=st.id if st else None, evidence=evidence,
                time_id=time_id, place_id=place_id,
            ))
    for nd in rep.needs:
        st = doc.statement_at(nd.start)
        doc.needs.append(Need(
            start=nd.start, end=nd.end, extractor=TAG, confidence=0.9, need=nd.need,
            statement_id=st.id if st else None,
            evidence="witnessed" if first_hand else (st.evidence if st else None),
            time_id=time_id, place_id=place_id,
        ))


def accepts(doc: Document, rep: Report) -> bool:
    """A clean parse anywhere; from an SMS or terse channel, any parse that found something."""
    if rep.ok:
        return True
    return doc.provenance.channel in FIRST_HAND_CHANNELS and bool(rep.observations or rep.needs)


@component(NAME, version=VERSION, requires=("statements", "times", "places", "services"),
           assigns=("services", "needs", "times", "places"))
def make_terse() -> Callable[[Document], None]:
    table()  # build the keyword table once, up front

    def run(doc: Document) -> None:
        if len(doc.text) > MAX_CHARS:
            return
        rep = parse(doc.text, clean_only=doc.provenance.channel not in FIRST_HAND_CHANNELS)
        if accepts(doc, rep):
            apply(doc, rep)

    return run
