"""Give every statement one evidence level (ids of vocab/evidence.yaml) from cue phrases.

Within a sentence, each clause is matched against the cue lists of `lang/<code>/evidence.yaml`; the
strongest cue of a clause decides its level (disclaimer > relayed > belief > official > media >
hearsay > witnessed: a hedge ("the footage may be old") outranks the source it hedges). A sentence
whose clauses carry two different levels is cut in two ("I didn't see it myself, I only go out for
bread"); a short parenthetical hedge ("..., I believe.") colours the clause it sits in. Then scopes
that reach across sentences:
- a relayer mentioned ("my niece ...") and later reported by pronoun ("she says") makes the
  sentences from the mention on relayed; pronoun reports go on with the last relayer;
- a disclaimer that closes its clause, with no "that ..." of its own ("True, I didn't see it
  myself"), makes the uncued statement before it in the paragraph hearsay;
- "There are several versions ..." opens a paragraph of opinions (belief);
- a sentence opening with "That ..." goes on with the previous sentence's report.
A statement with no cue takes the testimony's default level (see `default_level`).
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from khronika import lang as langpacks
from khronika import vocab
from khronika.extract.prefilter import WordAlternation, WordAlternations

from .statements import Sentence, split_clauses

DISCLAIMER = "disclaimer"  # a hearsay cue that beats every other
PRIORITY: dict[str, int] = {
    DISCLAIMER: 0, "relayed": 1, "belief": 2, "official": 3, "media": 4, "hearsay": 5, "witnessed": 6,
}
CONF_CUE = 0.85
CONF_SCOPE = 0.65
CONF_DEFAULT = 0.5


@dataclass
class Cue:
    kind: str  # a PRIORITY key, or "pronoun", "mention", "scope"
    start: int
    end: int
    text: str
    relayer: str | None = None

    @property
    def level(self) -> str | None:
        if self.kind == DISCLAIMER:
            return "hearsay"
        if self.kind == "pronoun":
            return "relayed"
        if self.kind == "scope":
            return "belief"
        return self.kind if self.kind in PRIORITY else None

    @property
    def rank(self) -> int:
        lvl = "relayed" if self.kind == "pronoun" else "belief" if self.kind == "scope" else self.kind
        return PRIORITY.get(lvl, 99)


@dataclass
class Unit:
    """A statement under construction."""

    start: int
    end: int
    para: int
    sent: int
    best: Cue | None = None
    cues: list[Cue] = field(default_factory=list)
    level: str | None = None
    cue: str | None = None
    relayer: str | None = None
    confidence: float = CONF_DEFAULT
    negated: bool = False
    closed: bool = False  # ends in a disclaimer that does not reach the next clause

    def absorb(self, other: Unit) -> None:
        self.end = other.end
        self.cues.extend(other.cues)
        if other.best and (self.best is None or other.best.rank < self.best.rank):
            self.best = other.best


def _compile(pats: list[str], flags: int = re.IGNORECASE) -> re.Pattern[str] | None:
    pats = [p for p in pats if p]
    return re.compile("|".join(f"(?:{p})" for p in pats), flags) if pats else None


def _keyed(pats: list[str], flags: int = re.IGNORECASE) -> WordAlternation:
    """`_compile(pats)` tried only at word starts (cue patterns open with `\\b`); see prefilter."""
    return WordAlternation([f"(?:{p})" for p in pats if p], flags, bounded=False)


class EvidenceModel:
    """The compiled cue lists of one language."""

    def __init__(self, lang: str) -> None:
        data = langpacks.load(lang, "evidence")
        if not data:
            raise ValueError(f"no evidence pack for language {lang!r}")
        known = set(vocab.ids("evidence"))
        cues: dict[str, list[str]] = data.get("cues", {})
        unknown = set(cues) - known
        if unknown:
            raise ValueError(f"{lang}/evidence.yaml: levels not in vocab/evidence.yaml: {sorted(unknown)}")
        self.lang = lang
        self.level_res = {lvl: rx for lvl, pats in cues.items() if (rx := _compile(pats))}
        self.disclaimer = _compile(data.get("disclaimers", []))
        self.scope = _compile(data.get("belief_scope", []))
        # The same cue lists for `find_cues`, in its order: (kind, patterns); relay adds the pronouns.
        self._cue_lists: list[tuple[str, list[str]]] = [
            *cues.items(), (DISCLAIMER, data.get("disclaimers", [])), ("scope", data.get("belief_scope", [])),
        ]
        self.continuation = _compile(data.get("continuation", []))
        self.window = int(data.get("cue_window", 3))
        self.openers = frozenset(str(w).lower() for w in data.get("clause_openers", []))
        self.complementizers = frozenset(str(w).lower() for w in data.get("complementizers", []))
        neg = data.get("negation", {})
        self.negation = _compile(neg.get("words", []))
        self.neg_exceptions = _compile(neg.get("exceptions", []))
        self._init_relay(data.get("relay", {}))

    def _init_relay(self, relay: dict[str, Any]) -> None:
        forms = _relayer_forms(self.lang, tuple(str(r) for r in relay.get("relayers", [])))
        self.relayer_lemma = forms
        alt = "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)) or "(?!)"
        subst = {
            "<poss>": "(?:" + "|".join(re.escape(str(p)) for p in relay.get("poss", [])) + ")",
            "<verb>": "(?:" + "|".join(re.escape(str(v)) for v in relay.get("verbs", [])) + ")",
            "<relayer>": f"(?P<relayer>{alt})(?![’']s\\b)",  # "my wife's colleague": the colleague
        }

        def fill(p: str) -> str:
            for k, v in subst.items():  # "(?P<relayer>" in a pattern is a group name, not a placeholder
                p = re.sub(rf"(?<!\?P){re.escape(k)}", v.replace("\\", "\\\\"), p)
            return p

        self.relay_explicit = [re.compile(fill(p), re.IGNORECASE) for p in relay.get("explicit", [])]
        self.relay_named = [re.compile(fill(p)) for p in relay.get("named", [])]
        pronoun = [fill(p) for p in relay.get("pronoun", [])]
        self.relay_pronoun = _compile(pronoun)
        self._cue_lists.append(("pronoun", pronoun))
        self.relay_mention = [re.compile(fill(p), re.IGNORECASE) for p in relay.get("mention", [])]
        self.cue_set = self._cue_set()

    def _cue_set(self) -> WordAlternations:
        """Every cue regex, in `find_cues`'s order, matched in one walk over the word starts: each cue
        opens with a word, so only the regexes that may start with a word are tried there. Names are
        (kind, whether the match names a relayer)."""
        named = [((kind, False), _keyed(pats)) for kind, pats in self._cue_lists if any(pats)]
        for rxs, kind in ((self.relay_explicit, "relayed"), (self.relay_named, "relayed"),
                          (self.relay_mention, "mention")):
            named.extend(((kind, True), WordAlternation([rx.pattern], rx.flags, bounded=False)) for rx in rxs)
        return WordAlternations(named)

    # --- cues -------------------------------------------------------------------------------------

    def find_cues(self, text: str, start: int, end: int) -> list[Cue]:
        """Every cue in text[start:end], in order of position."""
        out: list[Cue] = []
        for (kind, relays), m in self.cue_set.finditer(text, start, end):
            relayer = self._relayer(m.group("relayer")) if relays else None
            out.append(Cue(kind, m.start(), m.end(), m.group(), relayer))
        out.sort(key=lambda c: (c.start, c.rank))
        return out

    def _relayer(self, word: str) -> str:
        low = word.lower()
        return self.relayer_lemma.get(low, word if word[:1].isupper() else low)

    def is_first_person(self, text: str) -> bool:
        rx = self.level_res.get("witnessed")
        return bool(rx and rx.search(text))

    def negated(self, text: str) -> bool:
        if self.negation is None:
            return False
        if self.neg_exceptions is not None:
            text = self.neg_exceptions.sub(" ", text)
        return bool(self.negation.search(text))

    # --- units --------------------------------------------------------------------------------------

    def classify(self, text: str, sentences: list[Sentence], default: str) -> list[Unit]:
        """Statements (with levels) for the sentences of one testimony."""
        if not sentences:
            return []
        cues = self.find_cues(text, sentences[0].start, sentences[-1].end)
        starts = [c.start for c in cues]
        units: list[Unit] = []
        for k, sent in enumerate(sentences):
            lo, hi = bisect_right(starts, sent.start - 1), bisect_right(starts, sent.end - 1)
            units.extend(self._split_sentence(text, sent, k, cues[lo:hi]))
        for u in units:
            if u.best is not None:
                u.level, u.cue, u.confidence = u.best.level, u.best.text, CONF_CUE
                u.relayer = u.best.relayer if u.level == "relayed" else None
        self._continuations(text, units)
        self._belief_scope(units)
        self._relay_scope(units)
        self._reach_back(units)
        self._official_header(units)
        for u in units:
            if u.level is None:
                u.level, u.confidence = default, CONF_DEFAULT
        units = _merge_same(units)
        for u in units:
            u.negated = self.negated(text[u.start:u.end])
        return units

    def _split_sentence(self, text: str, sent: Sentence, k: int, cues: list[Cue]) -> list[Unit]:
        clauses = split_clauses(text, sent.start, sent.end, self.lang)
        cstarts = [cs for cs, _ in clauses]
        per_clause: list[list[Cue]] = [[] for _ in clauses]
        for c in cues:  # a cue belongs to the clause it starts in (or the one before a boundary)
            per_clause[max(0, bisect_right(cstarts, c.start) - 1)].append(c)
        segs: list[Unit] = []
        for (cs, ce), mine in zip(clauses, per_clause, strict=True):
            level_cues = [c for c in mine if c.level is not None]
            best = min(level_cues, key=lambda c: c.rank) if level_cues else None
            unit = Unit(cs, ce, sent.para, k, best=best, cues=mine)
            disclaims = best is not None and best.kind == DISCLAIMER
            if not segs or self._starts_new(text, segs[-1], unit):
                unit.closed = disclaims
                segs.append(unit)
                continue
            segs[-1].absorb(unit)
            if self._first_word(text, unit) in self.complementizers:
                segs[-1].closed = False  # "I did not see myself, that ...": the disclaimer has its content
            elif disclaims:
                segs[-1].closed = True
        segs[0].start, segs[-1].end = sent.start, sent.end
        return segs

    def _starts_new(self, text: str, last: Unit, unit: Unit) -> bool:
        """Should this clause open a new statement, or belong to the one before?"""
        words = text[unit.start:unit.end].split()
        if self._first_word(text, unit) in self.complementizers:
            return False
        if last.closed:  # a disclaimer closes its clause: what follows is told on its own
            return len(words) >= 3 or unit.best is not None
        if unit.best is not None and unit.best.kind != DISCLAIMER and len(words) <= 3:
            return False  # a parenthetical hedge ("..., I believe.", "..., she says, ...") colours its host
        if unit.best is None or not self._opens(text, unit):
            return False
        if last.best is None:  # a leading clause without a cue stands alone if it is a real clause
            return len(text[last.start:last.end].split()) >= 4
        return last.best.level != unit.best.level

    @staticmethod
    def _first_word(text: str, unit: Unit) -> str:
        words = text[unit.start:unit.end].split(maxsplit=1)
        return words[0].lower().strip("\"“”«»") if words else ""

    def _opens(self, text: str, unit: Unit) -> bool:
        """The clause's cue sits at its start (after at most `window` words, openers not counted)."""
        assert unit.best is not None
        head = text[unit.start:unit.best.start].split()
        before = [w for w in head if w.lower().strip(",") not in self.openers]
        return len(before) <= self.window

    # --- scopes -------------------------------------------------------------------------------------

    def _belief_scope(self, units: list[Unit]) -> None:
        scope: tuple[int, str] | None = None
        for u in units:
            opener = next((c for c in u.cues if c.kind == "scope"), None)
            if opener is not None:
                scope = (u.para, opener.text)
            elif scope and scope[0] == u.para and u.level is None:
                u.level, u.cue, u.confidence = "belief", scope[1], CONF_SCOPE

    def _continuations(self, text: str, units: list[Unit]) -> None:
        if self.continuation is None:
            return
        for prev, u in itertools.pairwise(units):
            if u.level is None and prev.para == u.para and prev.level is not None and prev.sent != u.sent \
                    and self.continuation.match(text[u.start:u.end].lstrip("\"“«—– ")):
                u.level, u.cue, u.relayer, u.confidence = prev.level, prev.cue, prev.relayer, CONF_SCOPE

    def _relay_scope(self, units: list[Unit]) -> None:
        current: str | None = None
        pending: tuple[str, int] | None = None  # (relayer, unit index) of a mention in this paragraph
        for i, u in enumerate(units):
            if pending and units[pending[1]].para != u.para:
                pending = None
            if u.best is not None and u.best.kind == "relayed":
                current, pending = u.best.relayer, None
                continue
            if u.best is not None and u.best.kind == "pronoun":
                if pending is not None:
                    current = pending[0]
                    for v in units[pending[1]:i]:
                        if v.level is None:
                            v.level, v.relayer, v.cue = "relayed", current, u.best.text
                            v.confidence = CONF_SCOPE
                    pending = None
                u.relayer = current
                continue
            mention = next((c for c in u.cues if c.kind == "mention"), None)
            if mention is not None and mention.relayer:
                pending = (mention.relayer, i)

    def _official_header(self, units: list[Unit]) -> None:
        """An alert that opens with its own header ("EMERGENCY ALERT.", "Уважаемые жители!") speaks as
        the authority throughout: the uncued statements after it in the paragraph are official too.
        Only a header counts (the cue is nearly the whole statement): "The akimat announced a curfew.
        Shops were shut." is an official report followed by the author's own."""
        header: tuple[int, str] | None = None  # (paragraph, the header's cue)
        for u in units:
            best = u.best
            is_header = best is not None and best.end - best.start >= (u.end - u.start) - 4
            if best is not None and best.level == "official" and is_header:
                header = (u.para, best.text)
            elif header is not None and header[0] == u.para:
                if u.level is None:
                    u.level, u.cue, u.confidence = "official", header[1], CONF_SCOPE
            else:
                header = None

    def _reach_back(self, units: list[Unit]) -> None:
        """A disclaimer with nothing after it ("True, I didn't see it myself") is about what came before:
        the uncued statement just before it in the paragraph becomes hearsay."""
        for prev, u in itertools.pairwise(units):
            if u.best is None or u.best.kind != DISCLAIMER or not u.closed or prev.para != u.para:
                continue
            if prev.level is None:
                prev.level, prev.cue, prev.confidence = "hearsay", u.best.text, CONF_SCOPE


def _merge_same(units: list[Unit]) -> list[Unit]:
    """Parts of one sentence that ended up with the same level are one statement again."""
    out: list[Unit] = []
    for u in units:
        last = out[-1] if out else None
        if last is not None and last.sent == u.sent and last.level == u.level and last.relayer == u.relayer:
            last.end = u.end
            last.cue = last.cue or u.cue
            last.confidence = max(last.confidence, u.confidence)
        else:
            out.append(u)
    return out


@cache
def _relayer_forms(lang: str, lemmas: tuple[str, ...]) -> dict[str, str]:
    """Word form -> dictionary form for relayer nouns (all case forms in Russian, plurals in English)."""
    forms: dict[str, str] = {}
    if lang == "ru":
        import pymorphy3

        morph = pymorphy3.MorphAnalyzer()
        for lemma in lemmas:
            for parse in morph.parse(lemma)[:1]:
                for f in parse.lexeme:
                    forms.setdefault(f.word, lemma)
            forms[lemma] = lemma
        return forms
    for lemma in lemmas:
        forms[lemma.lower()] = lemma.lower()
        forms.setdefault(lemma.lower() + "s", lemma.lower())
    return forms


@cache
def model(lang: str) -> EvidenceModel:
    return EvidenceModel(lang)


def default_level(*, is_author: bool, doc_has_speakers: bool, first_person: bool) -> str:
    """The level of a statement without any cue.

    A speaker telling what happened around them is a witness. The author of a document with no
    speakers is a witness if they write in the first person (a resident's post or SMS). The
    journalist's third-person framing around quoted speakers, or a news note, reports what the
    media know: "media".
    """
    if not is_author:
        return "witnessed"
    if not doc_has_speakers and first_person:
        return "witnessed"
    return "media"
