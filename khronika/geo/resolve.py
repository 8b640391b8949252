"""Toponym resolution by context: the text's own qualifiers, the document's country and region focus,
nearby places; population breaks ties only after all of that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .gazetteer import R_ADM1, R_AREA, R_CC, R_KIND, R_LAT, R_LON, R_NAME, R_POP, Gazetteer, Row, normalize
from .toponyms import Mention

MAX_CANDS = 40
W_COUNTRY = 1.6  # times the share of the document's unambiguous mentions in the candidate's country
W_ADM1 = 2.0  # the candidate lies in a region the document names
W_POP = 0.16  # per power of ten of population
W_OWN_NAME = 1.0
W_SAME_ADM1 = 1.0
PASSES = 2
MAX_CONTEXT = 6.0  # generous: local news is local, but not unbounded
W_SUPPORT = 0.4  # per other name of the text (up to 3) that could lie in the candidate's region
_KIND_BONUS = {"country": 1.6, "region": 1.3, "admin1": 1.3, "admin2": 0.2, "city": 0.0, "capital": 1.5,
               "local": 0.6}


@dataclass
class Resolved:
    mention: Mention
    row: int  # gazetteer row number
    score: float


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(a)))


class Resolver:
    def __init__(self, gaz: Gazetteer) -> None:
        self.gaz = gaz
        self._support: dict[str, set[str]] = {}

    def _prior(self, i: int, key: str) -> float:
        r = self.gaz.row(i)
        s = W_POP * math.log10(r[R_POP] + 1) + _KIND_BONUS.get(r[R_KIND], 0.0)
        if normalize(r[R_NAME]) == key:
            s += 0.8  # the place's own name rather than one of its many alternate names
            if r[R_KIND] in ("country", "admin1", "region"):
                # "Egypt" is the country before it is any town named after it
                s += W_OWN_NAME * (2.0 if r[R_KIND] == "country" else 1.0)
        return s

    def resolve(self, mentions: list[Mention], default_country: str | None = None) -> list[Resolved]:
        if not mentions:
            return []
        cands = [self._hinted(m) for m in mentions]
        focus_cc, focus_adm1 = self._focus(mentions, cands, default_country)
        self._support = self._region_support(mentions, cands)
        first = [max(c, key=lambda i, m=m: self._score(i, m.key, focus_cc, focus_adm1, None))  # type: ignore[misc]
                 for m, c in zip(mentions, cands, strict=True)]
        for _ in range(PASSES - 1):  # re-read each name against the others' current readings
            first = [max(c, key=lambda i, m=m, k=k: self._score(  # type: ignore[misc]
                i, m.key, focus_cc, focus_adm1, self._others(mentions, first, k)))
                for k, (m, c) in enumerate(zip(mentions, cands, strict=True))]
        out: list[Resolved] = []
        for k, (m, c) in enumerate(zip(mentions, cands, strict=True)):
            others = self._others(mentions, first, k)
            best = max(c, key=lambda i, m=m: self._score(i, m.key, focus_cc, focus_adm1, others))  # type: ignore[misc]
            if self._stray(best, m.key, focus_cc):
                continue
            out.append(Resolved(m, best, self._score(best, m.key, focus_cc, focus_adm1, others)))
        return out

    @staticmethod
    def _others(mentions: list[Mention], picks: list[int], k: int) -> list[int]:
        return [picks[x] for x in range(len(mentions)) if x != k and mentions[x].key != mentions[k].key]

    def _stray(self, i: int, key: str, focus_cc: dict[str, float]) -> bool:
        """A town abroad, matched only through an alternate name, in a text focused on one country: a
        name-list accident ("Cali" as a Somali first name), not a place of the story."""
        r = self.gaz.row(i)
        if r[R_KIND] != "city" or not focus_cc:
            return False
        top, share = max(focus_cc.items(), key=lambda kv: kv[1])
        return share >= 0.5 and r[R_CC] != top and (normalize(r[R_NAME]) != key or r[R_POP] < 5000)

    def _hinted(self, m: Mention) -> tuple[int, ...]:
        """Candidates, narrowed by a ", Region" / ", Country" qualifier when it agrees with any."""
        c = m.cands[:MAX_CANDS]
        if m.hint:
            hk = m.hint
            keep = tuple(i for i in c if normalize(self.gaz.row(i)[R_ADM1]) == hk
                         or self._country_named(self.gaz.row(i)[R_CC], hk))
            if not keep:  # the qualifier's own point: "Washington, D.C." -> the town within reach of it
                anchors = list(self.gaz.ids(hk)[:1])
                keep = tuple(i for i in c for h in anchors[:1]
                             if km(self.gaz.row(i)[R_LAT], self.gaz.row(i)[R_LON],
                                   self.gaz.row(h)[R_LAT], self.gaz.row(h)[R_LON]) < 150)
            if keep:
                return keep
        return c

    def _region_support(self, mentions: list[Mention], cands: list[tuple[int, ...]]) -> dict[str, set[str]]:
        """For each first-level region, the distinct names of the text that could lie in it. Two
        ambiguous names that share a possible region ("Huntsville" and "Walker County") most likely
        both lie there: this breaks the circularity of judging each by the others' first guesses."""
        out: dict[str, set[str]] = {}
        for m, c in zip(mentions, cands, strict=True):
            for i in c:
                r = self.gaz.row(i)
                if r[R_ADM1] and r[R_KIND] in ("city", "capital", "admin2", "local"):
                    out.setdefault(r[R_CC] + ":" + r[R_ADM1], set()).add(m.key)
        return out

    def _country_named(self, cc: str, key: str) -> bool:
        return any(self.gaz.row(h)[R_KIND] == "country" and self.gaz.row(h)[R_CC] == cc
                   for h in self.gaz.ids(key)[:3])

    def _focus(self, mentions: list[Mention], cands: list[tuple[int, ...]],
               default_country: str | None) -> tuple[dict[str, float], set[str]]:
        """Country shares among mentions that name one country unambiguously, and regions named."""
        votes: dict[str, float] = {}
        adm1: set[str] = set()
        for m, c in zip(mentions, cands, strict=True):
            rows = [self.gaz.row(i) for i in c]
            ccs = {r[R_CC] for r in rows}
            top = rows[0]
            if len(ccs) == 1:
                votes[top[R_CC]] = votes.get(top[R_CC], 0.0) + 1.0
            elif top[R_KIND] in ("country", "admin1") and normalize(top[R_NAME]) == m.key:
                votes[top[R_CC]] = votes.get(top[R_CC], 0.0) + 0.5
            for r in rows:
                if r[R_KIND] == "admin1" and (normalize(r[R_NAME]) == m.key or m.hint):
                    adm1.add(r[R_CC] + ":" + r[R_NAME])
                if r[R_ADM1] and (m.hint or len(rows) == 1):
                    adm1.add(r[R_CC] + ":" + r[R_ADM1])
        if default_country:
            votes[default_country] = votes.get(default_country, 0.0) + 0.6
        # A region counts only in a country the text is about: "Gaza" names a Mozambican province too.
        adm1 = {a for a in adm1 if a.split(":", 1)[0] in votes}
        total = sum(votes.values()) or 1.0
        return {k: v / total for k, v in votes.items()}, adm1

    def _score(self, i: int, key: str, focus_cc: dict[str, float], focus_adm1: set[str],
               others: list[int] | None) -> float:
        """Prior (what the name usually means) + context (what this text is about), the context capped
        so that a pile of weak local cues cannot turn "Russia" into a hamlet in Ohio."""
        r = self.gaz.row(i)
        s = self._prior(i, key)
        if r[R_KIND] in ("admin1", "admin2") and focus_cc and r[R_CC] not in focus_cc:
            s -= 1.0  # a province abroad ("Gaza" in Mozambique) only when the text is about that country
        ctx = W_COUNTRY * focus_cc.get(r[R_CC], 0.0)
        if r[R_ADM1] and (r[R_CC] + ":" + r[R_ADM1]) in focus_adm1:
            ctx += W_ADM1
        if r[R_ADM1]:
            others_there = len(self._support.get(r[R_CC] + ":" + r[R_ADM1], set()) - {key})
            ctx += W_SUPPORT * min(others_there, 3)
        if r[R_KIND] == "local" and r[R_AREA]:
            ctx += 1.0
        if others:
            ctx += self._neighbours(r, others)
        return s + min(ctx, MAX_CONTEXT)

    def _neighbours(self, r: Row, others: list[int]) -> float:
        """Closeness to the other places of the text (their first-pass readings)."""
        s = 0.0
        near = min((km(r[R_LAT], r[R_LON], self.gaz.row(o)[R_LAT], self.gaz.row(o)[R_LON])
                    for o in others if self._pointlike(o)), default=1e9)
        if near < 50:
            s += 1.2
        elif near < 200:
            s += 0.6
        if any(self.gaz.row(o)[R_CC] == r[R_CC] for o in others):
            s += 0.5
        if r[R_ADM1] and any(self.gaz.row(o)[R_ADM1] == r[R_ADM1] and self.gaz.row(o)[R_CC] == r[R_CC]
                             for o in others):
            s += W_SAME_ADM1  # another place of the text lies in the same region
        return s

    def _pointlike(self, i: int) -> bool:
        """Is this place small enough that its coordinates say where the text is? (not a large country)"""
        r = self.gaz.row(i)
        return r[R_KIND] != "country" or r[R_POP] < 20_000_000
