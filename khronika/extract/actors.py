"""Actor mentions mapped to ACLED inter codes (vocab/actors.yaml), from cues in lang/<code>/actors.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from khronika import lang as langpacks
from khronika import vocab
from khronika.extract.prefilter import CueIndex
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
        for group in pack:
            if group not in inter:
                raise ValueError(f"lang/{lang}/actors.yaml: unknown actor group {group!r}")
        self.inter = {g: inter[g] for g in pack}
        # Earlier groups in the file are more specific ("CSTO troops" before "troops").
        self.order = {g: i for i, g in enumerate(pack)}
        self.index = CueIndex((g, list(p)) for g, p in pack.items())

    def mentions(self, text: str) -> list[ActorMention]:
        found = [
            ActorMention(m.start(), m.end(), m.group(0), g, self.inter[g])
            for g, m in self.index.finditer(text)
        ]
        # Keep the first group's mention where spans overlap, then the longest.
        found.sort(key=lambda a: (self.order[a.group], -(a.end - a.start), a.start))
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
    return distinct(reader(lang).mentions(text), limit=limit)


def distinct(mentions: list[ActorMention], *, limit: int = 4) -> list[Actor]:
    """Actors of a list of mentions (in text order): one per inter code, at most `limit`.

    Callers that read a long text once pass the mentions of one stretch of it (no actor phrase
    crosses a sentence end, so the mentions of a sentence are those found inside its span).
    """
    out: list[Actor] = []
    seen: set[tuple[str, int]] = set()
    for m in mentions:
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
