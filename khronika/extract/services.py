"""Service observations and needs: the situation board's input.

For each statement (or, when the document has no statements, each sentence of the text) we find
service mentions ("the ATMs", "мобильный интернет"), state cues ("cut off", "не принимают"),
negations, qualifiers (withdrawal limits, queues, cash only, a VPN workaround, a one-operator scope)
and needs ("shortage of food", "забрать тело"). All words live in `lang/<code>/services.yaml` and
`lang/<code>/needs.yaml`; the vocabularies in `vocab/services.yaml`, `vocab/service_states.yaml` and
`vocab/needs.yaml`. Every regex runs once over the whole text, so the cost is a few passes of `re`.

Pairing a mention with a cue is clause-based: a sentence is cut at commas, dashes and words such as
"but" / "then"; a mention takes the nearest fitting cue of its own clause. A clause holding only a
continuation of a list ("..., water and gas") joins the clause before it. A mention without a cue takes
one from a neighbouring clause that has no mention of its own ("calls, not to everyone, reached only
inside Beeline"); a cue clause without a mention adds a second observation for the mention before it
("came back for an hour, then went off again").
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from khronika import lang as langpacks
from khronika import vocab
from khronika.extract.prefilter import CueIndex, WordAlternation
from khronika.model import Document, Item, Need, PlaceRef, ServiceObservation, Statement
from khronika.registry import component

__all__ = ["NAME", "VERSION", "make_services"]

NAME = "khronika.services"
VERSION = "1"
TAG = f"{NAME}@{VERSION}"

_FLAGS = re.IGNORECASE | re.UNICODE
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
# Punctuation that always ends a clause; the language pack adds words ("but", "потом").
_PUNCT_BREAK = r"[,;:()\[\]«»\"“”]|\s[-–—]+\s|^\s*[-–—]+\s"
_WORD = re.compile(r"\w+")
_SHORT_CLAUSE = 5  # words; "but some did not work", "then cut again at 18:00"
_NUMBER = r"\d+(?:[.,]\d+)?"
_MONEY_NUMBER = r"\d{1,3}(?:[ \u00a0\u202f,.]\d{3})+|\d+"
_QUALIFIER_KINDS = ("workaround", "scope", "cash_only", "queue", "limit")


def _alt(patterns: Iterable[str]) -> str:
    # Longer patterns first, so "card terminals?" wins over "cards?" at the same place.
    return "|".join(sorted((str(p) for p in patterns), key=len, reverse=True))


def _bounded(pattern: str) -> str:
    return rf"(?<!\w)(?:{pattern})(?!\w)"


def _compile(patterns: Iterable[str]) -> re.Pattern[str]:
    pats = list(patterns)
    return re.compile(_bounded(_alt(pats)) if pats else r"(?!x)x", _FLAGS)


@dataclass(frozen=True)
class _Cue:
    state: str
    only: frozenset[str] | None
    weak: bool
    closing: bool
    irrealis: bool = False  # "without": a state only when no modal frames it ("could gather without it")


@dataclass
class _Span:
    start: int
    end: int
    label: str  # service id / generic name / state / qualifier kind / need id
    cue: _Cue | None = None
    value: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Pack:
    """One language's compiled cues (built once per factory call and language)."""

    # The big cue alternations are tried only at word starts (prefilter.WordAlternation / CueIndex): the
    # same matches as one regex scanning every character, several times faster.
    mention_re: WordAlternation
    mention_groups: dict[str, str]
    cue_re: WordAlternation
    cue_groups: dict[str, _Cue]
    negation_re: re.Pattern[str]
    negword_re: re.Pattern[str]
    partial_re: re.Pattern[str]
    preemptive_re: re.Pattern[str]
    break_re: re.Pattern[str]
    continuation_re: re.Pattern[str]
    anaphora_re: re.Pattern[str]
    concessive_re: re.Pattern[str]
    irrealis_re: re.Pattern[str]
    others_re: re.Pattern[str]
    locative_re: re.Pattern[str]
    attachment_re: re.Pattern[str]
    complement_re: re.Pattern[str]
    qualifier_res: list[tuple[str, re.Pattern[str], str | None]]
    qualifier_index: CueIndex  # name i: the i-th pattern of qualifier_res, each matched on its own
    withdrawal_re: re.Pattern[str]
    per_person_re: re.Pattern[str]
    money_re: re.Pattern[str]
    usd_re: re.Pattern[str]
    count_re: re.Pattern[str]
    duration_re: re.Pattern[str]
    duration_phrases: dict[str, str]
    numbers: dict[str, float]
    generic: dict[str, list[str]]
    need_phrase_re: WordAlternation
    need_phrase_groups: dict[str, str]
    need_noun_re: WordAlternation
    need_noun_groups: dict[str, str]
    lack_re: re.Pattern[str]


def _grouped(
    entries: Sequence[tuple[str, list[str]]], prefix: str
) -> tuple[WordAlternation, dict[str, str]]:
    """One alternation with a named group per label; `m.lastgroup` tells which label matched."""
    parts, names = [], {}
    for i, (label, pats) in enumerate(entries):
        if not pats:
            continue
        name = f"{prefix}{i}"
        names[name] = label
        parts.append(f"(?P<{name}>{_alt(pats)})")
    return WordAlternation(parts or [r"(?!x)x"], _FLAGS), names


def _build_pack(code: str) -> _Pack | None:
    data = langpacks.load(code, "services")
    needs = langpacks.load(code, "needs")
    if not data:
        return None
    known = set(vocab.ids("services")) | set(data.get("generic", {}))
    mention_entries: list[tuple[str, list[str]]] = [("_block", list(data.get("block", [])))]
    for service, pats in data["mentions"].items():
        if service not in known:
            raise ValueError(f"lang/{code}/services.yaml: unknown service {service!r}")
        mention_entries.append((service, list(pats)))
    mention_re, mention_groups = _grouped(mention_entries, "m")

    states = set(vocab.ids("service_states"))
    cue_parts, cue_groups = [], {}
    for i, grp in enumerate(data["states"]):
        if grp["state"] not in states:
            raise ValueError(f"lang/{code}/services.yaml: unknown state {grp['state']!r}")
        name = f"c{i}"
        only = frozenset(grp["only"]) if grp.get("only") else None
        cue_groups[name] = _Cue(grp["state"], only, bool(grp.get("weak")), bool(grp.get("closing")),
                                bool(grp.get("irrealis")))
        # Order of groups is kept: an earlier group wins when two cues start at the same place.
        cue_parts.append(f"(?P<{name}>{_alt(grp['patterns'])})")
    cue_re = WordAlternation(cue_parts, _FLAGS)

    window = int(data.get("negation_window", 2))
    negation_re = re.compile(
        rf"(?<!\w)(?:{_alt(data.get('negation', []))})(?:\W+\w+){{0,{window}}}\W*$", _FLAGS
    )
    breaks = rf"{_PUNCT_BREAK}|{_bounded(_alt(data.get('clause_breaks', [])))}"

    quals: list[tuple[str, re.Pattern[str], str | None]] = []
    qual_pats: list[str] = []  # the same patterns, unwrapped: CueIndex adds the word bounds itself
    qdata = data.get("qualifiers", {})
    for kind in _QUALIFIER_KINDS:
        for entry in qdata.get(kind, []):
            pat, value = (entry["pattern"], entry.get("value")) if isinstance(entry, dict) else (entry, None)
            quals.append((kind, re.compile(_bounded(pat), _FLAGS), value))
            qual_pats.append(pat)

    numbers = {str(k).lower(): float(v) for k, v in data.get("numbers", {}).items()}
    num_alt = _alt([_NUMBER, *(re.escape(k) for k in numbers)])
    kzt = _alt(data["currency"]["KZT"])
    thousand = _alt(data.get("thousand", ["thousand"]))
    money_re = re.compile(rf"(?P<num>{_MONEY_NUMBER})\s*(?P<thou>{thousand})?\s*(?:{kzt})(?!\w)", _FLAGS)
    usd = _alt(data["currency"]["USD"])
    usd_re = re.compile(rf"(?:\$\s*(?P<a>\d+)|(?P<b>\d+)\s*(?:{usd})(?!\w))", _FLAGS)
    units = data.get("duration_units", {})
    half = _alt(data.get("half", ["and a half"]))
    duration_re = re.compile(
        rf"(?<!\w)(?P<num>{num_alt})(?P<half>\s+{half})?\s*(?:(?P<h>{_alt(units.get('hour', ['hours?']))})"
        rf"|(?P<m>{_alt(units.get('minute', ['minutes?']))}))(?!\w)(?P<half2>\s+{half})?",
        _FLAGS,
    )
    count_re = re.compile(rf"(?<!\w)(?:{num_alt})(?!\w)", _FLAGS)

    phrase_entries = [(nid, list(spec.get("phrases", []))) for nid, spec in needs.get("needs", {}).items()]
    noun_entries = [(nid, list(spec.get("nouns", []))) for nid, spec in needs.get("needs", {}).items()]
    need_ids = set(vocab.ids("needs"))
    for nid, _ in phrase_entries:
        if nid not in need_ids:
            raise ValueError(f"lang/{code}/needs.yaml: unknown need {nid!r}")
    need_phrase_re, need_phrase_groups = _grouped(phrase_entries, "p")
    need_noun_re, need_noun_groups = _grouped(noun_entries, "n")

    cont = _bounded(_alt(data.get("continuation", ["and"])))
    locative = _alt(data.get("locative", []) or ["(?!x)x"])
    return _Pack(
        mention_re=mention_re,
        mention_groups=mention_groups,
        cue_re=cue_re,
        cue_groups=cue_groups,
        negation_re=negation_re,
        negword_re=_compile(data.get("negation", [])),
        partial_re=_compile(data.get("partial", [])),
        preemptive_re=_compile(data.get("preemptive", [])),
        break_re=re.compile(breaks, _FLAGS),
        continuation_re=re.compile(
            rf"^(?:[\s,.;:!?()\-–—]|{_bounded(_alt(data.get('continuation', ['and'])))})*$", _FLAGS
        ),
        anaphora_re=re.compile(rf"\W*(?:{cont}\W+)*{_bounded(_alt(data.get('anaphora', ['it'])))}", _FLAGS),
        concessive_re=re.compile(rf"\W*{_bounded(_alt(data.get('concessive') or ['(?!x)x']))}", _FLAGS),
        irrealis_re=_compile(data.get("irrealis", [])),
        others_re=re.compile(rf"\W*(?:{cont}\W+)*{_bounded(_alt(data.get('others') or ['(?!x)x']))}", _FLAGS),
        locative_re=re.compile(rf"(?<!\w)(?:{locative})(?:\s+the)?(?:\s+\w+)?\s*$", _FLAGS),
        complement_re=_complement_re(data),
        attachment_re=re.compile(
            rf"\s+(?:{_alt(data.get('attachment', []) or ['(?!x)x'])})\s+(?:\w+\s+)?$", _FLAGS
        ),
        qualifier_res=quals,
        qualifier_index=CueIndex(((i, [p]) for i, p in enumerate(qual_pats)), _FLAGS),
        withdrawal_re=_compile(qdata.get("withdrawal", [])),
        per_person_re=_compile(qdata.get("per_person", [])),
        money_re=money_re,
        usd_re=usd_re,
        count_re=count_re,
        duration_re=duration_re,
        duration_phrases={str(k).lower(): str(v) for k, v in data.get("duration_phrases", {}).items()},
        numbers=numbers,
        generic={k: list(v) for k, v in data.get("generic", {}).items()},
        need_phrase_re=need_phrase_re,
        need_phrase_groups=need_phrase_groups,
        need_noun_re=need_noun_re,
        need_noun_groups=need_noun_groups,
        lack_re=_compile(needs.get("lack", [])),
    )


def _complement_re(data: dict[str, Any]) -> re.Pattern[str]:
    """Text between two mentions that makes the second a place of the first ("... accepted in any shop")."""
    stop = _bounded(_alt(data.get("coordinators") or ["(?!x)x"]))
    prep = _alt(data.get("attachment") or ["(?!x)x"])
    det = _alt(data.get("determiners") or ["(?!x)x"])
    return re.compile(rf"(?:(?!{stop})[^,.;:!?()\n])*\s(?:{prep})\s+(?:(?:{det})\s+)?$", _FLAGS)


# ---------------------------------------------------------------------------------------------------------
# Units of text: statements cut into sentences, with a clause index for every offset.


@dataclass
class _Sentence:
    start: int
    end: int
    statement: Statement | None
    breaks: list[int]  # start offsets of clause breaks, sorted
    mentions: list[_Span] = field(default_factory=list)
    cues: list[_Span] = field(default_factory=list)
    quals: list[_Span] = field(default_factory=list)
    merged: dict[int, int] = field(default_factory=dict)  # clause -> clause it continues

    def clause(self, pos: int) -> int:
        k = bisect.bisect_right(self.breaks, pos)
        return self.merged.get(k, k)


def _sentences(doc: Document, pack: _Pack) -> list[_Sentence]:
    units: list[tuple[int, int, Statement | None]]
    if doc.statements:
        units = [(st.start, st.end, st) for st in sorted(doc.statements, key=lambda s: s.start)]
    else:
        units = [(0, len(doc.text), None)]
    out: list[_Sentence] = []
    for ustart, uend, st in units:
        pos = ustart
        for m in _SENTENCE_END.finditer(doc.text, ustart, uend):
            if m.start() > pos:
                out.append(_sentence(doc.text, pos, m.start(), st, pack))
            pos = m.end()
        if uend > pos:
            out.append(_sentence(doc.text, pos, uend, st, pack))
    return out


def _sentence(text: str, start: int, end: int, st: Statement | None, pack: _Pack) -> _Sentence:
    breaks = [m.start() for m in pack.break_re.finditer(text, start, end)]
    return _Sentence(start, end, st, breaks)


def _bucket(sentences: list[_Sentence], spans: Iterable[_Span], attr: str) -> None:
    starts = [s.start for s in sentences]
    for sp in spans:
        i = bisect.bisect_right(starts, sp.start) - 1
        if i >= 0 and sp.end <= sentences[i].end:
            getattr(sentences[i], attr).append(sp)


# ---------------------------------------------------------------------------------------------------------
# Finding spans.


def _find_mentions(text: str, pack: _Pack) -> list[_Span]:
    out: list[_Span] = []
    for m in pack.mention_re.finditer(text):
        label = pack.mention_groups[m.lastgroup or ""]
        if label == "_block":
            continue
        # "near Mega", "at the Green Bazaar": a capitalised name after a locative is a place, not a service.
        if m.group(0)[:1].isupper() and pack.locative_re.search(text, max(0, m.start() - 20), m.start()):
            continue
        # "the card terminal in my shop": the second mention only says where the first one is.
        if out and m.start() - out[-1].end < 25 and pack.attachment_re.match(text, out[-1].end, m.start()):
            continue
        # "cards are not accepted in any shop": a place where the first service is (not) found.
        if out and m.start() - out[-1].end < 40 and pack.complement_re.match(text, out[-1].end, m.start()):
            continue
        out.append(_Span(m.start(), m.end(), label))
    return out


def _find_quals(text: str, pack: _Pack) -> list[_Span]:
    out: list[_Span] = []
    for i, m in pack.qualifier_index.finditer(text):  # by pattern, then offset: as one finditer each
        kind, _rx, value = pack.qualifier_res[i]
        out.append(_Span(m.start(), m.end(), kind, value={"value": value} if value else {}))
    out.sort(key=lambda s: (s.start, -s.end))
    kept: list[_Span] = []
    for q in out:  # one qualifier per place: the first (longest) one
        if kept and q.start < kept[-1].end and q.label == kept[-1].label:
            continue
        kept.append(q)
    return kept


def _find_cues(text: str, pack: _Pack, quals: list[_Span]) -> list[_Span]:
    qranges = [(q.start, q.end) for q in quals if q.label in ("limit", "cash_only", "workaround", "scope")]
    out = []
    for m in pack.cue_re.finditer(text):
        if any(a <= m.start() < b or a < m.end() <= b for a, b in qranges):
            continue  # "no more than 20,000 tenge" is a limit, not "no"
        out.append(_Span(m.start(), m.end(), "", cue=pack.cue_groups[m.lastgroup or ""]))
    return out


# ---------------------------------------------------------------------------------------------------------
# Pairing and states.


@dataclass
class _Obs:
    mention: _Span
    services: list[str]
    state: str | None
    cue: _Span | None
    confidence: float
    qualifiers: dict[str, Any] = field(default_factory=dict)
    extra_span: tuple[int, int] | None = None


def _fits(cue: _Span, services: list[str]) -> bool:
    assert cue.cue is not None
    return cue.cue.only is None or any(s in cue.cue.only for s in services)


def _nearest(m: _Span, cues: list[_Span]) -> _Span | None:
    if not cues:
        return None
    strong = [c for c in cues if c.cue and not c.cue.weak] or cues

    def dist(c: _Span) -> tuple[int, int]:
        gap = c.start - m.end if c.start >= m.end else m.start - c.end
        return (max(gap, 0), 0 if c.start >= m.end else 1)  # on a tie, the predicate after the subject

    return min(strong, key=dist)


class _Resolver:
    """Turns mentions of one document into services, resolving generic ones by the last specific mention."""

    def __init__(self, pack: _Pack, mentions: list[_Span]) -> None:
        self.generic = pack.generic
        self.history: dict[str, list[tuple[int, str]]] = {}
        for g, members in pack.generic.items():
            self.history[g] = [(m.start, m.label) for m in mentions if m.label in members]

    def services(self, m: _Span) -> tuple[list[str], float]:
        if m.label not in self.generic:
            return [m.label], 1.0
        hist = self.history[m.label]
        i = bisect.bisect_left(hist, (m.start, "")) - 1
        if i >= 0:
            return [hist[i][1]], 0.85
        return list(self.generic[m.label]), 0.7


def _state_of(text: str, sent: _Sentence, m: _Span, cue: _Span, pack: _Pack) -> str:
    assert cue.cue is not None
    state = cue.cue.state
    clause_start = max([b for b in sent.breaks if b <= cue.start] or [sent.start])
    # A negation reaches only back to the previous cue: "did not work without the internet"; a cue that is
    # itself a negation word ("no card terminal working") does not stop it.
    ends = [
        c.end for c in sent.cues if c.end <= cue.start and not pack.negword_re.fullmatch(text, c.start, c.end)
    ]
    prev_end = max(ends or [sent.start])
    prefix = text[max(clause_start, cue.start - 40, prev_end):cue.start]
    if pack.negation_re.search(prefix):
        state = str(vocab.entry("service_states", state).get("negated", state))
    if state == "down" and cue.cue.closing and pack.preemptive_re.search(text, sent.start, sent.end):
        return "closed_preemptively"
    if state == "down":
        for pos in (m.start, cue.start):
            lo = max([b for b in sent.breaks if b <= pos] or [sent.start])
            if pack.partial_re.search(text, lo, pos):
                return "degraded"
    return state


def _pair(text: str, sent: _Sentence, pack: _Pack, resolver: _Resolver) -> list[_Obs]:
    _merge_list_clauses(text, sent, pack)
    by_clause: dict[int, list[_Span]] = {}
    for m in sent.mentions:
        by_clause.setdefault(sent.clause(m.start), []).append(m)
    used: set[int] = set()
    out: list[_Obs] = []
    for m in sent.mentions:
        services, conf = resolver.services(m)
        k = sent.clause(m.start)
        fitting = [c for c in sent.cues if _fits(c, services)]
        own = [c for c in fitting if sent.clause(c.start) == k]
        cue = _nearest(m, own)
        if cue is not None and cue.cue and cue.cue.state == "working":
            # "works with interruptions": a degrading cue in the clause qualifies the working one
            cue = next((c for c in own if c.cue and c.cue.state == "degraded"), None) or (
                _concession(text, sent, m, fitting, pack) or cue)
        if cue is not None and _irrealis(text, sent, cue, pack):
            cue = None  # "they can gather without the internet" says nothing about the internet now
        if cue is None:
            conf *= 0.8
            cue = _borrow(text, sent, m, fitting, by_clause, pack)
        state = _state_of(text, sent, m, cue, pack) if cue else None
        if cue is not None:
            used.add(cue.start)
            conf *= 0.6 if cue.cue and cue.cue.weak else 0.85
        out.append(_Obs(m, services, state, cue, conf))
    out.extend(_orphan_cues(text, sent, pack, resolver, by_clause, used))
    return out


def _irrealis(text: str, sent: _Sentence, cue: _Span, pack: _Pack) -> bool:
    if cue.cue is None or not cue.cue.irrealis:
        return False
    lo = max([b for b in sent.breaks if b <= cue.start] or [sent.start])
    return pack.irrealis_re.search(text, lo, cue.start) is not None


def _concession(text: str, sent: _Sentence, m: _Span, fitting: list[_Span], pack: _Pack) -> _Span | None:
    """A degrading cue in a neighbouring concessive clause without a mention of its own.

    "..., although it is unstable, there is mobile connection"; "calls work, though with delays".
    """
    k, last = bisect.bisect_right(sent.breaks, m.start), len(sent.breaks)
    for step in (-1, 1):
        j = k + step
        while 0 <= j <= last and not _WORD.search(text, *_clause_bounds(sent, j)):
            j += step  # skip the empty clause between a comma and the word that also breaks
        if not 0 <= j <= last:
            continue
        lo, hi = _clause_bounds(sent, j)
        if not pack.concessive_re.match(text, lo, hi) or any(lo <= x.start < hi for x in sent.mentions):
            continue
        cue = next((c for c in fitting if lo <= c.start < hi and c.cue and c.cue.state == "degraded"), None)
        if cue is not None:
            return cue
    return None


def _clause_bounds(sent: _Sentence, k: int) -> tuple[int, int]:
    lo = sent.breaks[k - 1] if k > 0 else sent.start
    hi = sent.breaks[k] if k < len(sent.breaks) else sent.end
    return lo, hi


def _only_mentions(text: str, lo: int, hi: int, ms: list[_Span], pack: _Pack) -> bool:
    rest, pos = [], lo
    for m in ms:
        if lo <= m.start and m.end <= hi:
            rest.append(text[pos:m.start])
            pos = m.end
    rest.append(text[pos:hi])
    return bool(pack.continuation_re.match(" ".join(rest)))


def _borrow(
    text: str, sent: _Sentence, m: _Span, fitting: list[_Span], by_clause: dict[int, list[_Span]], pack: _Pack
) -> _Span | None:
    """A cue for a mention whose clause has none, from a neighbouring clause without mentions.

    A bare subject clause ("and calls,") may take its predicate from either side; a fuller clause only
    from the next one, and only when that clause opens with a pronoun ("Mega - it is closed").
    """
    k = sent.clause(m.start)
    lo, hi = _clause_bounds(sent, bisect.bisect_right(sent.breaks, m.start))
    strong = [c for c in fitting if c.cue and not c.cue.weak]
    if _only_mentions(text, lo, hi, by_clause.get(k, []), pack):
        order = [k + 1, k + 2, k - 1, k - 2]
    elif pack.anaphora_re.match(text, hi + 1, sent.end):
        order = [k + 1]
    else:
        return None
    for j in order:
        if j in by_clause and not (j == k + 1 and order[0] == k + 1):
            continue
        cue = _nearest(m, [c for c in strong if sent.clause(c.start) == j])
        if cue is not None:
            return cue
    return None


def _merge_list_clauses(text: str, sent: _Sentence, pack: _Pack) -> None:
    """A clause holding only listed services ("water and gas") continues the clause before it."""
    cue_clauses = {bisect.bisect_right(sent.breaks, c.start) for c in sent.cues}
    spans: dict[int, list[_Span]] = {}
    for m in sent.mentions:
        spans.setdefault(bisect.bisect_right(sent.breaks, m.start), []).append(m)
    for k, ms in sorted(spans.items()):
        if k == 0 or k in cue_clauses or k - 1 not in spans:
            continue
        lo, hi = _clause_bounds(sent, k)
        # Only a list that goes on from a mention: "turn off the electricity, water and gas" merges,
        # "the internet was cut off, and calls, ..." does not (the clause before ends with its verb).
        last = spans[k - 1][-1]
        if _only_mentions(text, last.end, lo, [], pack) and _only_mentions(text, lo, hi, ms, pack):
            sent.merged[k] = sent.merged.get(k - 1, k - 1)


def _continues(text: str, sent: _Sentence, pos: int, pack: _Pack) -> bool:
    """Does the clause at `pos` go on about the mention before it? A pronoun or a short predicate."""
    lo, hi = _clause_bounds(sent, bisect.bisect_right(sent.breaks, pos))
    if pack.others_re.match(text, lo + 1, hi):
        return False
    if pack.anaphora_re.match(text, lo + 1, hi):
        return True
    return len(_WORD.findall(text, lo + 1, hi)) <= _SHORT_CLAUSE


def _orphan_cues(
    text: str,
    sent: _Sentence,
    pack: _Pack,
    resolver: _Resolver,
    by_clause: dict[int, list[_Span]],
    used: set[int],
) -> list[_Obs]:
    """A cue clause without a mention describes the last mention before it ("..., then cut again")."""
    out: list[_Obs] = []
    for c in sent.cues:
        k = sent.clause(c.start)
        if c.start in used or k in by_clause or (c.cue and c.cue.weak):
            continue
        prev = [j for j in by_clause if k - 2 <= j < k]
        if not prev or not _continues(text, sent, c.start, pack):
            continue
        m = by_clause[max(prev)][-1]
        services, conf = resolver.services(m)
        if not _fits(c, services):
            continue
        used.add(c.start)
        out.append(_Obs(m, services, _state_of(text, sent, m, c, pack), c, conf * 0.6))
    return out


# ---------------------------------------------------------------------------------------------------------
# Qualifiers.


def _number(pack: _Pack, s: str) -> float | None:
    s = s.strip().lower()
    if s in pack.numbers:
        return pack.numbers[s]
    try:
        return float(s.replace(",", "."))
    except ValueError:
        return None


def _duration(text: str, sent: _Sentence, near: int, pack: _Pack) -> str | None:
    best: tuple[int, str] | None = None
    chunk = text[sent.start:sent.end].lower()
    for phrase, value in pack.duration_phrases.items():
        for m in re.finditer(_bounded(re.escape(phrase)), chunk):
            cand = (abs(sent.start + m.start() - near), value)
            best = cand if best is None or cand < best else best
    for m in pack.duration_re.finditer(text, sent.start, sent.end):
        n = _number(pack, m.group("num"))
        if n is None:
            continue
        if m.group("half") or m.group("half2"):
            n += 0.5
        minutes = round(n * 60) if m.group("h") else round(n)
        h, mi = divmod(minutes, 60)
        value = "PT" + (f"{h}H" if h else "") + (f"{mi}M" if mi else "")
        cand = (abs(m.start() - near), value)
        if best is None or cand[0] <= best[0]:
            best = cand
    return best[1] if best else None


def _limit(text: str, sent: _Sentence, q: _Span, pack: _Pack) -> dict[str, Any] | None:
    lim: dict[str, Any] = {}
    moneys = list(pack.money_re.finditer(text, sent.start, sent.end))
    if moneys:
        m = min(moneys, key=lambda x: abs(x.start() - q.end))
        amount = float(re.sub(r"[ \u00a0\u202f,.]", "", m.group("num")))
        if m.group("thou"):
            amount *= 1000
        lim.update(amount=int(amount), currency="KZT")
        u = pack.usd_re.search(text, m.end(), min(sent.end, m.end() + 40))
        if u:
            lim["approx_usd"] = int(u.group("a") or u.group("b"))
    elif pack.per_person_re.search(text, sent.start, sent.end):
        lo, hi = max(sent.start, q.start - 40), min(sent.end, q.end + 40)
        counts = list(pack.count_re.finditer(text, lo, hi))
        if counts:
            c = min(counts, key=lambda x: abs(x.start() - q.start))
            n = _number(pack, c.group(0))
            if n is not None:
                lim["amount"] = int(n)
    else:
        return None  # "up to" with no amount is not a limit
    if pack.withdrawal_re.search(text, sent.start, sent.end):
        lim["what"] = "withdrawal"
    elif pack.per_person_re.search(text, sent.start, sent.end):
        lim["what"] = "per_person"
    return lim or None


def _qualifier_value(text: str, sent: _Sentence, q: _Span, pack: _Pack) -> dict[str, Any] | None:
    if q.label == "workaround":
        return {"workaround": q.value.get("value", "other")}
    if q.label == "scope":
        return {"scope": q.value.get("value", "partial"), "scope_text": text[q.start:q.end]}
    if q.label == "cash_only":
        return {"cash_only": True}
    if q.label == "queue":
        out: dict[str, Any] = {"queue": True}
        d = _duration(text, sent, q.start, pack)
        if d:
            out["duration"] = d
        return out
    lim = _limit(text, sent, q, pack)
    return {"limit": lim} if lim else None


@dataclass(frozen=True)
class _Accepts:
    table: dict[str, frozenset[str]]

    def __call__(self, services: list[str], kind: str, value: dict[str, Any]) -> bool:
        if kind == "limit" and value.get("limit", {}).get("what") == "withdrawal":
            return any(s in ("atm_cash", "banks") for s in services)
        return any(kind in self.table.get(s, frozenset()) for s in services)


def _attach_qualifiers(
    text: str, sent: _Sentence, prev: list[_Obs], obs: list[_Obs], pack: _Pack, accepts: _Accepts
) -> list[_Obs]:
    """Give each qualifier to the nearest mention that accepts it, else to the previous sentence's last."""
    extra: list[_Obs] = []
    for q in sent.quals:
        value = _qualifier_value(text, sent, q, pack)
        if value is None:
            continue
        hosts = [o for o in obs if accepts(o.services, q.label, value)]
        if hosts:
            k = sent.clause(q.start)
            host = min(hosts, key=lambda o: (
                sent.clause(o.mention.start) != k,
                not _right_after(text, q, o.mention),  # "long lines at the gas stations"
                abs(o.mention.start - q.start),
            ))
            host.qualifiers.update(value)
            continue
        back = [o for o in prev if accepts(o.services, q.label, value)]
        if back:
            src = back[-1]
            carried = _Obs(src.mention, src.services, "degraded", None, 0.5, dict(value), (q.start, q.end))
            extra.append(carried)
    return extra


_LINK = re.compile(r"\s+(?:\w+\s+){0,2}$")


def _right_after(text: str, q: _Span, m: _Span) -> bool:
    """Does the mention follow the qualifier at once, joined by at most two words ("queues at ATMs")?"""
    return 0 < m.start - q.end <= 20 and _LINK.match(text, q.end, m.start) is not None


def _final_state(o: _Obs) -> str | None:
    limiting = any(k in o.qualifiers for k in _QUALIFIER_KINDS)
    if limiting and o.state in (None, "working"):
        return "degraded"  # "calls worked, but only inside one network": working with a limit is degraded
    return o.state


# ---------------------------------------------------------------------------------------------------------
# Needs.


def _needs(text: str, sent: _Sentence, pack: _Pack) -> list[tuple[str, int, int, float]]:
    found: dict[str, tuple[str, int, int, float]] = {}
    for m in pack.need_phrase_re.finditer(text, sent.start, sent.end):
        nid = pack.need_phrase_groups[m.lastgroup or ""]
        found.setdefault(nid, (nid, m.start(), m.end(), 0.8))
    lacks = [
        (sent.clause(m.start()), m.start(), m.end())
        for m in pack.lack_re.finditer(text, sent.start, sent.end)
    ]
    for m in pack.need_noun_re.finditer(text, sent.start, sent.end):
        nid = pack.need_noun_groups[m.lastgroup or ""]
        if nid in found:
            continue
        k = sent.clause(m.start())
        if any(lk == k and (e <= m.start() or s >= m.end()) for lk, s, e in lacks):
            found[nid] = (nid, m.start(), m.end(), 0.7)
    return list(found.values())


# ---------------------------------------------------------------------------------------------------------
# Time and place: nearest reference inside the same statement (or sentence, without statements).


def _nearest_ref(refs: Sequence[Item], lo: int, hi: int, doc_id: str) -> str | None:
    best: Item | None = None
    best_d = 1 << 30
    for r in refs:
        d = 0 if (r.start < hi and r.end > lo) else min(abs(r.start - hi), abs(lo - r.end))
        if d < best_d:
            best, best_d = r, d
    if best is None:
        return None
    if not best.id:
        best.assign_id(doc_id)
    return best.id


def _scope(sent: _Sentence) -> tuple[int, int]:
    return (sent.statement.start, sent.statement.end) if sent.statement else (sent.start, sent.end)


class _Refs:
    """Time and place references sorted by offset, so a statement's references are found by bisection."""

    def __init__(self, doc: Document) -> None:
        self.times: list[Item] = sorted(doc.times, key=lambda r: r.start)
        self.places: list[Item] = sorted(doc.places, key=lambda r: r.start)
        self.time_starts = [r.start for r in self.times]
        self.place_starts = [r.start for r in self.places]
        self.doc_id = doc.id
        self.fallback = _PlaceFallback(doc)

    def near(self, sent: _Sentence, start: int, end: int) -> tuple[str | None, str | None, bool]:
        """(time id, place id, whether the place was inferred from outside the statement)."""
        lo, hi = _scope(sent)
        place = self._pick(self.places, self.place_starts, lo, hi, start, end)
        inferred = False
        if place is None:
            place = self.fallback.place_id(start)
            inferred = place is not None
        return self._pick(self.times, self.time_starts, lo, hi, start, end), place, inferred

    def _pick(
        self, refs: list[Item], starts: list[int], lo: int, hi: int, start: int, end: int
    ) -> str | None:
        i, j = bisect.bisect_left(starts, lo), bisect.bisect_left(starts, hi)
        inside = [r for r in refs[i:j] if r.end <= hi]
        return _nearest_ref(inside, start, end, self.doc_id) if inside else None


_FALLBACK_PRECISIONS = ("city", "district")  # a point named earlier (a mall) is not where later things are


class _PlaceFallback:
    """The place of an observation whose statement names none.

    The nearest resolved city- or district-level place earlier in the same testimony (the speaker's
    setting), else the document's primary city (the city most mentioned in its main country). A
    country is too coarse to put on a board; a point or street named earlier is too narrow to carry on.
    (`khronika.geo.fallback_place` takes any earlier place, a mall or the country too, and the most
    specific place of the document: right for an event's location, too narrow or too wide for a board.)
    """

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        usable = [p for p in doc.places if p.precision in _FALLBACK_PRECISIONS and _resolved(p)]
        self.places = sorted(usable, key=lambda p: p.end)
        self.ends = [p.end for p in self.places]
        self.bounds = sorted((t.start, t.end) for t in doc.testimonies)
        self.starts = [b[0] for b in self.bounds]
        self._primary: PlaceRef | bool | None = False  # False: not computed yet

    def place_id(self, pos: int) -> str | None:
        ref = self._local(pos)
        if ref is None:
            return None
        if not ref.id:
            ref.assign_id(self.doc.id)
        return ref.id

    def _local(self, pos: int) -> PlaceRef | None:
        lo = self._testimony_start(pos)
        i = bisect.bisect_right(self.ends, pos) - 1
        if i >= 0 and self.places[i].start >= lo:
            return self.places[i]
        return self.primary()

    def _testimony_start(self, pos: int) -> int:
        i = bisect.bisect_right(self.starts, pos) - 1
        return self.bounds[i][0] if i >= 0 and pos < self.bounds[i][1] else 0

    def primary(self) -> PlaceRef | None:
        if self._primary is False:
            self._primary = _primary_city(self.doc.places)
        return self._primary if isinstance(self._primary, PlaceRef) else None


def _resolved(p: PlaceRef) -> bool:
    return bool(p.place_id) or p.lat is not None


def _primary_city(places: Sequence[PlaceRef]) -> PlaceRef | None:
    """The most mentioned city of the document's main country (a district when no city is named)."""
    weight: dict[str, float] = {}
    for p in places:
        if p.country:
            weight[p.country] = weight.get(p.country, 0.0) + p.confidence
    main = max(weight, key=lambda c: weight[c]) if weight else None
    for level in _FALLBACK_PRECISIONS:
        refs = [p for p in places
                if p.precision == level and _resolved(p) and (main is None or p.country == main)]
        if refs:
            score: dict[str, float] = {}
            for p in refs:
                key = p.place_id or p.name or p.text
                score[key] = score.get(key, 0.0) + p.confidence
            return min(refs, key=lambda p: (-score[p.place_id or p.name or p.text], p.start))
    return None


# ---------------------------------------------------------------------------------------------------------
# The component.


def _emit(
    doc: Document, sent: _Sentence, obs: list[_Obs], refs: _Refs, seen: set[tuple[int, str, str]]
) -> None:
    st = sent.statement
    if st is not None and not st.id:
        st.assign_id(doc.id)
    for o in obs:
        state = _final_state(o)
        if state is None:
            continue
        spans = [(o.mention.start, o.mention.end)]
        if o.cue is not None:
            spans.append((o.cue.start, o.cue.end))
        if o.extra_span:
            spans.append(o.extra_span)
        start, end = min(s for s, _ in spans), max(e for _, e in spans)
        time_id, place_id, inferred = refs.near(sent, start, end)
        quals = dict(o.qualifiers)
        if inferred:
            quals["place_inferred"] = True  # the statement names no place: the board shows where it came from
        if len(o.services) > 1:
            quals["generic_mention"] = True
        for service in o.services:
            key = (sent.start, service, state)
            if key in seen:
                continue
            seen.add(key)
            doc.services.append(ServiceObservation(
                start=start, end=end, extractor=TAG, confidence=round(min(o.confidence, 0.95), 3),
                statement_id=st.id if st else None, evidence=st.evidence if st else None,
                service=service, state=state, qualifiers=quals, time_id=time_id, place_id=place_id,
            ))


def _emit_needs(doc: Document, sent: _Sentence, pack: _Pack, refs: _Refs) -> None:
    st = sent.statement
    for nid, start, end, conf in _needs(doc.text, sent, pack):
        time_id, place_id, _ = refs.near(sent, start, end)
        doc.needs.append(Need(
            start=start, end=end, extractor=TAG, confidence=conf, statement_id=st.id if st else None,
            evidence=st.evidence if st else None, need=nid, time_id=time_id, place_id=place_id,
        ))


def _run(doc: Document, pack: _Pack, accepts: _Accepts) -> None:
    text = doc.text
    sentences = _sentences(doc, pack)
    if not sentences:
        return
    mentions = _find_mentions(text, pack)
    quals = _find_quals(text, pack)
    _bucket(sentences, mentions, "mentions")
    _bucket(sentences, _find_cues(text, pack, quals), "cues")
    _bucket(sentences, quals, "quals")
    resolver = _Resolver(pack, mentions)
    refs = _Refs(doc)
    seen: set[tuple[int, str, str]] = set()
    prev: list[_Obs] = []
    for sent in sentences:
        if sent.statement is not None and not sent.statement.id:
            sent.statement.assign_id(doc.id)
        obs = _pair(text, sent, pack, resolver) if sent.mentions else []
        obs.extend(_attach_qualifiers(text, sent, prev, obs, pack, accepts))
        if not text[sent.start:sent.end].rstrip().endswith("?"):  # a question reports no state
            _emit(doc, sent, obs, refs, seen)
        _emit_needs(doc, sent, pack, refs)
        prev = obs or prev[-1:]


@component(NAME, version=VERSION, requires=("statements", "times", "places"), assigns=("services", "needs"))
def make_services() -> Callable[[Document], None]:
    """Build the extractor; language packs compile lazily, once per language."""
    accepts = _Accepts({str(e["id"]): frozenset(e.get("qualifiers") or []) for e in vocab.load("services")})
    packs: dict[str, _Pack | None] = {}

    def run(doc: Document) -> None:
        if doc.lang not in packs:
            packs[doc.lang] = _build_pack(doc.lang) if doc.lang in langpacks.SUPPORTED else None
        pack = packs[doc.lang]
        if pack is not None:
            _run(doc, pack, accepts)

    return run
