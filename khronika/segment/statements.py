"""Cut a testimony into sentences and a sentence into clauses.

English uses a fast regex splitter (an abbreviation list from the language pack); Russian uses
razdel. Sentences never cross a line break: a new line is a new paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from khronika import lang as langpacks

# A sentence ends at . ! ? … (with closing quotes/brackets) before a space and an opening of the next
# sentence: a capital, a digit, a quote or a dash.
_EN_END_RE = re.compile(r"[.!?…]+[\"”»’)\]]*(?=\s+[\"“«(\[—–-]?\s*[A-ZА-ЯЁ0-9])")
_LAST_WORD_RE = re.compile(r"([\w.]+)[.!?…]*[\"”»’)\]]*$")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    para: int  # index of the paragraph (line) within the testimony


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    return s, e


@cache
def _abbreviations(lang: str) -> frozenset[str]:
    data = langpacks.load(lang, "evidence")
    return frozenset(str(a).lower() for a in data.get("abbreviations", []))


def _split_en(text: str, s: int, e: int, abbrevs: frozenset[str]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    cur = s
    for m in _EN_END_RE.finditer(text, s, e):
        cut = m.end()
        last = _LAST_WORD_RE.search(text, cur, cut)
        word = last.group(1).lower().rstrip(".") if last else ""
        if text[m.start()] == "." and (word in abbrevs or (len(word) == 1 and word.isalpha())):
            continue  # "Dr. Aliya", "A. Akhetova"
        out.append((cur, cut))
        cur = cut
    out.append((cur, e))
    return [span for a, b in out if (span := _trim(text, a, b))[1] > span[0]]


def _split_ru(text: str, s: int, e: int) -> list[tuple[int, int]]:
    from razdel import sentenize

    return [(s + sub.start, s + sub.stop) for sub in sentenize(text[s:e])]


def split_sentences(text: str, start: int, end: int, lang: str) -> list[Sentence]:
    """Sentences of text[start:end], paragraph by paragraph."""
    abbrevs = _abbreviations(lang)
    out: list[Sentence] = []
    pos = start
    para = 0
    for line in text[start:end].split("\n"):
        ls, le = _trim(text, pos, pos + len(line))
        pos += len(line) + 1
        if le <= ls:
            continue
        spans = _split_ru(text, ls, le) if lang == "ru" else _split_en(text, ls, le, abbrevs)
        out.extend(Sentence(a, b, para) for a, b in spans)
        para += 1
    return out


@cache
def _clause_re(lang: str) -> re.Pattern[str]:
    pat = langpacks.load(lang, "evidence").get("clause_boundary") or r"(?:[,;:]\s+)"
    return re.compile(str(pat), re.IGNORECASE)


def split_clauses(text: str, start: int, end: int, lang: str) -> list[tuple[int, int]]:
    """Clause spans of one sentence: cut at commas, semicolons, colons, dashes and 'but'."""
    out: list[tuple[int, int]] = []
    cur = start
    for m in _clause_re(lang).finditer(text, start, end):
        if m.start() > cur:
            out.append((cur, m.start()))
        cur = m.end()
    if cur < end:
        out.append((cur, end))
    return out or [(start, end)]
