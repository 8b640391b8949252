"""Named victims: a person's name next to a fate (killed, injured, detained, missing).

Read per testimony (or the whole text when there is none), with the cues of `victims` in
lang/<code>/events.yaml:

- a name with a fate next to it ("X was shot dead", "killed X", "застрелили моего друга X"), or after
  a kin verb and a relation noun ("I lost my friend X", "потерял друга X");
- a person introduced without a fate ("they brought in a young man, X") who gets one from a pronoun
  in the following sentences ("the looters shot him", "he died", "его застрелили"): the pronoun
  goes to the last named person before it in the same testimony;
- a need of the victim's family stated later in the testimony (the body cannot be collected, the
  death cannot be registered: `body_release` of vocab/needs.yaml).

The speaker of a testimony is a witness, never its victim. Mentions of one person are merged.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from khronika import lang as langpacks
from khronika.extract.prefilter import Prefiltered
from khronika.model import Document, Event, TimeRef, Victim

TAG = "khronika.events@1"
_NOT_NAMES = {
    "police",
    "the",
    "on",
    "in",
    "at",
    "security",
    "government",
    "army",
    "al",
    "as",
    "sna",
    "one",
    "a",
    "an",
    "they",
    "he",
    "she",
    "it",
    "this",
    "that",
    "there",
    "local",
    "unknown",
    "two",
    "three",
}
_GRAVITY = {"killed": 0, "missing": 1, "detained": 2, "injured": 3}
_PRONOUN_REACH = 3  # sentences after a name within which "he"/"him" still points at that person
_NEEDS_REACH = 1200  # characters after a victim's mention where the family's needs are read
_NAME_NEAR = 250  # characters before a body-release phrase where the person's name must be
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)
_VERB_PAST = {"shot dead": "shot dead", "beat to death": "beaten to death"}


@dataclass
class _Rx:
    fate: str
    rx: Prefiltered


@dataclass
class Mention:
    """A named person in the text; `fate` None while no cue says what happened to them."""

    start: int
    end: int
    name: str
    fate: str | None
    perpetrator: str | None = None
    how: str | None = None
    fate_at: int | None = None  # where the fate was read (for the time of the event)
    linked: bool = False  # fate read from a pronoun
    sentence: tuple[int, int] = (0, 0)


@dataclass
class _Fate:
    start: int
    end: int
    fate: str
    perpetrator: str | None
    how: str | None


@dataclass
class VictimReader:
    lang: str
    ok: bool = False
    after: list[_Rx] = field(default_factory=list)
    before: list[_Rx] = field(default_factory=list)
    intro: Prefiltered | None = None
    pronoun: list[_Rx] = field(default_factory=list)
    perp: re.Pattern[str] | None = None
    body: Prefiltered | None = None

    @classmethod
    def build(cls, lang: str) -> VictimReader:
        v: dict[str, Any] = langpacks.load(lang, "events").get("victims") or {}
        self = cls(lang, bool(v))
        if not self.ok:
            return self
        name, age = v["name"], v.get("age", "")
        rel = f"(?i:{v['relation']})?" if v.get("relation") else ""
        self.after = [
            _Rx(f, Prefiltered(rf"{name}{age}\s+(?:{'|'.join(p)})\b")) for f, p in v.get("fates", {}).items()
        ]
        self.before = [
            _Rx(f, Prefiltered(rf"\b(?:{'|'.join(p)})\s+{rel}{name}\b"))
            for f, p in v.get("before", {}).items()
        ]
        if v.get("relation"):
            self.before += [
                _Rx(f, Prefiltered(rf"\b(?i:{'|'.join(p)})\s+(?i:{v['relation']}){name}\b"))
                for f, p in v.get("kin_before", {}).items()
            ]
        if v.get("appositive"):
            self.intro = Prefiltered(rf"(?i:{v['appositive']})(?-i:{name})\b")
        self.pronoun = [
            _Rx(f, Prefiltered(p, re.I)) for f, ps in (v.get("pronoun_fates") or {}).items() for p in ps
        ]
        self.perp = re.compile(v["perpetrator"], re.I) if v.get("perpetrator") else None
        phrases = ((langpacks.load(lang, "needs").get("needs") or {}).get("body_release") or {}).get(
            "phrases"
        )
        if phrases:
            self.body = Prefiltered(rf"(?<!\w)(?:{'|'.join(f'(?:{p})' for p in phrases)})(?!\w)", re.I)
        return self

    # -- named mentions
    def find(self, text: str) -> list[tuple[int, int, str, str, str | None]]:
        """(start, end, name, fate, perpetrator) for each named victim with a fate next to the name."""
        return [(m.start, m.end, m.name, m.fate or "", m.perpetrator) for m in self.named(text) if m.fate]

    def named(self, text: str) -> list[Mention]:
        """Named persons, with the fate next to the name if any; at one name the gravest fate wins."""
        if not self.ok:
            return []
        low = text.lower()
        out: list[Mention] = []
        for group in (self.after, self.before):
            for rx in group:
                for m in rx.rx.finditer(text, low):
                    men = self._mention(text, m, rx.fate)
                    if men is not None:
                        out.append(men)
        if self.intro is not None:
            for m in self.intro.finditer(text, low):
                men = self._mention(text, m, None)
                if men is not None:
                    out.append(men)
        out.sort(key=lambda o: (o.start, _GRAVITY.get(o.fate or "", 9)))
        kept: list[Mention] = []
        for o in out:
            if not kept or o.start >= kept[-1].end:
                kept.append(o)
        return kept

    def _mention(self, text: str, m: re.Match[str], fate: str | None) -> Mention | None:
        nm = m.group("name").strip()
        nm, shift = _trim_sentence_start(text, m.start("name"), nm)
        if nm.split()[0].lower() in _NOT_NAMES or len(nm) < 4:
            return None
        perp = None
        if fate is not None and self.perp is not None:
            pm = self.perp.match(text[m.end() : m.end() + 80].lstrip()) or self.perp.search(
                text[m.start() : m.end() + 60]
            )
            perp = pm.group("by") if pm else None
        start = m.start("name") + shift
        return Mention(start, m.end("name"), nm, fate, perp, fate_at=m.start() if fate else None)

    # -- fates told by a pronoun
    def pronoun_fates(self, text: str) -> list[_Fate]:
        low = text.lower()
        out: list[_Fate] = []
        for rx in self.pronoun:
            for m in rx.rx.finditer(text, low):
                d = {k: v for k, v in m.groupdict().items() if v}
                out.append(_Fate(m.start(), m.end(), rx.fate, d.get("by"), d.get("how")))
        return sorted(out, key=lambda f: (f.start, _GRAVITY.get(f.fate, 9)))


_PATRONYMIC = re.compile(r"(?:вич|вна|ична|ьич)(?:а|у|ем|ом|ой|е)?$")


def _trim_sentence_start(text: str, start: int, name: str) -> tuple[str, int]:
    """Drop a capitalised sentence-initial word glued to a name ("Соседа Ерлана Касымова")."""
    parts = name.split()
    at_start = (
        start == 0 or text[:start].rstrip().endswith((".", "!", "?", "\n")) or text[:start].strip() == ""
    )
    if at_start and len(parts) == 3 and not _PATRONYMIC.search(parts[-1]):
        cut = name.index(parts[1])
        return name[cut:], cut
    return name, 0


@lru_cache(maxsize=8)
def reader(lang: str) -> VictimReader:
    return VictimReader.build(lang)


def _line(text: str, start: int, end: int) -> str:
    """The sentence around a span, on one line, for Victim.circumstances."""
    s = max(text.rfind(".", 0, start), text.rfind("\n", 0, start)) + 1
    e_dot = [i for i in (text.find(".", end), text.find("\n", end)) if i != -1]
    e = min(e_dot) + 1 if e_dot else len(text)
    return " ".join(text[s:e].split())


# ----------------------------------------------------------------------------- per testimony


def _units(doc: Document) -> list[tuple[int, int, str | None]]:
    """(start, end, speaker) of each testimony, or the whole text."""
    if doc.testimonies:
        return [(t.start, t.end, t.speaker) for t in sorted(doc.testimonies, key=lambda t: t.start)]
    return [(0, len(doc.text), None)]


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    from khronika.extract.events import sentences  # the events module owns sentence splitting

    return sentences(text, start, end)


def _is_speaker(name: str, speaker: str | None) -> bool:
    """A witness is not their own victim: any shared name word (4+ letters) with the speaker."""
    if not speaker:
        return False
    mine = {w.lower()[:5] for w in name.split() if len(w) >= 4}
    theirs = {w.lower()[:5] for w in re.findall(r"\w+", speaker) if len(w) >= 4}
    return bool(mine & theirs)


def _same_person(a: str, b: str) -> bool:
    """Two spellings of one name: same number of words, each pair sharing its first 4 letters
    (Russian case endings: "Армана Сейткали" / "Арман Сейткали")."""
    wa, wb = a.lower().split(), b.lower().split()
    return len(wa) == len(wb) and all(x[:4] == y[:4] for x, y in zip(wa, wb, strict=True))


def _sentence_of(sents: list[tuple[int, int]], pos: int) -> int:
    for i, (s, e) in enumerate(sents):
        if s <= pos < e:
            return i
    return -1


def _read_unit(r: VictimReader, text: str, lo: int, hi: int) -> list[Mention]:
    """Named persons of one testimony with their fates (doc offsets); pronoun fates linked."""
    chunk = text[lo:hi]
    sents = _sentences(text, lo, hi)
    named = r.named(chunk)
    for m in named:
        m.start, m.end = m.start + lo, m.end + lo
        m.fate_at = m.fate_at + lo if m.fate_at is not None else None
        i = _sentence_of(sents, m.start)
        m.sentence = sents[i] if i >= 0 else (m.start, m.end)
    for f in r.pronoun_fates(chunk):
        fs, fe = f.start + lo, f.end + lo
        fi = _sentence_of(sents, fs)
        prior = [m for m in named if m.end <= fs and fi - _sentence_of(sents, m.start) <= _PRONOUN_REACH]
        if not prior:
            continue
        m = prior[-1]  # the last named person before the pronoun
        if m.fate is None or _GRAVITY.get(f.fate, 9) < _GRAVITY.get(m.fate, 9):
            if m.fate is None:
                m.fate_at, m.linked = fs, True
            m.fate = f.fate
        m.perpetrator = m.perpetrator or f.perpetrator
        m.how = m.how or f.how
        if fi >= 0 and m.sentence != sents[fi] and m.sentence[1] < sents[fi][1] and m.linked:
            m.sentence = (m.sentence[0], sents[fi][1])
        _ = fe
    return named


def _merge(ms: list[Mention]) -> list[Mention]:
    """One mention per person: the first span, the gravest fate, the shortest spelling of the name."""
    out: list[Mention] = []
    for m in sorted(ms, key=lambda m: m.start):
        same = next((o for o in out if _same_person(o.name, m.name)), None)
        if same is None:
            out.append(m)
            continue
        if _GRAVITY.get(m.fate or "", 9) < _GRAVITY.get(same.fate or "", 9):
            if same.fate is None:
                same.fate_at, same.linked, same.sentence = m.fate_at, m.linked, m.sentence
            same.fate = m.fate
        same.perpetrator = same.perpetrator or m.perpetrator
        same.how = same.how or m.how
        if len(m.name) < len(same.name):
            same.name = m.name  # a case ending dropped: the nominative is usually the shortest
    return out


def _clean_perp(p: str | None) -> str | None:
    return _ARTICLE.sub("", p.strip()) if p else None


def _circumstances(text: str, m: Mention) -> str:
    """One line: what was done and by whom, then the sentence(s) that say it."""
    said = " ".join(text[m.sentence[0] : m.sentence[1]].split()) or _line(text, m.start, m.end)
    perp = _clean_perp(m.perpetrator)
    how = _VERB_PAST.get((m.how or "").lower(), (m.how or "").lower())
    head = f"{how} by {perp}" if how and perp else (how or (f"by {perp}" if perp else ""))
    return (f"{head}: {said}" if head else said)[:300]


def _time_for(
    doc: Document, m: Mention, day_of: Callable[[TimeRef], str | None], fallback: Event | None
) -> str | None:
    """A resolved day in the sentence that tells the fate (or names the person), else the event's."""
    spans = [m.sentence]
    for lo, hi in spans:
        days = [t for t in doc.times if lo <= t.start < hi and t.resolved and day_of(t)]
        if days:
            t = min(days, key=lambda t: abs(t.start - (m.fate_at or m.start)))
            if not t.id:
                t.assign_id(doc.id)
            return t.id
    return fallback.time_id if fallback else None


def _needs(r: VictimReader, text: str, m: Mention, unit_end: int) -> list[str]:
    """`body_release` when the testimony goes on about the body or the death certificate, or when a
    later passage about it names the person shortly before ("X's parents came. They could not take
    his body home")."""
    if r.body is None:
        return []
    if r.body.search(text[m.start : min(unit_end, m.end + _NEEDS_REACH)]) is not None:
        return ["body_release"]
    stems = [w.lower()[:4] for w in m.name.split() if len(w) >= 4]
    for b in r.body.finditer(text[m.end :]):
        near = text[max(m.end, m.end + b.start() - _NAME_NEAR) : m.end + b.end()].lower()
        if any(re.search(rf"(?<!\w){re.escape(s)}", near) for s in stems):
            return ["body_release"]
    return []


def find(doc: Document, lang: str, events: list[Event]) -> list[Victim]:
    """Victims named in the document, read testimony by testimony."""
    r = reader(lang)
    if not r.ok:
        return []
    day_of = _day_reader()
    out: list[Victim] = []
    for lo, hi, speaker in _units(doc):
        for m in _merge(_read_unit(r, doc.text, lo, hi)):
            if m.fate is None or _is_speaker(m.name, speaker):
                continue  # the witness tells of others
            st = doc.statement_at(m.start)
            if st is not None and not st.id:
                st.assign_id(doc.id)
            ev = min(
                (e for e in events if e.start <= m.end), key=lambda e: abs(e.start - m.start), default=None
            )
            out.append(
                Victim(
                    start=m.start,
                    end=m.end,
                    extractor=TAG,
                    confidence=0.5 if m.linked else 0.6,
                    statement_id=st.id if st else None,
                    evidence=st.evidence if st else None,
                    name=m.name,
                    count=1,
                    fate=m.fate or "killed",
                    time_id=_time_for(doc, m, day_of, ev),
                    place_id=ev.place_id if ev else None,
                    perpetrator=_clean_perp(m.perpetrator),
                    circumstances=_circumstances(doc.text, m),
                    needs=_needs(r, doc.text, m, hi),
                )
            )
    return out


def _day_reader() -> Callable[[TimeRef], str | None]:
    from khronika.extract.events import _day, _local_day

    ld = _local_day()
    return lambda t: _day(t, ld)
