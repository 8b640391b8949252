"""Toponym resolution by context: the text's own qualifiers, the document's country and region focus,
nearby places; population breaks ties only after all of that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from .gazetteer import (
    R_ADM1,
    R_AREA,
    R_CC,
    R_KIND,
    R_LAT,
    R_LON,
    R_NAME,
    R_POP,
    Gazetteer,
    Row,
    bare_county,
    normalize,
)
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
CLOSE_KM = 40.0  # another name of the text that could lie this close backs a reading (county and seat)
W_CLOSE = 0.6  # per such name, up to MAX_CLOSE of them
W_CLOSE_COUNTY = 1.2  # ... when one of the two is a county: a town lying in the county the text names
MAX_CLOSE = 2
CLOSE_POP_SHARE = 0.1  # a town backs its neighbours only if it has this share of its name's largest's people
# The newspaper's own ground: a namesake ("Dublin", "Lewisburg") gains this times the share of the text's
# other places (their current readings) that lie in its region. Outside the context cap, like closeness:
# it decides between places of one name, where population would otherwise decide alone.
W_LOCAL = 3.0
# A name matching one small town only is weak evidence of a country: the gazetteer lists small places
# unevenly ("Hampton Park" is only an Australian suburb in it, but a Charleston park in the story).
SMALL_TOWN_POP = 5000
W_SMALL_TOWN_VOTE = 0.5
# Grid cell for the closeness look-up. 3x3 cells reach CLOSE_KM every way up to about 40 degrees of
# latitude; farther north a pair at the east-west edge of reach may be missed, which only costs a bonus.
_CELL_DEG = 0.5
_POINTS = frozenset({"city", "capital", "admin2", "admin3", "local"})
_COUNTY = frozenset({"admin2", "admin3"})
_QUALIFIER_KINDS = frozenset({"admin1", "admin2", "admin3", "region", "country"})
_SETTLEMENT = frozenset({"city", "capital", "local"})
_UNIT = frozenset({"admin1", "admin2", "admin3", "region"})
_STRONG_KINDS = frozenset({"country", "admin1", "region", "capital", "local"})
_KIND_BONUS = {"country": 1.6, "region": 1.3, "admin1": 1.3, "admin2": 0.2, "admin3": 0.1, "city": 0.0,
               "capital": 1.5, "local": 0.6}


_Backers = tuple[tuple[str, float], ...]  # (name of the text, weight) pairs that back one reading


@dataclass
class _Near:
    """The text's other places as one name's context: points, countries and regions."""

    points: list[tuple[float, float]]
    ccs: set[str]
    adm1s: set[tuple[str, str]]
    shares: dict[tuple[str, str], float]  # region -> share of the other places lying in it


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


@lru_cache(maxsize=1 << 14)
def _bare_county_key(name: str) -> str:
    """ "douglas" for Douglas County: its own name without the word, as local news says it."""
    bare = bare_county(name)
    return normalize(bare[0]) if bare else ""


def _bare_reading(r: Row, key: str) -> bool:
    """Is this county read from its bare name ("Douglas" for Douglas County)?"""
    return r[R_KIND] == "admin2" and _bare_county_key(r[R_NAME]) == key


def _related(a: str, b: str) -> bool:
    """One name, or one built on the other ("Hanover" and "Hanover Town"): no independent witness."""
    return a == b or a.startswith(b + " ") or b.startswith(a + " ")


def _cell(lat: float, lon: float) -> tuple[int, int]:
    return int(lat // _CELL_DEG), int(lon // _CELL_DEG)


class Resolver:
    def __init__(self, gaz: Gazetteer) -> None:
        self.gaz = gaz
        self._support: dict[str, set[str]] = {}
        self._close: dict[int, _Backers] = {}
        self._rel: dict[str, frozenset[str]] = {}  # each name of the text -> the names related to it
        self._adm1_namers: dict[str, set[str]] = {}  # region -> the names of the text that place it
        self._home_adm1: str | None = None  # the region most of the text's clear names lie in
        self._focus_votes = 0.0  # unambiguous country votes behind the current document's focus

    def _prior(self, i: int, key: str) -> float:
        r = self.gaz.row(i)
        s = W_POP * math.log10(r[R_POP] + 1) + _KIND_BONUS.get(r[R_KIND], 0.0)
        if normalize(r[R_NAME]) == key or _bare_reading(r, key):
            s += 0.8  # the place's own name rather than one of its many alternate names
            if r[R_KIND] in ("country", "admin1", "region"):
                # "Egypt" is the country before it is any town named after it
                s += W_OWN_NAME * (2.0 if r[R_KIND] == "country" else 1.0)
        return s

    def resolve(self, mentions: list[Mention], default_country: str | None = None) -> list[Resolved]:
        if not mentions:
            return []
        keys = {m.key for m in mentions}
        self._rel = {k: frozenset(o for o in keys if _related(k, o)) for k in keys}
        cands = [self._hinted(m) for m in mentions]
        self._close = self._close_support(mentions, cands)
        cands = [self._backed_counties(m.key, c) for m, c in zip(mentions, cands, strict=True)]
        focus_cc, focus_adm1 = self._focus(mentions, cands, default_country)
        self._support = self._region_support(mentions, cands)
        # A name repeated with the same candidates reads the same way (its "others" exclude every
        # mention of it), so each (name, candidates) pair is scored once per pass.
        memo: dict[tuple[str, tuple[int, ...]], tuple[int, float]] = {}
        first = [self._best(m.key, c, focus_cc, focus_adm1, None, memo)[0]
                 for m, c in zip(mentions, cands, strict=True)]
        for _ in range(PASSES):  # re-read each name against the others' current readings
            memo = {}
            picks, first = first, []
            for k, (m, c) in enumerate(zip(mentions, cands, strict=True)):
                if (m.key, c) not in memo:  # the others are gathered only for a name not scored yet
                    self._best(m.key, c, focus_cc, focus_adm1, self._others(mentions, picks, k), memo)
                first.append(memo[(m.key, c)][0])
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

    def _others(self, mentions: list[Mention], picks: list[int], k: int) -> list[int]:
        """The current readings of the text's other names, each place once."""
        key = mentions[k].key
        rel = self._rel[key]
        return list(dict.fromkeys(picks[x] for x, m in enumerate(mentions) if m.key not in rel))

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
            if not keep and "qualified" in m.flags:
                # "Ceel-Dheer village (Bulo Burto, Hiraan)" when the only Ceel Dheer we know lies two
                # regions away: a place the gazetteer lacks, placed where its qualifier says it lies. Only
                # an administrative unit qualifies so: a bracket may also hold another name of the place.
                keep = tuple(h for h in self.gaz.ids(hk)[:1] if self.gaz.row(h)[R_KIND] in _QUALIFIER_KINDS)
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

    @staticmethod
    def _named_county(r: Row, key: str) -> bool:
        """A county named as one ("Henry County"); read from its bare name ("Cowley") it is only as
        good as a town: "Oxford" and "Cowley" are an English city and its suburb before a Kansas pair."""
        return r[R_KIND] in _COUNTY and not _bare_reading(r, key)

    def _backed_counties(self, key: str, c: tuple[int, ...]) -> tuple[int, ...]:
        """A county read from its bare name ("Douglas" for Douglas County) stays a candidate only if
        another name of the text lies near it; else the name keeps its other readings."""
        keep = tuple(i for i in c if not _bare_reading(self.gaz.row(i), key)
                     or any(k not in self._rel[key] for k, _ in self._close.get(i, ())))
        return keep or c

    def _close_support(self, mentions: list[Mention], cands: list[tuple[int, ...]]) -> dict[int, _Backers]:
        """For each candidate place, the names of the text that could lie within CLOSE_KM of it.
        "Paris" and "Henry County" are both ambiguous, but only one Paris lies in a Henry County: a
        town and its county, read close together, is how local news names its own ground."""
        seen: dict[str, tuple[int, ...]] = {}
        for m, c in zip(mentions, cands, strict=True):
            if m.min_pop is None:
                seen.setdefault(m.key, c)
        out: dict[int, _Backers] = {}
        if len(seen) < 2 or all(len(c) < 2 for c in cands):
            return out  # one name, or nothing to choose between
        # each point: (lat, lon, name, 2 = county, 1 = a town of some standing, 0 = a namesake hamlet)
        grid: dict[tuple[int, int], list[tuple[float, float, str, int]]] = {}
        for key, c in seen.items():
            top = max((self.gaz.row(i)[R_POP] for i in c), default=0)
            for i in c:
                r = self.gaz.row(i)
                # a county read from its bare name ("Ohio" as Ohio County) backs nothing at all
                if r[R_KIND] not in _POINTS or _bare_reading(r, key):
                    continue
                # a hamlet that shares a big city's name backs only a county: "Chicago" and "Moscow"
                # in one story are not two villages that happen to lie side by side
                kind = 2 if self._named_county(r, key) else int(r[R_POP] >= CLOSE_POP_SHARE * top)
                grid.setdefault(_cell(r[R_LAT], r[R_LON]), []).append((r[R_LAT], r[R_LON], key, kind))
        done: set[str] = set()
        for m, c in zip(mentions, cands, strict=True):
            if len(c) < 2 or m.key in done:
                continue  # nothing to choose between, or read already
            done.add(m.key)
            for i in c:
                r = self.gaz.row(i)
                if r[R_KIND] in _POINTS:
                    got = self._backers(r, m.key, grid)
                    if got:
                        out[i] = got
        return out

    def _backers(self, r: Row, key: str, grid: dict[tuple[int, int], list[tuple[float, float, str, int]]]
                 ) -> _Backers:
        """The other names of the text with a reading within CLOSE_KM of this place, and their weights."""
        county = self._named_county(r, key)
        lat, lon = r[R_LAT], r[R_LON]
        cy, cx = _cell(lat, lon)
        got: dict[str, float] = {}
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                for la, lo, k, kind in grid.get((cy + dy, cx + dx), ()):
                    if k == key or not (county or kind):
                        continue
                    w = W_CLOSE_COUNTY if county or kind == 2 else W_CLOSE
                    if w > got.get(k, 0.0) and abs(la - lat) * KM_PER_DEG_LAT <= CLOSE_KM \
                            and km(lat, lon, la, lo) <= CLOSE_KM:
                        got[k] = w
        return tuple(got.items())

    def _country_named(self, cc: str, key: str) -> bool:
        return any(self.gaz.row(h)[R_KIND] == "country" and self.gaz.row(h)[R_CC] == cc
                   for h in self.gaz.ids(key)[:3])

    def _focus(self, mentions: list[Mention], cands: list[tuple[int, ...]],
               default_country: str | None) -> tuple[dict[str, float], set[str]]:
        """Country shares among mentions that name one country unambiguously, and regions named."""
        votes: dict[str, float] = {}
        adm1: set[str] = set()
        self._adm1_namers = {}
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
                votes[rows[0][R_CC]] = votes.get(rows[0][R_CC], 0.0) + self._vote_weight(rows)
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
                self._adm1_namers.setdefault(a, set()).add(m.key)
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

    @staticmethod
    def _vote_weight(rows: list[Row]) -> float:
        """How strongly a name found in one country only votes for it (see SMALL_TOWN_POP)."""
        small = all(r[R_KIND] == "city" and r[R_POP] < SMALL_TOWN_POP for r in rows)
        return W_SMALL_TOWN_VOTE if small else 1.0

    def _score(self, i: int, key: str, focus_cc: dict[str, float], focus_adm1: set[str],
               near: _Near | None) -> float:
        """Prior (what the name usually means) + context (what this text is about), the context capped
        so that a pile of weak local cues cannot turn "Russia" into a hamlet in Ohio."""
        r = self.gaz.row(i)
        s = self._prior(i, key)
        if r[R_KIND] in ("admin1", "admin2", "admin3") and focus_cc and r[R_CC] not in focus_cc:
            s -= 1.0  # a province abroad ("Gaza" in Mozambique) only when the text is about that country
        ctx = W_COUNTRY * focus_cc.get(r[R_CC], 0.0)
        region = r[R_CC] + ":" + r[R_ADM1]
        if r[R_ADM1] and region in focus_adm1 and self._named_apart(region, key):
            ctx += W_ADM1
            if r[R_CC] + ":" + r[R_ADM1] == self._home_adm1:
                ctx += W_HOME_ADM1
        if r[R_ADM1]:
            others_there = len(self._support.get(r[R_CC] + ":" + r[R_ADM1], set()) - {key})
            ctx += W_SUPPORT * min(others_there, 3)
        if r[R_KIND] == "local" and r[R_AREA]:
            ctx += 1.0
        # Outside the cap: a named neighbour within CLOSE_KM is evidence about this very place, not one
        # more cue about the region (two Minnesota readings of "Becker" differ only in it).
        close = self._close.get(i)
        if close:
            rel = self._rel[key]
            s += sum(sorted((w for k, w in close if k not in rel), reverse=True)[:MAX_CLOSE])
        if near is not None:
            ctx += self._neighbours(r, near)
            s += self._local(r, key, near)
        return s + min(ctx, MAX_CONTEXT)

    @staticmethod
    def _local(r: Row, key: str, near: _Near) -> float:
        """The W_LOCAL tie-break, for a place that bears the name as its own (a town, a county read from
        its bare name, the region itself): an alternate name ("Chicago" for Willard, Ohio) gets none, or
        the local story's region would turn every such name into a village there."""
        share = near.shares.get((r[R_CC], r[R_ADM1]), 0.0) if r[R_ADM1] else 0.0
        if not share or not (normalize(r[R_NAME]) == key or _bare_reading(r, key)):
            return 0.0
        return W_LOCAL * share

    def _named_apart(self, region: str, key: str) -> bool:
        """Is the region named by this name itself ("Texas") or by an independent one? "Hanover Town"
        placing itself in Virginia says nothing of where the story's "Hanover" lies."""
        return any(n == key or n not in self._rel[key] for n in self._adm1_namers.get(region, ()))

    def _near(self, others: list[int]) -> _Near:
        rows = [self.gaz.row(o) for o in others]
        points = [(r[R_LAT], r[R_LON]) for o, r in zip(others, rows, strict=True) if self._pointlike(o)]
        shares: dict[tuple[str, str], float] = {}
        for r in rows:
            if r[R_ADM1]:
                shares[(r[R_CC], r[R_ADM1])] = shares.get((r[R_CC], r[R_ADM1]), 0.0) + 1.0 / len(rows)
        return _Near(points=points, ccs={r[R_CC] for r in rows}, adm1s={(r[R_CC], r[R_ADM1]) for r in rows},
                     shares=shares)

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
