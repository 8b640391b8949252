"""Actor mentions mapped to ACLED inter codes (vocab/actors.yaml), from cues in lang/<code>/actors.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from khronika import lang as langpacks
from khronika import vocab
from khronika.model import Actor


@dataclass(frozen=True)
class ActorMention:
    start: int
    end: int
    text: str
    group: str  # vocab id in actors.yaml
    inter: int


class ActorReader:
    """Finds actor phrases of one language; the earliest, longest match wins a span."""

    def __init__(self, lang: str) -> None:
        inter = {e["id"]: int(e["inter"]) for e in vocab.load("actors")}
        pack = langpacks.load(lang, "actors").get("actors", {})
        self.rules: list[tuple[str, int, re.Pattern[str]]] = []
        for group, pats in pack.items():
            if group not in inter:
                raise ValueError(f"lang/{lang}/actors.yaml: unknown actor group {group!r}")
            alt = "|".join(sorted(pats, key=len, reverse=True))
            self.rules.append((group, inter[group], re.compile(rf"(?<!\w)(?:{alt})(?!\w)", re.I)))

    def mentions(self, text: str) -> list[ActorMention]:
        found: list[ActorMention] = []
        for rank, (group, code, rx) in enumerate(self.rules):
            for m in rx.finditer(text):
                found.append(ActorMention(m.start(), m.end(), m.group(0), group, code))
                _ = rank
        # Earlier groups in the file are more specific ("CSTO troops" before "troops"): keep the first
        # group's mention where spans overlap, then the longest.
        order = {g: i for i, (g, _c, _r) in enumerate(self.rules)}
        found.sort(key=lambda a: (order[a.group], -(a.end - a.start), a.start))
        kept: list[ActorMention] = []
        for a in found:
            if all(a.end <= k.start or a.start >= k.end for k in kept):
                kept.append(a)
        return sorted(kept, key=lambda a: a.start)


@lru_cache(maxsize=8)
def reader(lang: str) -> ActorReader:
    return ActorReader(lang if lang in langpacks.SUPPORTED else "en")


def actors(text: str, lang: str = "en", *, limit: int = 4) -> list[Actor]:
    """Distinct actors named in `text`, in order of first mention, with their inter codes."""
    out: list[Actor] = []
    seen: set[tuple[str, int]] = set()
    for m in reader(lang).mentions(text):
        key = (m.text.lower(), m.inter)
        if key in seen or any(a.inter == m.inter for a in out):
            continue  # one actor per inter code: "police ... officers" are one side
        seen.add(key)
        out.append(Actor(name=m.text, inter=m.inter))
        if len(out) >= limit:
            break
    return out


def inter_of(text: str, lang: str = "en") -> int | None:
    """Inter code of a single actor phrase ("CSTO troops" -> 8), or None."""
    ms = reader(lang).mentions(text)
    return ms[0].inter if ms else None
