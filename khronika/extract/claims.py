"""khronika.claims: belief statements that explain causes or lay blame become claims.

A claim records who holds it (the testimony's speaker), the hedge that marked it as belief (the
statement's cue, "some say", "apparently"), a short proposition (the clause after the hedge,
trimmed; the claim's span is exactly that proposition) and a coarse topic from
`lang/<code>/claims.yaml` (organisers, coup, foreign_backing, ...). Plain assertions of blame
("the gangs are to blame") are claims too, without a hedge.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from khronika import lang as langpacks
from khronika.model import Claim, Document, Statement, Testimony
from khronika.registry import component

NAME = "khronika.claims"
VERSION = "1"
TAG = f"{NAME}@{VERSION}"
_TRIM = " \t,;:.!?…–—-\"“”«»"


@dataclass
class ClaimRules:
    levels: frozenset[str]
    blame: re.Pattern[str] | None
    blame_excluded: frozenset[str]
    strip_leading: re.Pattern[str] | None
    max_words: int
    before: re.Pattern[str] | None  # hedges that follow their proposition ("... is indicated by")
    topics: list[tuple[str, re.Pattern[str]]]


def _alternation(pats: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(f"(?:{p})" for p in pats), re.IGNORECASE) if pats else None


@cache
def rules(lang: str) -> ClaimRules:
    data = langpacks.load(lang, "claims")
    blame = [str(p) for p in data.get("blame", [])]
    lead = sorted((str(w) for w in data.get("strip_leading", [])), key=len, reverse=True)
    return ClaimRules(
        levels=frozenset(str(x) for x in data.get("levels", ["belief"])),
        blame=re.compile("|".join(f"(?:{p})" for p in blame), re.IGNORECASE) if blame else None,
        blame_excluded=frozenset(str(x) for x in data.get("blame_excluded_levels", [])),
        strip_leading=re.compile(rf"(?:{'|'.join(re.escape(w) for w in lead)})\b[\s,]*", re.IGNORECASE)
        if lead else None,
        max_words=int(data.get("max_words", 30)),
        before=_alternation(data.get("proposition_before", [])),
        topics=[(str(t["id"]), re.compile("|".join(f"(?:{c})" for c in t["cues"]), re.IGNORECASE))
                for t in data.get("topics", []) if t.get("cues")],
    )


def topic_of(text: str, r: ClaimRules) -> str | None:
    """The topic with the most cue matches; ties go to the one listed first."""
    best, best_n = None, 0
    for tid, rx in r.topics:
        n = sum(1 for _ in rx.finditer(text))
        if n > best_n:
            best, best_n = tid, n
    return best


def proposition_span(text: str, start: int, end: int, hedge: str | None, r: ClaimRules) -> tuple[int, int]:
    """The clause after the hedge, trimmed (or before it, when the hedge comes last)."""
    s, e = start, end
    if hedge:
        i = text.find(hedge, start, end)
        if i >= 0:
            after = text[i + len(hedge):end]
            hedge_first = not (r.before is not None and r.before.search(hedge))
            if hedge_first and len(after.strip(_TRIM).split()) >= 3:
                s = i + len(hedge)
            else:
                e = i
    s, e = _trim(text, s, e)
    while r.strip_leading is not None and (m := r.strip_leading.match(text, s, e)) and m.end() > s:
        s, e = _trim(text, m.end(), e)
    words = list(re.finditer(r"\S+", text[s:e]))
    if len(words) > r.max_words:
        e = s + words[r.max_words - 1].end()
        s, e = _trim(text, s, e)
    return s, e


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s] in _TRIM:
        s += 1
    while e > s and text[e - 1] in _TRIM:
        e -= 1
    return s, e


def claims_for(doc: Document) -> list[Claim]:
    lang = doc.lang if doc.lang in ("en", "ru") else "en"
    r = rules(lang)
    by_id: dict[str, Testimony] = {t.id: t for t in doc.testimonies}
    out: list[Claim] = []
    for st in doc.statements:
        claim = _claim(doc, st, by_id.get(st.testimony_id), r)
        if claim is not None:
            out.append(claim)
    return out


def _claim(doc: Document, st: Statement, t: Testimony | None, r: ClaimRules) -> Claim | None:
    text = doc.text[st.start:st.end]
    hedge: str | None = None
    if st.evidence in r.levels:
        hedge = st.cue
        conf = 0.7 if hedge and hedge in text else 0.55  # a belief by scope: the hedge came earlier
    elif r.blame is not None and st.evidence not in r.blame_excluded and r.blame.search(text):
        conf = 0.6
    else:
        return None
    topic = topic_of(text, r)  # only now: most statements are neither belief nor blame
    if topic is None:
        return None
    s, e = proposition_span(doc.text, st.start, st.end, hedge, r)
    if e <= s:
        return None
    st.assign_id(doc.id)
    return Claim(start=s, end=e, extractor=TAG, confidence=conf, statement_id=st.id,
                 holder=t.speaker if t else None, hedge=hedge, proposition=doc.text[s:e], topic=topic)


@component(NAME, version=VERSION, requires=("statements",), assigns=("claims",))
def make_claims() -> Callable[[Document], None]:
    def run(doc: Document) -> None:
        doc.claims.extend(claims_for(doc))

    return run
