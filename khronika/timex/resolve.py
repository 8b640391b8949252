"""Resolve recognised time expressions to TIMEX3 values against the publication date (DCT).

One resolver per call of find_times: it walks the candidates in text order and keeps, per
testimony span, the last time it resolved, which anaphora ("the next day", "that night") and
"a year earlier" are resolved against. Without a DCT, relative references stay unresolved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from . import timex3
from .holidays import holiday_date
from .recognize import Candidate, Pack, parse_number

# Duration designators as TimeBank writes them: a decade is E and a century C ("P1E", "PXC"): ISO 8601
# has none, and a two-letter DE / CE would read as a day or a count of centuries in a parser of P...D.
_UNIT_DURATION = {"Y": "Y", "M": "M", "W": "W", "D": "D", "Q": "Q", "DE": "E", "CE": "C", "WE": "WE",
                  "FN": "W"}
_UNIT_TIME = {"H": "H", "MIN": "M", "S": "S"}


@dataclass
class Result:
    type: str
    value: str | None
    resolved: bool
    note: str | None = None
    mod: str | None = None
    open_until: str | None = None  # for a clock time without a day: the latest local day it can be
    keep_base: bool = False  # a comparison ("a year earlier") does not move the time in view
    end: int | None = None  # a narrower extent than the candidate's ("three days" of "three days later")
    is_range: bool = False  # a stretch of days even where it stays unresolved
    # the DATE value the interval is read from when the TIMEX3 value leaves part open ("1989-WXX")
    interval: str | None = None


# a sentence end: not after an initial or a title ("Daniel P. Davison", "Mr. Smith")
_SENT_END = re.compile(r"(?<!\b[A-ZА-ЯЁ])(?<!\bMr)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bMrs)(?<!\bGen)"
                       r"[.!?]+[\"')»”’\s]+(?=[\"'(«“‘]*[A-ZА-ЯЁ])|\n")


_NON_DIGITS = re.compile(r"\D")
# "three days later" counts from an event; only a time named this close before can stand for it
NEAR_BASE = 250
# units whose "N later/earlier/before" is an event-anchored stretch (TimeML DURATION); years and
# quarters keep the reporting convention ("a year earlier" is the same quarter a year before)
_EVENT_UNITS = frozenset({"D", "W", "M", "H", "MIN", "S", "FN"})
_LAST_WORD = re.compile(r"\s+\S+$")


def _int(s: str) -> int:
    return int(_NON_DIGITS.sub("", s))


class Resolver:
    def __init__(self, pack: Pack, text: str, dct: date | None) -> None:
        self.p = pack
        self.text = text
        self.dct = dct
        self.last: dict[int, str] = {}  # anchor index -> last DATE/TIME value resolved there
        self.last_end: dict[int, int] = {}  # anchor index -> where that value was written
        # the last quarter or half named anywhere in the text: reports compare "a year ago" to it
        self.last_quarter: str | None = None
        # the first reported quarter or half: the one a report is about. Its "period" ("the year-earlier
        # period", "the 1989 period") is that headline period, whatever quarter was named in passing since
        self.main_quarter: str | None = None
        self.handlers: dict[str, Callable[[Candidate, int], Result | None]] = {
            "date": self._date, "relunit": self._relunit, "relmonth": self._relmonth,
            "season": self._season, "quarter": self._quarter, "decade": self._decade,
            "century": self._century, "holiday": self._holiday, "ago": self._ago,
            "duration": self._duration, "set": self._set, "anaphor": self._anaphor, "ref": self._ref,
            "dayrange": self._dayrange, "weekdays": self._weekdays, "early": self._early,
            "none": lambda c, anchor: None,
        }

    # ---------------------------------------------------------------- helpers
    def lex(self, c: Candidate, group: str) -> Any:
        if group in c.rule.fixed:
            return c.rule.fixed[group]
        s = c.parts.get(group)
        if s is None:
            return None
        return self.p.lookup(c.rule.groups.get(group, group), s)

    def future(self, c: Candidate) -> bool:
        """Does the sentence around the expression speak of the future?"""
        if self.p.future_cue is None:
            return False
        left = self.text[max(0, c.start - 150):c.start]
        if self.p.past_before is not None and self.p.past_before.search(left[-20:]):
            return False  # "since March" looks back whatever the verb
        ends = list(_SENT_END.finditer(left))
        left = left[ends[-1].end():] if ends else left
        right = self.text[c.end:c.end + 80]
        m = _SENT_END.search(right)
        right = right[:m.start()] if m else right
        ctx = left + " " + right
        undone = self.p.future_undone
        # "had been scheduled to expire Friday", "as previously planned": a plan told in the past
        return any(undone is None or not undone.search(ctx[:f.start()])
                   for f in self.p.future_cue.finditer(ctx))

    def unresolved(self, typ: str, why: str) -> Result:
        return Result(typ, None, False, why)

    def year_of(self, s: str) -> int:
        """A year in digits or spoken ("nineteen ninety-six", "two thousand one")."""
        if s[:1].isdigit():
            return _int(s)
        if s.startswith("two thousand"):
            return int(parse_number(self.p, re.sub(r"\band\b", "", s)) or 2000)
        head, _, rest = s.partition(" ")
        tail = parse_number(self.p, rest.replace("oh ", "")) if rest else 0
        return int(self.p.number_words.get(head, 19)) * 100 + int(tail if isinstance(tail, float) else 0)

    def _deadline(self, c: Candidate) -> bool:
        """Is a month named alone a deadline ("repay it by February"), not told as past ("had ... by")?"""
        before = self.p.deadline_before
        if before is None or not before.search(self.text[max(0, c.start - 12):c.start]):
            return False
        undone = self.p.deadline_undone
        return undone is None or not undone.search(self.text[max(0, c.start - 60):c.start])

    def _mod(self, c: Candidate) -> str | None:
        m = self.lex(c, "mod")
        return str(m) if m else None

    def nearest_year(self, month: int, day: int | None, fut: bool, deadline: bool = False) -> int:
        """Year for a month (and day) written without one: the nearest to the DCT, past first.
        `deadline` ("by February"): never a month already over."""
        assert self.dct is not None
        best: tuple[float, int] | None = None
        for y in (self.dct.year - 1, self.dct.year, self.dct.year + 1):
            try:
                d = date(y, month, day or 1)
            except ValueError:
                continue
            if day is None and (y, month) == (self.dct.year, self.dct.month):
                return y
            if deadline and (y, month) < (self.dct.year, self.dct.month):
                continue
            delta = (d - self.dct).days
            # news reports the past: without a future cue a later date must be much nearer to win
            ahead, behind = (1, 3) if fut else (4, 1)
            cost = delta * ahead if delta >= 0 else -delta * behind
            if best is None or cost < best[0]:
                best = (cost, y)
        return best[1] if best else self.dct.year

    def weekday_date(self, wd: int, rel: int | None, fut: bool) -> date:
        assert self.dct is not None
        dct = self.dct
        if rel == 0:  # "this Friday": the one in the DCT's week
            return dct + timedelta(days=wd - dct.weekday())
        if rel == 1 or (rel is None and fut):
            ahead = (wd - dct.weekday()) % 7
            return dct + timedelta(days=ahead or 7) if rel == 1 else dct + timedelta(days=ahead)
        back = (dct.weekday() - wd) % 7
        if rel == -1:
            back = back or 7
        return dct - timedelta(days=back)

    def _clock(self, c: Candidate) -> tuple[int, int] | None:
        cw = self.lex(c, "clockword")
        if cw:
            h, m = (int(x) for x in str(cw).split(":"))
            return h, m
        hs = next((c.parts[g] for g in ("hour", "h2", "h3") if g in c.parts), None)
        if hs is None:
            return None
        h = _int(hs)
        ms = next((c.parts[g] for g in ("minute", "m2") if g in c.parts), None)
        mi = _int(ms) if ms else 0
        ampm = next((self.lex(c, g) for g in ("ampm", "ap2", "ap3") if g in c.parts), None)
        if ampm == "pm" and h < 12:
            h += 12
        elif ampm == "am" and h == 12:
            h = 0
        elif ampm == "night":  # Russian "в 11 ночи" is 23:00 but "в 3 ночи" is 03:00
            h = h + 12 if 6 <= h < 12 else h
        if h > 24 or mi > 59:
            return None
        return h, mi

    # ---------------------------------------------------------------- kinds
    def _day_of(self, c: Candidate, anchor: int = 0) -> tuple[str | None, str | None, bool]:
        """The date part of a `date` candidate: (value, why-unresolved, relative?)."""
        month = self.lex(c, "month")
        if month is None and "month" in c.parts and c.parts["month"].isdigit():
            month = int(c.parts["month"])
        year = self.year_of(c.parts["year"]) if "year" in c.parts else None
        day = _int(c.parts["day"]) if "day" in c.parts else None
        fut = self.future(c) if self.dct else False
        if month is not None:
            month = int(month)
            rel = self.lex(c, "rel")
            if year is None and rel is not None and self.dct is not None and "weekday" not in c.parts:
                year = self.dct.year + int(rel)  # "June last year"
            if year is None:
                if self.dct is None:
                    return (f"XXXX-{month:02d}" + (f"-{day:02d}" if day else "")), "no year given and no " \
                        "publication date", True
                deadline = day is None and self._deadline(c)
                year = self.nearest_year(month, day, fut or deadline, deadline)
            if day is not None:
                try:
                    return date(year, month, day).isoformat(), None, False
                except ValueError:
                    return None, "no such day", False
            return f"{year:04d}-{month:02d}", None, False
        if "weekday" in c.parts:
            if self.dct is None:
                return None, "weekday without publication date", True
            wd = int(self.lex(c, "weekday"))
            rel = self.lex(c, "rel")
            base = self.last.get(anchor)
            if c.parts.get("rel") in self.p.anaphoric_rel and base and timex3.granularity(base) in ("D", "T"):
                # "the previous Friday": the last such day before the day in view
                b = date.fromisoformat(base[:10])
                return (b - timedelta(days=(b.weekday() - wd) % 7 or 7)).isoformat(), None, True
            return self.weekday_date(wd, int(rel) if rel is not None else None, fut).isoformat(), None, True
        if "dayrel" in c.parts or "podrel" in c.parts:
            if self.dct is None:
                return None, "relative day without publication date", True
            off = self.lex(c, "dayrel")
            if off is None:
                off = self.lex(c, "podrel")[0]
            return (self.dct + timedelta(days=int(off))).isoformat(), None, True
        if year is not None:
            return f"{year:04d}", None, False
        return None, None, False

    def _date(self, c: Candidate, anchor: int) -> Result | None:
        day, why, _ = self._day_of(c, anchor)
        clock = self._clock(c)
        pod = self.lex(c, "pod")
        if "podrel" in c.parts:
            pod = self.lex(c, "podrel")[1] or pod
        mod = self._mod(c)
        if why == "no such day":
            return None  # "February 30" is a number pattern, not a time
        if day is None and why:
            return self.unresolved("TIME" if clock or pod else "DATE", why)
        if day is None:  # a clock time alone
            if clock is None:
                return None
            hhmm = f"T{clock[0]:02d}:{clock[1]:02d}"
            base = self.last.get(anchor)
            if base and timex3.granularity(base) in ("D", "T"):
                return Result("TIME", base[:10] + hhmm, True, "day from the last date in the testimony")
            if self.dct is None:
                return Result("TIME", "XXXX-XX-XX" + hhmm, False,
                              "clock time without a day or publication date")
            return Result("TIME", "XXXX-XX-XX" + hhmm, False, "clock time without a day: some day up to "
                          "publication", open_until=self.dct.isoformat())
        if len(day) == 10 and day[0] != "X":
            if c.rule.fixed.get("nighton"):  # "the night to the 5th" is the night that starts on the 4th
                prev = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
                return Result("TIME", f"{prev}TNI", True, "night before the named day")
            if clock is not None:
                return Result("TIME", f"{day}T{clock[0]:02d}:{clock[1]:02d}", True, mod=mod)
            if pod:
                return Result("TIME", f"{day}T{pod}", True, mod=mod)
        return Result("DATE", day, day[0] != "X", why, mod=mod)

    def _relunit(self, c: Candidate, anchor: int) -> Result | None:
        unit = str(self.lex(c, "unit"))
        rel = self.lex(c, "rel")
        if unit == "Q" and rel is None:
            return self._quarter(c, anchor)
        if self.dct is None:
            return self.unresolved("DATE", "relative date without publication date")
        n = int(rel) if rel is not None else 0
        if rel is None and not self._mod(c) and unit in ("Y", "M"):
            after = self.text[c.end:c.end + 20]
            if self.p.stretch_after is None or self.p.stretch_after.search(after):
                return Result("DURATION", f"P1{unit}", True)  # "the year ended June 30": a stretch
            # otherwise "for the year", "a high for the year" is the year of the report (TimeBank)
        if unit == "WE" and rel is None and not self.future(c) and self.dct.weekday() < 5:
            n = -1  # "the weekend" in a weekday report is the one just past
        if unit == "WE":
            return Result("DATE", timex3.week_value(self.dct + timedelta(days=7 * n)) + "-WE", True,
                          mod=self._mod(c))
        if unit in ("D", "H", "MIN", "S", "FN"):
            return None
        d = timex3.shift_date(self.dct, unit, n)
        if unit == "W" and rel is None:
            # "for the week", "during the week": a week the text does not pin down; TimeML leaves its
            # number open (YYYY-WXX) while the interval stays the publication week, the likeliest one
            week = timex3.week_value(d)
            return Result("DATE", f"{week[:4]}-WXX", True, "the week of publication, most likely",
                          mod=self._mod(c), interval=week)
        return Result("DATE", timex3.at_granularity(d, unit), True, mod=self._mod(c))

    def _relmonth(self, c: Candidate, anchor: int) -> Result | None:
        if self.dct is None:
            return self.unresolved("DATE", "relative month without publication date")
        month, rel = int(self.lex(c, "month")), int(self.lex(c, "rel") or 0)
        y = self.dct.year
        if rel < 0:
            y = y if month < self.dct.month else y - 1
        elif rel > 0:
            y = y if month > self.dct.month else y + 1
        return Result("DATE", f"{y:04d}-{month:02d}", True, mod=self._mod(c))

    def _season(self, c: Candidate, anchor: int) -> Result | None:
        s = str(self.lex(c, "season"))
        ys = c.parts.get("year") or c.parts.get("ys")
        if ys:
            return Result("DATE", f"{self.year_of(ys):04d}-{s}", True)
        if self.dct is None:
            return self.unresolved("DATE", "season without year or publication date")
        rel = self.lex(c, "rel")
        first, _ = timex3.SEASONS[s]
        y = self.dct.year - (1 if s == "WI" and self.dct.month <= 2 else 0)  # Jan-Feb belong to last winter
        started = self.dct.month >= first or (s == "WI" and self.dct.month <= 2)
        if rel is not None and int(rel) < 0:
            y = y if started and self.dct.month >= first + 3 else y - 1
        elif rel is not None and int(rel) > 0:
            y = y + 1 if started else y
        return Result("DATE", f"{y:04d}-{s}", True, mod=self._mod(c))

    def _quarter(self, c: Candidate, anchor: int) -> Result | None:
        qunit = str(self.lex(c, "qunit") or "Q")
        per = 4 if qunit == "Q" else 2
        year = next((_int(c.parts[g]) for g in ("year", "fyear", "y2") if g in c.parts), None)
        n = self.lex(c, "qord")
        if n is not None:
            n = min(int(n), per)
            rel = self.lex(c, "rel")
            if year is None and rel is not None and self.dct is not None and "weekday" not in c.parts:
                year = self.dct.year + int(rel)  # "June last year"
            if year is None:
                if self.dct is None:
                    return Result("DATE", f"XXXX-{qunit}{n}", False, "no year and no publication date")
                cur = (self.dct.month - 1) // (12 // per) + 1
                year = self.dct.year if n <= cur or self.future(c) else self.dct.year - 1
            if c.rule.fixed.get("yago"):  # "the year-ago third quarter"
                return Result("DATE", f"{year - 1:04d}-{qunit}{n}", True, keep_base=True)
            return Result("DATE", f"{year:04d}-{qunit}{n}", True, mod=self._mod(c))
        base = self.last.get(anchor)
        if (not base or timex3.granularity(base) != qunit) and self.last_quarter \
                and timex3.granularity(self.last_quarter) == qunit:
            base = self.last_quarter  # "the quarter ended Sept. 29": the quarter named before the day
        rel = self.lex(c, "qrel")
        if year is not None and self.main_quarter and "period" in c.parts.get("pnoun", ""):
            return Result("DATE", f"{year:04d}{self.main_quarter[4:]}", True, keep_base=True)
        if year is not None:  # "the 1988 period": the quarter in view, in that year
            if base and timex3.granularity(base) == qunit:
                return Result("DATE", f"{year:04d}{base[4:]}", True, keep_base=True)
            if self.dct is not None and qunit == "Q":
                prev = timex3.shift(timex3.quarter_value(self.dct), "Q", -1) or ""
                return Result("DATE", f"{year:04d}{prev[4:]}", True, keep_base=True)
        if rel is None or rel == "L":  # "the quarter", "the latest quarter": the one in view
            if base and timex3.granularity(base) == qunit and rel is None:
                return Result("DATE", base, True, "the quarter last mentioned")
            if self.dct is None:
                return self.unresolved("DATE", "relative quarter without publication date")
            now_q = timex3.quarter_value(self.dct)
            return Result("DATE", timex3.shift(now_q, "Q", -1) if qunit == "Q" else now_q, True)
        if self.dct is None:
            return self.unresolved("DATE", "relative quarter without publication date")
        now_q = timex3.quarter_value(self.dct)
        if qunit == "H":
            now_q = f"{self.dct.year:04d}-H{1 if self.dct.month <= 6 else 2}"
        return Result("DATE", timex3.shift(now_q, qunit, int(rel)), True)

    def _decade(self, c: Candidate, anchor: int) -> Result | None:
        s = c.parts.get("decade")
        if s:
            digits = re.sub(r"\D", "", s)
            if len(digits) == 4:
                return Result("DATE", digits[:3], True, mod=self._mod(c))
            if self.dct is None:
                return self.unresolved("DATE", "two-digit decade without publication date")
            # "the '80s" written in 2022 are the 1980s: a decade not yet begun lies in the last century
            cent = self.dct.year // 100 - (1 if int(digits[0]) > self.dct.year % 100 // 10 else 0)
            return Result("DATE", f"{cent:02d}{digits[0]}", True, mod=self._mod(c))
        w = self.lex(c, "decadeword")
        if w is not None:
            cent = self.dct.year // 100 if self.dct else 19
            if self.dct and self.dct.year % 100 < int(w) * 10:
                cent -= 1
            return Result("DATE", f"{cent:02d}{w}", True, mod=self._mod(c))
        if self.dct is None:
            return self.unresolved("DATE", "relative decade without publication date")
        rel = int(self.lex(c, "rel") or 0)
        return Result("DATE", f"{self.dct.year // 10 + rel:03d}", True, mod=self._mod(c))

    def _century(self, c: Candidate, anchor: int) -> Result | None:
        n = int(self.lex(c, "centuryord"))
        return Result("DATE", f"{n - 1:02d}", True)

    def _holiday(self, c: Candidate, anchor: int) -> Result | None:
        rule = str(self.lex(c, "holiday"))
        eve = int(self.lex(c, "eve") or 0)
        if "year" in c.parts:
            year = _int(c.parts["year"])
        elif self.dct is None:
            return self.unresolved("DATE", "holiday without year or publication date")
        else:
            probe = holiday_date(rule, self.dct.year)
            if probe is None:
                return None
            year = self.nearest_year(probe.month, probe.day, self.future(c))
        d = holiday_date(rule, year)
        if d is None:
            return None
        return Result("DATE", (d + timedelta(days=eve)).isoformat(), True, "holiday")

    def _ago(self, c: Candidate, anchor: int) -> Result | None:
        n = parse_number(self.p, c.parts["num"]) if "num" in c.parts else c.rule.fixed.get("num", 1)
        unit = str(self.lex(c, "unit"))
        d = self.lex(c, "dir")
        if d is None or isinstance(d, str):  # a fixed direction names a lexicon entry
            d = self.p.lookup("dir", str(d or "ago"))
        sign, base_kind = int(d[0]), str(d[1])
        if base_kind == "last" and unit in _EVENT_UNITS and not self._near_base(c, anchor):
            # "three days later", "several months before": the offset of an event from another event
            # (TimeML: a DURATION whose extent leaves out the signal word), not a date
            v = self.duration_value(n if isinstance(n, str) else float(n or 1), unit)
            if v:
                tail = _LAST_WORD.search(self.text[c.start:c.end])
                return Result("DURATION", v, True, "offset from an event",
                              end=c.start + tail.start() if tail else None)
        if isinstance(n, str) or n is None:
            return Result("DATE", "PAST_REF" if sign < 0 else "FUTURE_REF", True)
        k = round(float(n)) or 1
        base = self.last.get(anchor)
        gb = timex3.granularity(base) if base else None
        # "a year earlier" after a quarter or month keeps that granularity (earnings convention)
        period = c.parts.get("period") or str(c.rule.fixed.get("period", ""))
        if period == "period" and self.main_quarter:
            base, gb = self.main_quarter, timex3.granularity(self.main_quarter)
        if base and period in ("quarter", "period") and gb in ("D", "T", "M"):
            base, gb = timex3.quarter_value(date.fromisoformat(base[:7] + "-01")), "Q"
        # "a year ago/earlier" after a quarter means the same quarter a year before (earnings convention)
        if base and gb == "Y" and unit == "Y":
            base = None  # a year compared with a year: count from the publication year
        forecast = gb in ("Q", "H") and not self._reported(base or "")
        if unit == "Y" and k == 1 and self.main_quarter and (gb not in ("Q", "H") or forecast):
            # "a year ago" in a text about a quarter: the reported quarter a year before (TimeBank)
            base, gb = self.main_quarter, timex3.granularity(self.main_quarter)
        if base and base_kind == "last" and unit in ("H", "MIN", "S"):
            return self._clock_shift(base, unit, sign * k)
        if base and base_kind == "last" and unit == "D" and gb not in ("D", "T"):
            return self.unresolved("DATE", "offset in days from a time that is not a single day")
        if base and (base_kind == "last" or (unit == "Y" and k == 1 and gb in ("Q", "H"))):
            v = timex3.shift(base, unit if unit in ("Y", "Q", "M", "W", "D", "DE") else "D", sign * k)
            if v:
                return Result("DATE", v, True, "shifted from the last time mentioned", keep_base=True)
        if self.dct is None:
            return self.unresolved("DATE", "offset without publication date")
        if unit in ("H", "MIN", "S"):
            return Result("DATE", self.dct.isoformat(), True, "hours from publication: day only")
        g = unit if unit in ("Y", "Q", "M", "W", "DE", "CE") else "D"
        if unit == "FN":  # a fortnight is two weeks
            unit, k = "W", 2 * k
        shifted = timex3.shift_date(self.dct, unit, sign * k)
        return Result("DATE", timex3.at_granularity(shifted, g), True)

    def _clock_shift(self, base: str, unit: str, n: int) -> Result:
        """ "two hours later" after a clock time; after a bare day only the day is known."""
        m = re.match(r"^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})$", base)
        if m:
            t = datetime.fromisoformat(f"{m[1]}T{m[2]}:{m[3]}")
            t += timedelta(hours=n) if unit == "H" else timedelta(minutes=n if unit == "MIN" else 0)
            return Result("TIME", t.strftime("%Y-%m-%dT%H:%M"), True, "shifted from the last clock time")
        if timex3.granularity(base) in ("D", "T"):
            return Result("DATE", base[:10], True, "hours after a day: the day only", keep_base=True)
        return self.unresolved("TIME", "offset in hours from a time that is not a single day")

    def duration_value(self, n: float | str, unit: str) -> str | None:
        if isinstance(n, str):
            u = _UNIT_DURATION.get(unit)
            return f"PX{u}" if u else (f"PTX{_UNIT_TIME[unit]}" if unit in _UNIT_TIME else None)
        if unit in _UNIT_TIME:
            if n != int(n) and unit == "H":
                return f"PT{int(n * 60)}M"
            if n != int(n) and unit == "MIN":
                return f"PT{int(n)}M{round((n % 1) * 60)}S"
            return f"PT{int(n)}{_UNIT_TIME[unit]}"
        if unit == "FN":
            n, unit = n * 2, "W"
        u = _UNIT_DURATION.get(unit)
        if u is None:
            return None
        if n != int(n):
            if unit == "Y":
                return f"P{int(n)}Y{round((n % 1) * 12)}M" if n >= 1 else f"P{round(n * 12)}M"
            if unit == "D":
                return f"P{int(n)}DT{round((n % 1) * 24)}H" if n >= 1 else f"PT{round(n * 24)}H"
            return f"P{n:g}{u}"
        return f"P{int(n)}{u}"

    def _duration(self, c: Candidate, anchor: int) -> Result | None:
        fix = self.lex(c, "fixdur")
        if fix:
            return Result("DURATION", str(fix), True)
        raw = c.rule.fixed.get("num")
        n = parse_number(self.p, c.parts["num"]) if "num" in c.parts else raw
        if n is None and "vague" in c.parts:
            n = "X"
        if n is None:
            return None
        unit = str(self.lex(c, "unit"))
        if "half" in c.parts and not isinstance(n, str):
            n = float(n) + 0.5  # "2 1/2 years", "a minute and a half"
        v = self.duration_value(n if isinstance(n, str) else float(n), unit)
        return Result("DURATION", v, True) if v else None

    def _set(self, c: Candidate, anchor: int) -> Result | None:
        sw = self.lex(c, "setword")
        if sw:
            return Result("SET", str(sw), True)
        month = self.lex(c, "month")
        if month is not None:
            return Result("SET", f"XXXX-{int(month):02d}", True)
        wd = self.lex(c, "weekday")
        if wd is None:
            wd = self.lex(c, "weekdays")
        if wd is not None:
            pod = self.lex(c, "pod")
            return Result("SET", f"XXXX-WXX-{int(wd) + 1}" + (f"T{pod}" if pod else ""), True)
        unit = self.lex(c, "unit_sg") or self.lex(c, "unit")
        v = self.duration_value(1.0, str(unit)) if unit else None
        return Result("SET", v, True) if v else None

    def _anaphor(self, c: Candidate, anchor: int) -> Result | None:
        fixed = self.lex(c, "ana_fixed")
        if fixed:
            off, what = int(fixed[0]), str(fixed[1])
        else:
            off = int(self.lex(c, "ana") or self.lex(c, "ana_unit") or 0)
            what = str(self.lex(c, "unit") or "")
        pod = self.lex(c, "pod") or (what if what in timex3.POD_HOURS else None)
        base = self.last.get(anchor)
        typ = "TIME" if pod else "DATE"
        if (not base or base[0] == "X") and pod and off == 0 and not fixed and self.dct is not None:
            # "by mid afternoon" with no day in view: TimeML writes the publication day's part of day,
            # but no day is known: the interval spans that part of the days up to publication
            return Result("TIME", f"{self.dct.isoformat()}T{pod}", False, "part of day without a day: some "
                          "day up to publication", mod=self._mod(c), open_until=self.dct.isoformat())
        if not base or base[0] == "X":
            return self.unresolved(typ, "anaphora with no earlier time in this testimony")
        g = timex3.granularity(base)
        if pod or what in ("D", "T"):
            if g not in ("D", "T"):
                return self.unresolved(typ, "anaphora: the earlier time is not a single day")
            d = date.fromisoformat(base[:10]) + timedelta(days=off)
            if what == "T":
                return Result("TIME", base, True, "same time as the last one mentioned")
            return Result(typ, d.isoformat() + (f"T{pod}" if pod else ""), True, "anaphora")
        if what in ("W", "M", "Y", "Q"):
            iv = timex3.local_interval(base)
            if iv is None:
                return self.unresolved(typ, "anaphora: the earlier time has no interval")
            d = timex3.shift_date(iv[0].date(), what, off)
            return Result("DATE", timex3.at_granularity(d, what), True, "anaphora")
        return None

    def _ref(self, c: Candidate, anchor: int) -> Result | None:
        v = self.lex(c, "ref")
        return Result("DATE", str(v), True) if v else None

    def _dayrange(self, c: Candidate, anchor: int) -> Result | None:
        month = int(self.lex(c, "month"))
        d1, d2 = _int(c.parts["day"]), _int(c.parts["day2"])
        if "year" in c.parts:
            year = _int(c.parts["year"])
        elif self.dct is None:
            return Result("DATE", f"XXXX-{month:02d}-{d1:02d}/XXXX-{month:02d}-{d2:02d}", False,
                          "no year and no publication date")
        else:
            year = self.nearest_year(month, d1, self.future(c))
        try:
            a, b = date(year, month, d1), date(year, month, d2)
        except ValueError:
            return None
        return Result("DATE", f"{a.isoformat()}/{b.isoformat()}", True, "range")

    def _near_base(self, c: Candidate, anchor: int) -> bool:
        """Was a single day or clock time named shortly before, so that it dates the event counted from?"""
        base = self.last.get(anchor)
        if not base or timex3.granularity(base) not in ("D", "T"):
            return False
        return c.start - self.last_end.get(anchor, -NEAR_BASE - 1) <= NEAR_BASE

    def _weekdays(self, c: Candidate, anchor: int) -> Result | None:
        """ "on Wednesday and Thursday", "from Monday to Friday": one range over both days, the first
        placed as a bare weekday is, the second the first such day on or after it."""
        if self.dct is None:
            return Result("DATE", None, False, "weekdays without publication date: an unresolved range",
                          is_range=True)
        w1, w2 = int(self.lex(c, "weekday")), int(self.lex(c, "wd2"))
        rel = self.lex(c, "rel")
        fut = self.future(c)
        a = self.weekday_date(w1, int(rel) if rel is not None else None, fut)
        b = a + timedelta(days=(w2 - w1) % 7)
        if b > self.dct and not fut and rel is None:  # told in the past: the last such stretch
            a, b = a - timedelta(days=7), b - timedelta(days=7)
        return Result("DATE", f"{a.isoformat()}/{b.isoformat()}", True, "range", is_range=True)

    def _early(self, c: Candidate, anchor: int) -> Result | None:
        """ "in the early days": the first third of the period last named in the testimony (a month, a
        week, a year); with none in view, a range that stays open and says so."""
        base = self.last.get(anchor)
        if base and timex3.granularity(base) in ("M", "W", "Y", "S", "Q", "H") and not base.endswith("WE"):
            return Result("DATE", base, True, "the start of the period last named", mod="START",
                          keep_base=True)
        return Result("DATE", None, False, "the early days of a period the text does not name: an unresolved "
                      "range", is_range=True)

    # ---------------------------------------------------------------- entry
    def resolve(self, c: Candidate, anchor: int) -> Result | None:
        r = self.handlers[c.kind](c, anchor)
        seen = r.interval or r.value if r is not None else None
        if r is not None and seen and r.type in ("DATE", "TIME") and r.resolved and not r.keep_base \
                and timex3.granularity(seen) is not None:
            self.last[anchor] = seen
            self.last_end[anchor] = c.end
        if r is not None and r.value and r.resolved and not r.keep_base \
                and timex3.granularity(r.value) in ("Q", "H") and self._reported(r.value):
            self.last_quarter = r.value
            self.main_quarter = self.main_quarter or r.value
        return r

    def _reported(self, value: str) -> bool:
        """Was the period over by the publication date? A forecast ("losses through the third quarter of
        1990", "continue into the fourth quarter") is not what a report's "a year ago" compares with."""
        iv = timex3.local_interval(value)
        return self.dct is None or iv is None or iv[1].date() <= self.dct
