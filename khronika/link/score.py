"""Pairwise comparison of two event records: structured fields first, text as a tie-breaker.

`Scorer.score(a, b)` returns a score in 0..~1.5, or -1.0 when the pair can never be one incident
(incompatible types, days or places too far apart without a shared victim). It depends on the two
records only, never on what else is stored: that is what makes linking independent of ingest order.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import names as nm
from .records import EventRecord

VETO = -1.0
TextSim = Callable[[str, str], float]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 12742.0 * math.asin(min(1.0, math.sqrt(h)))


def type_group(r: EventRecord) -> str:
    """The blocking group: disruptions by sub-type, everything else by ACLED type."""
    return "D:" + r.subtype if r.family == "disruption" else "T:" + r.type


@dataclass(slots=True)
class Detail:
    score: float
    type: float = 0.0
    date: float = 0.0
    place: float = 0.0
    text: float | None = None
    name: str | None = None  # full, surname, clash
    toll: str | None = None  # agree, differ (both report deaths), None
    veto: str | None = None


class Scorer:
    def __init__(self, cfg: dict[str, Any], text_sim: TextSim | None = None) -> None:
        self.cfg = cfg
        self.text_sim = text_sim
        w = {k: float(v) for k, v in cfg["weights"].items()}
        self.w_type, self.w_date, self.w_place, self.w_text = w["type"], w["date"], w["place"], w["text"]
        self.b_name, self.b_surname, self.p_clash = w["name_bonus"], w["surname_bonus"], w["name_clash"]
        self.b_toll = w["toll_bonus"]
        self.toll_ratio = float(cfg["fatalities"]["toll_ratio"])
        self.t_lethal = float(cfg["fatalities"]["lethal_type"])
        t = cfg["type"]
        self.t_sub, self.t_type = float(t["same_subtype"]), float(t["same_type"])
        self.t_compat = float(t["compatible"])
        self.compat: set[tuple[str, str]] = set()
        for a, b in t["compatible_types"]:
            self.compat |= {(a, b), (b, a)}
        d = cfg["date"]
        self.window, self.name_window = int(d["window_days"]), int(d["name_window_days"])
        self.d_exact, self.d_imprecise = float(d["exact"]), float(d["overlap_imprecise"])
        self.d_unknown, self.gap_score = float(d["unknown"]), float(d["gap_score"])
        self.max_span = int(cfg["blocking"]["max_day_span"])
        p = cfg["place"]
        self.radius: dict[str, float] = {k: float(v) for k, v in p["radius_km"].items()}
        self.agree: dict[str, float] = {k: float(v) for k, v in p["agree"].items()}
        self.slack, self.p_unknown = float(p["slack_km"]), float(p["unknown"])
        self.order = {k: i for i, k in enumerate(p["radius_km"])}
        self.suggest = float(cfg["thresholds"]["suggest"])
        self.confirm = float(cfg["thresholds"]["confirm"])
        self.t_unknown = float(cfg["text"]["unknown"])
        self.gap_needs_more = bool(cfg["date"].get("gap_confirms_only_with_name_or_toll", True))
        self.t_floor, self.t_ceil = float(cfg["text"]["floor"]), float(cfg["text"]["ceil"])
        self.confirm_precision = {fam: self.order[prec] for fam, prec in p["confirm_precision"].items()}

    def compatible_groups(self, r: EventRecord) -> list[str]:
        if r.family == "disruption":
            return ["D:" + r.subtype]
        out = {"T:" + r.type}
        out |= {"T:" + b for a, b in self.compat if a == r.type}
        return sorted(out)

    def type_score(self, a: EventRecord, b: EventRecord) -> float:
        if (a.family == "disruption") != (b.family == "disruption"):
            return VETO
        if a.subtype == b.subtype:
            return self.t_sub
        if a.family == "disruption":
            return VETO
        if a.type == b.type:
            return self.t_type
        return self.t_compat if (a.type, b.type) in self.compat else VETO

    def date_gap(self, a: EventRecord, b: EventRecord) -> int | None:
        if a.day_lo is None or b.day_lo is None or a.day_hi is None or b.day_hi is None:
            return None
        return max(0, max(a.day_lo, b.day_lo) - min(a.day_hi, b.day_hi))

    def date_score(self, a: EventRecord, b: EventRecord, victim: bool) -> float:
        gap = self.date_gap(a, b)
        if gap is None:
            return self.d_unknown
        assert a.day_hi is not None and a.day_lo is not None and b.day_hi is not None and b.day_lo is not None
        wide = max(a.day_hi - a.day_lo, b.day_hi - b.day_lo) > self.max_span
        if wide:
            return self.d_unknown if victim else VETO
        if 0 < gap <= self.window and not (a.dated and b.dated):
            return self.d_unknown  # an undated event's days are a guess: missing them is no disagreement
        if gap == 0:
            precise = a.dated and b.dated and a.day_lo == a.day_hi and b.day_lo == b.day_hi
            return float(self.d_exact if precise else self.d_imprecise)
        if gap <= self.window:
            return self.gap_score * (self.window + 1 - gap) / self.window
        return 0.2 if victim and gap <= self.name_window else VETO

    def place_tolerance(self, a: EventRecord, b: EventRecord) -> float:
        assert a.place_precision is not None and b.place_precision is not None
        return self.radius[a.place_precision] + self.radius[b.place_precision] + self.slack

    def place_score(self, a: EventRecord, b: EventRecord, victim: bool) -> float:
        if a.lat is None or b.lat is None or a.lon is None or b.lon is None:
            return self.p_unknown
        assert a.place_precision is not None and b.place_precision is not None
        d = haversine_km(a.lat, a.lon, b.lat, b.lon)
        if d <= self.place_tolerance(a, b):
            coarser = max(a.place_precision, b.place_precision, key=lambda p: self.order[p])
            return float(self.agree[coarser])
        return 0.1 if victim else VETO

    def names(self, a: EventRecord, b: EventRecord) -> str | None:
        if not a.names or not b.names:
            return None
        an = [tuple(x) for x in a.names]
        bn = [tuple(x) for x in b.names]
        if any(nm.full_match(x, y) for x in an for y in bn):
            return "full"
        if any(nm.surname_match(x, y) for x in an for y in bn):
            return "surname"
        av = [tuple(x) for x in a.victim_names if len(x) >= 2]
        bv = [tuple(x) for x in b.victim_names if len(x) >= 2]
        if av and bv:
            return "clash"  # both name their victims in full and share none
        return None

    def shared_victim(self, a: EventRecord, b: EventRecord) -> bool:
        """Both name one victim in full: a person killed is one incident, wherever each report puts it."""
        av = [tuple(x) for x in a.victim_names if len(x) >= 2]
        bv = [tuple(x) for x in b.victim_names if len(x) >= 2]
        return any(nm.full_match(x, y) for x in av for y in bv)

    def toll(self, a: EventRecord, b: EventRecord) -> str | None:
        """"agree" when both report deaths of one kind (one each, or many within `toll_ratio`), "differ"
        when both report deaths of different kinds, None when either reports none."""
        if not a.fatalities or not b.fatalities:
            return None
        (alo, ahi), (blo, bhi) = _toll_range(a), _toll_range(b)
        if ahi == 1 and bhi == 1:
            return "agree"
        if alo >= 2 and blo >= 2 and max(alo, blo) <= self.toll_ratio * min(ahi, bhi):
            return "agree"
        return "differ"

    def too_far(self, a: EventRecord, b: EventRecord) -> bool:
        """True only if `detail` would veto the pair on place. Blocking's cells bring candidates from
        several kilometres around (on the synthetic archive, 63% of the pairs scored were vetoed on
        place), and this distance test is a fraction of a full scoring."""
        if a.lat is None or b.lat is None or a.lon is None or b.lon is None:
            return False
        if a.victim_names and b.victim_names:
            return False  # a shared victim stretches the tolerance: let `detail` decide
        return haversine_km(a.lat, a.lon, b.lat, b.lon) > self.place_tolerance(a, b)

    def detail(self, a: EventRecord, b: EventRecord) -> Detail:
        if a.doc_id == b.doc_id:
            return Detail(VETO, veto="same document")
        ts = self.type_score(a, b)
        if ts < 0:
            return Detail(VETO, veto="type")
        toll = self.toll(a, b)
        if ts == self.t_compat and toll is not None:
            ts = max(ts, self.t_lethal)
        no_place = a.lat is None or b.lat is None
        if no_place and (a.subtype != b.subtype or self.date_gap(a, b) != 0) and not self.shared_victim(a, b):
            return Detail(VETO, type=ts, veto="no place: needs the same sub-type and day")
        name = self.names(a, b)
        full = name == "full"
        # Only a shared victim stretches the date window and the place tolerance: a person killed is one
        # incident wherever and whenever each report puts it, but a leader named in reports of several
        # days' protests does not make them one protest (and a misread name would chain a whole week).
        victim = full and self.shared_victim(a, b)
        ds = self.date_score(a, b, victim)
        if ds < 0:
            return Detail(VETO, type=ts, name=name, veto="date")
        ps = self.place_score(a, b, victim)
        if ps < 0:
            return Detail(VETO, type=ts, date=ds, name=name, veto="place")
        s = self.w_type * ts + self.w_date * ds + self.w_place * ps
        if full:
            s += self.b_name
        elif name == "surname" and ds >= 0.6 and ps >= 0.6:
            s += self.b_surname
        elif name == "clash":
            s -= self.p_clash
        if toll == "agree":
            s += self.b_toll
        text: float | None = None
        # Text only where it can change the outcome: it is the slowest signal and the weakest.
        if self.text_sim is not None and s + self.w_text >= self.suggest and s < self.confirm:
            cos = self.text_sim(a.text, b.text)
            text = max(0.0, min(1.0, (cos - self.t_floor) / (self.t_ceil - self.t_floor)))
            s += self.w_text * text
        else:
            s += self.w_text * self.t_unknown
        if not full and not self.precise_enough(a, b):
            s = min(s, self.confirm - 0.001)  # at most a suggestion: see place.confirm_precision
        day_apart = a.dated and b.dated and bool(self.date_gap(a, b))
        if self.gap_needs_more and day_apart and not victim and toll != "agree":
            s = min(s, self.confirm - 0.001)  # at most a suggestion: see date.gap_confirms_only_with_...
        return Detail(round(s, 6), type=ts, date=ds, place=ps, text=text, name=name, toll=toll)

    def precise_enough(self, a: EventRecord, b: EventRecord) -> bool:
        if a.place_precision is None or b.place_precision is None:
            return False
        need = self.confirm_precision.get(a.family, self.order["district"])
        return max(self.order[a.place_precision], self.order[b.place_precision]) <= need

    def score(self, a: EventRecord, b: EventRecord) -> float:
        return self.detail(a, b).score


def _toll_range(r: EventRecord) -> tuple[int, int]:
    lo = r.fatalities or 0
    hi = r.fatalities_high if r.fatalities_high and r.fatalities_high >= lo else lo
    return lo, hi
