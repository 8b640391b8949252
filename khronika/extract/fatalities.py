"""Counts of the dead and injured, coded by ACLED's rules (vocab/fatality_rules.yaml).

Number words and qualifiers come from `lang/<code>/numbers.yaml`, casualty phrasing from the
`casualties` section of `lang/<code>/events.yaml`. The public entry point is `casualties(text, lang)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from khronika import lang as langpacks
from khronika import vocab
from khronika.extract.prefilter import may_match, required

_DIGITS = r"(?:\d{1,3}(?:[,\u00a0 ]\d{3})+|\d+)(?!\d|[.,]\d)"
# Words that end a noun phrase: a casualty count never reaches across them.
_GAP_STOP = (
    r"(?:and|or|who|which|when|where|after|while|but|that|were|was|is|are|has|have|had"
    r"|и|или|когда|который|которые|после)"
)


@dataclass
class Mention:
    start: int
    end: int
    value: int
    high: int | None = None
    kind: str = "death"  # death | injury | zero | toll
    vague: str | None = None


@dataclass
class Casualties:
    fatalities: int | None = None
    fatalities_high: int | None = None
    injuries: int | None = None
    explicit: bool = False  # the text speaks of deaths (or of none) at all
    mentions: list[Mention] = field(default_factory=list)


def _alt(words: list[str], *, escape: bool) -> str:
    items = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w) if escape else w for w in items)


class NumberReader:
    """Reads cardinal numbers, number words and vague quantities of one language."""

    def __init__(self, lang: str) -> None:
        pack = langpacks.load(lang, "numbers")
        rules = {e["id"]: e for e in vocab.load("fatality_rules")}
        self.escape = lang == "en"
        self.units = self._table(pack.get("units", {}))
        self.tens = self._table(pack.get("tens", {}))
        self.scales = self._table(pack.get("scales", {}))
        self.vague = {k: int(rules[v]["value"]) for k, v in pack.get("vague", {}).items()}
        self.vague_id = dict(pack.get("vague", {}))
        word = _alt(
            list(self.units) + list(self.tens) + list(self.scales) + list(self.vague), escape=self.escape
        )
        qual = _alt(
            list(pack.get("lower_bound", []))
            + list(pack.get("upper_bound", []))
            + list(pack.get("approximate", [])),
            escape=True,
        )
        nc = pack.get("not_counts") or []
        not_count = rf"(?!\s*(?:{'|'.join(nc)})(?!\w))" if nc else ""
        single = (
            rf"(?:(?<![\w-]){_DIGITS}{not_count}|(?<![\w-])(?:{word})(?:[- ](?:{word}))*(?![\w-]){not_count})"
        )
        rng = rf"(?:between\s+|от\s+)?{single}(?:\s*(?:-|–|to|and|or|до|или|и)\s*{single})?"
        self.phrase = rf"(?:(?:{qual})\s+)?{rng}(?:\s+of(?:\s+the)?)?" if qual else rng
        self._single = re.compile(single, re.I)
        # "5 and 10 people", "5-10": one range, not two groups of victims
        self.range_rx = re.compile(
            rf"^\s*(?:(?:{qual})\s+)?(?:between\s+|от\s+)?{single}\s*(?:-|–|to|and|or|до|или)\s*{single}(?!\s*(?:-|–|to|and|or)?\s*\w+\s+(?:and|или|и)\b)",
            re.I,
        )
        self._word_res = [(re.compile(rf"^(?:{k})$", re.I), v) for k, v in self._raw(pack)]

    @staticmethod
    def _table(d: dict[str, Any]) -> dict[str, int]:
        return {str(k): int(v) for k, v in d.items()}

    def _raw(self, pack: dict[str, Any]) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        for sect in ("units", "tens", "scales"):
            for k, v in pack.get(sect, {}).items():
                out.append((re.escape(str(k)) if self.escape else str(k), int(v)))
        for k, v in self.vague.items():
            out.append((re.escape(k) if self.escape else k, v))
        return out

    def word_value(self, w: str) -> int | None:
        for rx, v in self._word_res:
            if rx.match(w):
                return v
        return None

    def value(self, s: str) -> tuple[int, int | None, str | None] | None:
        """(low, high, vague id) for a number phrase; the low figure is ACLED's conservative count."""
        nums: list[int] = []
        vague: str | None = None
        for m in self._single.finditer(s):
            v = self._one(m.group(0))
            if v is not None:
                nums.append(v)
                key = m.group(0).lower()
                if vague is None and key in {k.lower() for k in self.vague_id}:
                    vague = str(
                        self.vague_id.get(key)
                        or next(iv for k, iv in self.vague_id.items() if k.lower() == key)
                    )
        if not nums:
            return None
        lo, hi = min(nums), max(nums)
        return lo, (hi if hi != lo else None), vague

    def _one(self, tok: str) -> int | None:
        t = tok.strip()
        whole = self.word_value(t)
        if whole is not None:
            return whole  # a listed phrase as a whole ("an unknown number of", "dozens")
        if t[:1].isdigit():
            return int(re.sub(r"[,\u00a0 ]", "", t))
        total, cur = 0, 0
        for part in re.split(r"[- ]", t):
            v = self.word_value(part)
            if v is None:
                continue
            if any(re.fullmatch(k if not self.escape else re.escape(k), part, re.I) for k in self.scales):
                cur = max(cur, 1) * v
                total, cur = total + cur, 0
            else:
                cur += v
        return total + cur if total + cur or t.lower() in {"zero", "none", "no", "ноль"} else None


class CasualtyReader:
    """Finds death and injury counts in a text of one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.numbers = NumberReader(lang)
        c: dict[str, Any] = langpacks.load(lang, "events").get("casualties", {})
        self.ok = bool(c)
        if not self.ok:
            return
        num = self.numbers.phrase
        gap = rf"(?:(?!{_GAP_STOP}\b)[\w'’()\-]+,?\s+){{0,5}}?"
        noun = str(c.get("victim_noun", r"\w+")) + r"(?!\w)"
        lst = rf"{num}\s+{gap}(?:(?:,\s*|,?\s*(?:and|и)\s+){num}\s+{gap})*"
        # a list element followed by "were injured" belongs to the injured, not the dead
        not_hurt = rf"(?!(?:\s+[\w'-]+){{0,3}}\s+(?:were |was |have been )?{c['injury_verbs']})"
        aux = (
            r"(?:(?:were|was|have been|had been|has been|are|been|got|reportedly|also|later|all|were all"
            r"|—|-|,)\s+){0,3}"
        )
        f = re.I
        self.zero = re.compile(rf"\b(?:{'|'.join(c.get('zero', []))})", f) if c.get("zero") else None
        self.toll = re.compile(rf"\b{c['toll']}\s+(?P<n>{num})", f) if c.get("toll") else None
        self.final = re.compile(rf"\b{c['final']}\s+(?P<n>{num})", f) if c.get("final") else None
        self.death_after = re.compile(rf"\b(?P<n>{lst}){aux}{c['death_verbs']}\b", f)
        self.death_before = re.compile(
            rf"\b{c['kill_verbs']}\s+(?:(?:a total of|in total|at least|only)\s+)?"
            rf"(?P<n>{num}(?:\s+{gap}{noun})?"
            rf"(?:(?:,\s*|,?\s*(?:and|и)\s+){num}(?:\s+{gap}{noun})?{not_hurt})*)",
            f,
        )
        self.death_noun = (
            re.compile(rf"\b(?P<n>{num})\s+(?:{gap})?{c['death_nouns']}\b", f)
            if c.get("death_nouns")
            else None
        )
        self.injury_after = re.compile(rf"\b(?P<n>{lst}){aux}{c['injury_verbs']}\b", f)
        self.injury_before = re.compile(
            rf"\b{c['injure_verbs']}\s+(?:at least\s+)?(?P<n>{num})(?:\s+{gap}{noun})?", f
        )
        self.noun_rx = re.compile(rf"\b{noun}", f)
        # "a"/"an" read as 1 only when it counts victims: in "a local site, 12 people were killed" the
        # article opens an unrelated noun phrase that the list pattern swept in.
        self.articles = {str(a).lower() for a in langpacks.load(lang, "numbers").get("articles", [])}
        self.singular = re.compile(c["singular"], f) if c.get("singular") else None
        self.plural = re.compile(c["plural"], f) if c.get("plural") else None
        self.left_dead = re.compile(c["left_dead"], f) if c.get("left_dead") else None
        # Literals each regex needs (khronika.extract.prefilter): most units name no casualty at all.
        self._need = {
            id(rx): required(rx.pattern, rx.flags)
            for rx in (
                self.zero,
                self.toll,
                self.final,
                self.death_after,
                self.death_before,
                self.death_noun,
                self.injury_after,
                self.injury_before,
                self.singular,
                self.plural,
            )
            if rx is not None
        }

    def _iter(self, rx: re.Pattern[str], text: str, low: str) -> Iterator[re.Match[str]]:
        need = self._need.get(id(rx), ())
        if need and not may_match(need, low):
            return iter(())
        return rx.finditer(text)

    def mentions(self, text: str) -> list[Mention]:
        if not self.ok:
            return []
        out: list[Mention] = []
        low = text.lower()
        if self.zero:
            out += [Mention(m.start(), m.end(), 0, kind="zero") for m in self._iter(self.zero, text, low)]
        if self.toll:
            out += self._counted(self.toll, text, "toll", low)
        if self.final:
            out += self._counted(self.final, text, "final", low)
        for rx in (self.death_after, self.death_before):
            out += self._counted(rx, text, "death", low)
        if self.death_noun:
            out += self._counted(self.death_noun, text, "death", low)
        # Injuries are read with the death phrases blanked out, so "3 dead, 20 injured" gives 20 injured.
        masked = text
        for m in out:
            if m.kind == "death":
                masked = masked[: m.start] + " " * (m.end - m.start) + masked[m.end :]
        low_masked = masked.lower() if masked is not text else low
        for rx in (self.injury_after, self.injury_before):
            out += self._counted(rx, masked, "injury", low_masked)
        if self.singular:
            out += [
                Mention(m.start(), m.end(), 1, kind="death", vague="singular")
                for m in self._iter(self.singular, text, low)
            ]
        if self.plural:
            out += [
                Mention(m.start(), m.end(), 2, kind="death", vague="plural")
                for m in self._iter(self.plural, text, low)
            ]
        return _dedupe(out)

    def _counted(self, rx: re.Pattern[str], text: str, kind: str, low: str) -> list[Mention]:
        out: list[Mention] = []
        for m in self._iter(rx, text, low):
            parts = self._parts(m.group("n"))
            if not parts:
                continue
            lo = sum(p[0] for p in parts)
            hi = sum(p[1] if p[1] is not None else p[0] for p in parts)
            vague = next((p[2] for p in parts if p[2]), None)
            out.append(Mention(m.start(), m.end(), lo, hi if hi != lo else None, kind, vague))
        return out

    def _parts(self, s: str) -> list[tuple[int, int | None, str | None]]:
        """Numbers of a coordinated list ('two soldiers and three militants'), each with its range."""
        parts = re.split(r"(,(?!\d{3}(?!\d))\s*|\s+(?:and|и)\s+(?=\S))", s)
        chunks, seps = parts[0::2], [*parts[1::2], ""]
        out = []
        for ch, sep in zip(chunks, seps, strict=True):
            if sep.startswith(",") and self._bare_article(ch):
                continue  # "a news site, 12 people": the article before the comma counts nobody
            if re.match(
                r"\s*(?:including|among them|among whom|of whom|of them|mostly|mainly|включая|в том числе)\b",
                ch,
                re.I,
            ):
                continue  # a breakdown of the figure just given, not another group
            v = self.numbers.value(ch)
            if v is not None:
                out.append(v)
        rng = self.numbers.range_rx.match(s)
        if len(out) > 1 and rng:
            whole = self.numbers.value(rng.group(0))
            return [whole] if whole else out
        return out

    def _bare_article(self, chunk: str) -> bool:
        """A list element counted only by an article and naming no victim ("a news site")."""
        words = chunk.split()
        return bool(words) and words[0].lower() in self.articles and not self.noun_rx.search(chunk)


def _dedupe(ms: list[Mention]) -> list[Mention]:
    """Keep the longest of overlapping mentions of the same kind (death/injury are kept apart)."""
    ms.sort(key=lambda m: (m.start, -(m.end - m.start)))
    out: list[Mention] = []
    for m in ms:
        clash = [o for o in out if o.start < m.end and m.start < o.end and _family(o) == _family(m)]
        if not clash:
            out.append(m)
            continue
        o = clash[0]
        if m.vague in ("singular", "plural") and o.vague not in ("singular", "plural"):
            continue
        if (m.end - m.start) > (o.end - o.start) and o.vague in ("singular", "plural"):
            out[out.index(o)] = m
    return out


def _family(m: Mention) -> str:
    return m.kind if m.kind in ("injury", "final") else "death"


@lru_cache(maxsize=8)
def reader(lang: str) -> CasualtyReader:
    return CasualtyReader(lang if lang in langpacks.SUPPORTED else "en")


def combine(ms: list[Mention]) -> Casualties:
    """One event's counts from its mentions, by the rules of vocab/fatality_rules.yaml."""
    res = Casualties(mentions=ms)
    deaths = [m for m in ms if m.kind in ("death", "toll")]
    zeros = [m for m in ms if m.kind == "zero"]
    tolls = [m for m in deaths if m.kind == "toll"]
    finals = [m for m in ms if m.kind == "final"]
    injuries = [m for m in ms if m.kind == "injury"]
    if finals:
        res.fatalities = max(finals, key=lambda m: m.start).value
    elif tolls:
        # A reported toll is already a total; if tolls differ take the lowest (conservative rule).
        low = min(tolls, key=lambda m: m.value)
        res.fatalities, res.fatalities_high = low.value, max(m.high or m.value for m in tolls)
    elif deaths:
        res.fatalities = _sum_distinct(deaths)
        hi = sum(m.high or m.value for m in deaths)
        res.fatalities_high = hi if hi != res.fatalities else None
    elif zeros:
        res.fatalities = 0
    res.explicit = bool(deaths or zeros or finals)
    if injuries:
        res.injuries = _sum_distinct(injuries)
    if res.fatalities is None:
        res.fatalities = 0  # rule no_deaths: ACLED codes 0 when no death is reported
    if res.fatalities_high is not None and res.fatalities_high <= (res.fatalities or 0):
        res.fatalities_high = None
    return res


def _sum_distinct(ms: list[Mention]) -> int:
    """Add up separate victim groups; a vague bare plural adds nothing next to a figure."""
    exact = [m for m in ms if m.vague != "plural"]
    use = exact or ms
    return sum(m.value for m in use)


def casualties(text: str, lang: str = "en") -> Casualties:
    """Deaths and injuries reported in `text`, coded by ACLED's rules."""
    return combine(reader(lang).mentions(text))
