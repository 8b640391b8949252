"""Blocking keys: which stored events a new one is compared with.

An event *emits* keys under which it is found and *queries* keys to find others. Every pair that the
scorer does not veto shares a key (one side's query meets the other's emit), whichever came first:
- day keys: (type group, local day, cell) for each day of the event's interval; a query widens the
  interval by the date window and looks in every cell that the place tolerance can reach;
- fine cells hold places of district precision or finer and cities; an ACLED event whose place is
  precise enough to confirm a link (`place.confirm_precision`) also sits on a small grid of its own
  ("p" cells), and a city-wide one sits apart ("y" cells), so precise reports of a busy city are
  compared with their neighbourhood's only; regions sit on a coarse grid, and
  fine events also emit their coarse cell so that regions find them; events without a usable place
  (none, or a whole country) are compared only on their own sub-type and days: they emit "u" and query
  "a", which every event emits, both keyed by sub-type;
- name keys: every pair of tokens of a full name, without a day, so that a killing dated the 6th in
  one report and the 7th in another is still compared (the scorer allows a wider window then).
Intervals wider than `max_day_span` days (a month, a year) are found through names only.

Keys that pair an event with a place too vague to confirm a link (none, a region, for ACLED types a
whole city: see `place.confirm_precision`) can only bring suggestions, since a shared full name has
keys of its own. When an event's suggestion-only keys hold more than `max_suggest_candidates` stored
events together (every unplaced riot of a busy day), it does without them: a suggestion picked from
hundreds of equally vague reports helps no reviewer, and scoring them all would make a large archive
quadratic. Confirmed links never depend on them.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from . import names as nm
from .records import EventRecord
from .score import Scorer, type_group

KEY_MAX = 255  # the stored key's width: longer keys are stored, and so matched, on this prefix

KM_PER_DEG = 111.0


class Blocker:
    def __init__(self, cfg: dict[str, Any], scorer: Scorer) -> None:
        b = cfg["blocking"]
        self.fine, self.coarse, self.max_span = (
            float(b["fine_cell_deg"]),
            float(b["coarse_cell_deg"]),
            int(b["max_day_span"]),
        )
        self.window = max(int(cfg["date"]["window_days"]), 0)
        self.radius: dict[str, float] = cfg["place"]["radius_km"]
        self.slack = float(cfg["place"]["slack_km"])
        self.scorer = scorer
        self.max_suggest = int(b.get("max_suggest_candidates", 100))
        self.max_fine_r = max(self.radius[p] for p in ("point", "street", "district", "city"))
        self.precise_cell = float(b.get("precise_cell_deg", 0.05))
        need = scorer.confirm_precision.get("acled", scorer.order["district"])
        self.precise = {p for p, o in scorer.order.items() if o <= need}  # where an ACLED pair may confirm
        self.max_precise_r = max(self.radius[p] for p in self.precise)

    def _level(self, r: EventRecord) -> str:
        if r.lat is None or r.lon is None or r.place_precision is None or r.place_precision == "country":
            return "u"
        return "c" if r.place_precision == "region" else "f"

    def _cell(self, lat: float, lon: float, size: float) -> tuple[int, int]:
        return math.floor(lat / size), math.floor(lon / size)

    def _around(self, lat: float, lon: float, size: float, km: float) -> list[str]:
        cy, cx = self._cell(lat, lon, size)
        ky = math.ceil(km / (size * KM_PER_DEG))
        kx = math.ceil(
            km / (size * KM_PER_DEG * max(math.cos(math.radians(min(abs(lat) + size, 89.0))), 0.02))
        )
        return [f"{y},{x}" for y in range(cy - ky, cy + ky + 1) for x in range(cx - kx, cx + kx + 1)]

    def _days(self, r: EventRecord, widen: int) -> list[int]:
        if r.day_lo is None or r.day_hi is None or r.day_hi - r.day_lo > self.max_span:
            return []
        return list(range(r.day_lo - widen, r.day_hi + widen + 1))

    def emit(self, r: EventRecord) -> list[str]:
        keys: list[str] = []
        g = type_group(r)
        level = self._level(r)
        sub = "S:" + r.subtype
        for d in self._days(r, 0):
            keys.append(f"{sub}|{d}|a")
            if level == "u":
                keys.append(f"{sub}|{d}|u")
                continue
            assert r.lat is not None and r.lon is not None
            cy, cx = self._cell(r.lat, r.lon, self.coarse)
            if level == "f":
                keys.extend(self._fine_keys(r, g, d))
                keys.append(f"{g}|{d}|F{cy},{cx}")
            else:
                keys.append(f"{g}|{d}|c{cy},{cx}")
        for toks in r.names:
            keys.extend(nm.name_keys(tuple(toks)))
        return sorted(set(keys))

    def query(self, r: EventRecord) -> list[str]:
        keys: set[str] = set()
        level = self._level(r)
        cells: list[str] = []
        if level != "u":
            assert r.lat is not None and r.lon is not None and r.place_precision is not None
            own = self.radius[r.place_precision]
            if level == "f":
                cells += self._fine_query(r, r.lat, r.lon, own)
                cells += [
                    "c" + c
                    for c in self._around(r.lat, r.lon, self.coarse, own + self.radius["region"] + self.slack)
                ]
            else:
                reach = own + max(self.radius["region"], self.max_fine_r) + self.slack
                cells += ["F" + c for c in self._around(r.lat, r.lon, self.coarse, reach)]
                cells += ["c" + c for c in self._around(r.lat, r.lon, self.coarse, reach)]
        sub = "S:" + r.subtype
        own_days = self._days(r, 0)
        if level == "u":
            keys.update(f"{sub}|{d}|a" for d in own_days)
        else:
            keys.update(f"{sub}|{d}|u" for d in own_days)
            for g in self.scorer.compatible_groups(r):
                for d in self._days(r, self.window):
                    keys.update(f"{g}|{d}|{c}" for c in cells)
        for toks in r.names:
            keys.update(nm.name_keys(tuple(toks)))
        return sorted(keys)

    def _split(self, r: EventRecord) -> bool:
        """ACLED events keep precise places (where a link may be confirmed) apart from city-wide ones."""
        return r.family != "disruption"

    def _fine_keys(self, r: EventRecord, g: str, d: int) -> list[str]:
        # A precise ACLED event emits a small cell ("p", for its confirmable peers) and a city-sized one
        # ("f", for city-wide reports); a city-wide one emits "y". So precise reports of a busy city
        # meet only their neighbourhood's, not the whole city's day.
        assert r.lat is not None and r.lon is not None
        fy, fx = self._cell(r.lat, r.lon, self.fine)
        if not self._split(r):
            return [f"{g}|{d}|f{fy},{fx}"]
        if r.place_precision in self.precise:
            py, px = self._cell(r.lat, r.lon, self.precise_cell)
            return [f"{g}|{d}|p{py},{px}", f"{g}|{d}|f{fy},{fx}"]
        return [f"{g}|{d}|y{fy},{fx}"]

    def _fine_query(self, r: EventRecord, lat: float, lon: float, own: float) -> list[str]:
        wide = self._around(lat, lon, self.fine, own + self.max_fine_r + self.slack)
        if not self._split(r):
            return ["f" + c for c in wide]
        city = ["y" + c for c in wide]  # city-wide reports: from any fine place
        if r.place_precision in self.precise:
            near = self._around(lat, lon, self.precise_cell, own + self.max_precise_r + self.slack)
            return ["p" + c for c in near] + city
        return ["f" + c for c in wide] + city

    @staticmethod
    @functools.lru_cache(maxsize=65536)  # asked for every key of every query of a batch: keys repeat
    def suggest_only(key: str) -> bool:
        """Does this key pair an event with an unplaced, region-wide or (ACLED) city-wide one, so that
        it can only bring suggestions?"""
        if key.startswith("n:"):
            return False
        cell = key.rsplit("|", 1)[-1]
        if cell in ("a", "u") or cell[:1] in ("c", "F", "y"):
            return True
        return cell[:1] == "f" and key.startswith("T:")  # disruptions ("D:") confirm city-wide
