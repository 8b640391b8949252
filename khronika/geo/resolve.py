"""Toponym resolution by context: the text's own qualifiers, the document's country and region focus,
nearby places; population breaks ties only after all of that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .gazetteer import R_ADM1, R_AREA, R_CC, R_KIND, R_LAT, R_LON, R_NAME, R_POP, Gazetteer, Row, normalize
from .toponyms import Mention

MAX_CANDS = 40
KM_PER_DEG_LAT = 111.19  # a degree of latitude is this long everywhere (within 0.5%)
W_COUNTRY = 1.6  # times the share of the document's unambiguous mentions in the candidate's country
W_ADM1 = 2.0  # the candidate lies in a region the document names
W_POP = 0.16  # per power of ten of population
W_OWN_NAME = 1.0
W_SAME_ADM1 = 1.0
W_HOME_ADM1 = 1.0  # the candidate lies in the region most of the text's clear names lie in
PASSES = 2
MAX_CONTEXT = 6.0  # generous: local news is local, but not unbounded
COUNTRY_NAMESAKE_POP = 5000  # a smaller town named like a country is not what its name means
NAMESAKE_TOWN_POP = 20_000  # a region's name that a town this big bears too ("Alexandria") sets no focus
UNIT_NEAR_KM = 60.0  # a bare sub-district name must lie this close to another place of the text
W_SUPPORT = 0.4  # per other name of the text (up to 3) that could lie in the candidate's region
_SETTLEMENT = frozenset({"city", "capital", "local"})
_UNIT = frozenset({"admin1", "admin2", "admin3", "region"})
_STRONG_KINDS = frozenset({"country", "admin1", "region", "capital", "local"})
_KIND_BONUS = {"country": 1.6, "region": 1.3, "admin1": 1.3, "admin2": 0.2, "admin3": 0.1, "city": 0.0,
               "capital": 1.5, "local": 0.6}


@dataclass
class _Near:
    """The text's other places as one name's context: points, countries and regions."""

    points: list[tuple[float, float]]
    ccs: set[str]
    adm1s: set[tuple[str, str]]


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
        self._home_adm1: str | None = None  # the region most of the text's clear names lie in
        self._focus_votes = 0.0  # unambiguous country votes behind the current document's focus

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
        # A name repeated with the same candidates reads the same way (its "others" exclude every
        # mention of it), so each (name, candidates) pair is scored once per pass.
        memo: dict[tuple[str, tuple[int, ...]], tuple[int, float]] = {}
        first = [self._best(m.key, c, focus_cc, focus_adm1, None, memo)[0]
                 for m, c in zip(mentions, cands, strict=True)]
        for _ in range(PASSES):  # re-read each name against the others' current readings
            memo = {}
            picks = first
            first = [self._best(m.key, c, focus_cc, focus_adm1, self._others(mentions, picks, k), memo)[0]
                     for k, (m, c) in enumerate(zip(mentions, cands, strict=True))]
        out: list[Resolved] = []
        for m, c, best in zip(mentions, cands, first, strict=True):
            if self._stray(best, m.key, focus_cc) or not self._well_known(best, m, focus_cc):
                continue
            out.append(Resolved(m, best, memo[(m.key, c)][1]))
        return [r for r in out if self._unit_ok(r, out)]

    def _best(self, key: str, c: tuple[int, ...], focus_cc: dict[str, float], focus_adm1: set[str],
              others: list[int] | None, memo: dict[tuple[str, tuple[int, ...]], tuple[int, float]]
              ) -> tuple[int, float]:
        """The best-scoring candidate and its score, memoised per (name, candidates)."""
        got = memo.get((key, c))
        if got is None:
            near = self._near(others) if others else None
            got = max(((i, self._score(i, key, focus_cc, focus_adm1, near)) for i in c), key=lambda t: t[1])
            memo[(key, c)] = got
        return got

    def _unit_ok(self, r: Resolved, out: list[Resolved]) -> bool:
        """A sub-district (upazila) read from a bare name needs the text's other places nearby: "Mirpur"
        in a Dhaka story is the Dhaka quarter, not the upazila of that name 140 km away."""
        row = self.gaz.row(r.row)
        if row[R_KIND] != "admin3" or "unit" in r.mention.flags:
            return True
        return any(o is not r and o.mention.key != r.mention.key and self._pointlike(o.row)
                   and km(row[R_LAT], row[R_LON], self.gaz.row(o.row)[R_LAT], self.gaz.row(o.row)[R_LON])
                   < UNIT_NEAR_KM for o in out)

    @staticmethod
    def _others(mentions: list[Mention], picks: list[int], k: int) -> list[int]:
        """The current readings of the text's other names, each place once."""
        key = mentions[k].key
        return list(dict.fromkeys(picks[x] for x in range(len(mentions)) if mentions[x].key != key))

    def _stray(self, i: int, key: str, focus_cc: dict[str, float]) -> bool:
        """A town abroad, matched only through an alternate name, in a text focused on one country: a
        name-list accident ("Cali" as a Somali first name), not a place of the story."""
        r = self.gaz.row(i)
        if r[R_KIND] != "city" or not focus_cc:
            return False
        top, share = max(focus_cc.items(), key=lambda kv: kv[1])
        return share >= 0.5 and r[R_CC] != top and (normalize(r[R_NAME]) != key or r[R_POP] < 5000)

    def _hinted(self, m: Mention) -> tuple[int, ...]:
        """Candidates, narrowed by a ", Region" / ", Country" qualifier when it agrees with any, and by
        the kind word after the name ("Sylhet city", "Kurigram district")."""
        c = self._kinded(m, m.cands[:MAX_CANDS])
        if not m.hint and any(self.gaz.row(i)[R_KIND] == "country"
                              and normalize(self.gaz.row(i)[R_NAME]) == m.key for i in c):
            # "Russia" is the country, not the village in the document's state that shares its name;
            # a town of some size may still be meant ("Lebanon" in Pennsylvania news)
            c = tuple(i for i in c if self.gaz.row(i)[R_KIND] != "city"
                      or self.gaz.row(i)[R_POP] >= COUNTRY_NAMESAKE_POP) or c
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

    def _kinded(self, m: Mention, c: tuple[int, ...]) -> tuple[int, ...]:
        want = _SETTLEMENT if "settlement" in m.flags else _UNIT if "unit" in m.flags else None
        if want is None:
            return c
        keep = tuple(i for i in c if self.gaz.row(i)[R_KIND] in want)
        return keep or c

    def _well_known(self, i: int, m: Mention, focus_cc: dict[str, float]) -> bool:
        """May a weakly evidenced name (see Mention.min_pop) stand for this place?"""
        r = self.gaz.row(i)
        if m.min_pop is None or m.hint or r[R_KIND] in _STRONG_KINDS:
            return True  # a ", W.Va." qualifier is evidence enough
        if not focus_cc:
            return r[R_POP] >= m.min_pop
        if m.min_pop == 0:
            # Only a capital letter at a sentence's start: keep the name unless the text is clearly
            # (two or more clear names) about other countries.
            return r[R_CC] in focus_cc or self._focus_votes < 2
        top, share = max(focus_cc.items(), key=lambda kv: kv[1])
        return r[R_CC] == top and share >= 0.5 and r[R_POP] >= m.min_pop

    def _region_support(self, mentions: list[Mention], cands: list[tuple[int, ...]]) -> dict[str, set[str]]:
        """For each first-level region, the distinct names of the text that could lie in it. Two
        ambiguous names that share a possible region ("Huntsville" and "Walker County") most likely
        both lie there: this breaks the circularity of judging each by the others' first guesses."""
        out: dict[str, set[str]] = {}
        for m, c in zip(mentions, cands, strict=True):
            if m.min_pop is not None:
                continue
            for i in c:
                r = self.gaz.row(i)
                if r[R_ADM1] and r[R_KIND] in ("city", "capital", "admin2", "admin3", "local"):
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
        adm1_votes: dict[str, int] = {}
        for m, c in zip(mentions, cands, strict=True):
            if m.min_pop is not None:
                continue  # weak evidence of a name does not set the document's focus
            rows = [self.gaz.row(i) for i in c]
            ccs = {r[R_CC] for r in rows}
            # "Texas" is the state before it is any town of that name, wherever the towns sort
            own = {r[R_CC] for r in rows
                   if r[R_KIND] in ("country", "admin1") and normalize(r[R_NAME]) == m.key}
            if len(ccs) == 1:
                votes[rows[0][R_CC]] = votes.get(rows[0][R_CC], 0.0) + 1.0
            elif len(own) == 1 and (rows[0][R_KIND] in ("country", "admin1")
                                    or max(r[R_POP] for r in rows) < NAMESAKE_TOWN_POP):
                cc = own.pop()
                votes[cc] = votes.get(cc, 0.0) + 0.5
            named: set[str] = set()
            for r in rows:
                if r[R_KIND] == "admin1" and (normalize(r[R_NAME]) == m.key or m.hint):
                    named.add(r[R_CC] + ":" + r[R_NAME])
                if r[R_ADM1] and (m.hint or len(rows) == 1):
                    named.add(r[R_CC] + ":" + r[R_ADM1])
            adm1 |= named
            for a in named:
                adm1_votes[a] = adm1_votes.get(a, 0) + 1
        if default_country:
            votes[default_country] = votes.get(default_country, 0.0) + 0.6
        # A region counts only in a country the text is about: "Gaza" names a Mozambican province too.
        adm1 = {a for a in adm1 if a.split(":", 1)[0] in votes}
        self._focus_votes = sum(v for k, v in votes.items())
        # The state a local story is set in: named or unambiguous at least twice, more than any other.
        ranked = sorted(((n, a) for a, n in adm1_votes.items() if a in adm1), reverse=True)
        self._home_adm1 = ranked[0][1] if ranked and ranked[0][0] >= 2 and (
            len(ranked) == 1 or ranked[0][0] > ranked[1][0]) else None
        total = sum(votes.values()) or 1.0
        return {k: v / total for k, v in votes.items()}, adm1

    def _score(self, i: int, key: str, focus_cc: dict[str, float], focus_adm1: set[str],
               near: _Near | None) -> float:
        """Prior (what the name usually means) + context (what this text is about), the context capped
        so that a pile of weak local cues cannot turn "Russia" into a hamlet in Ohio."""
        r = self.gaz.row(i)
        s = self._prior(i, key)
        if r[R_KIND] in ("admin1", "admin2", "admin3") and focus_cc and r[R_CC] not in focus_cc:
            s -= 1.0  # a province abroad ("Gaza" in Mozambique) only when the text is about that country
        ctx = W_COUNTRY * focus_cc.get(r[R_CC], 0.0)
        if r[R_ADM1] and (r[R_CC] + ":" + r[R_ADM1]) in focus_adm1:
            ctx += W_ADM1
            if r[R_CC] + ":" + r[R_ADM1] == self._home_adm1:
                ctx += W_HOME_ADM1
        if r[R_ADM1]:
            others_there = len(self._support.get(r[R_CC] + ":" + r[R_ADM1], set()) - {key})
            ctx += W_SUPPORT * min(others_there, 3)
        if r[R_KIND] == "local" and r[R_AREA]:
            ctx += 1.0
        if near is not None:
            ctx += self._neighbours(r, near)
        return s + min(ctx, MAX_CONTEXT)

    def _near(self, others: list[int]) -> _Near:
        rows = [self.gaz.row(o) for o in others]
        points = [(r[R_LAT], r[R_LON]) for o, r in zip(others, rows, strict=True) if self._pointlike(o)]
        return _Near(points=points, ccs={r[R_CC] for r in rows}, adm1s={(r[R_CC], r[R_ADM1]) for r in rows})

    @staticmethod
    def _neighbours(r: Row, near: _Near) -> float:
        """Closeness to the other places of the text (their current readings)."""
        s = 0.0
        lat, lon = r[R_LAT], r[R_LON]
        # only the 50 and 200 km marks matter: skip the trigonometry for points a latitude band away
        dist = min((km(lat, lon, la, lo) for la, lo in near.points if abs(la - lat) * KM_PER_DEG_LAT <= 200),
                   default=1e9)
        if dist < 50:
            s += 1.2
        elif dist < 200:
            s += 0.6
        if r[R_CC] in near.ccs:
            s += 0.5
        if r[R_ADM1] and (r[R_CC], r[R_ADM1]) in near.adm1s:
            s += W_SAME_ADM1  # another place of the text lies in the same region
        return s

    def _pointlike(self, i: int) -> bool:
        """Is this place small enough that its coordinates say where the text is? (not a large country)"""
        r = self.gaz.row(i)
        return r[R_KIND] != "country" or r[R_POP] < 20_000_000
