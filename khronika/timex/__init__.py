"""Time expressions (EN, RU): recognise them and resolve them against the publication date.

    find_times(text, lang, published, tz, anchors) -> list[TimeRef]
    local_day(timeref) -> "YYYY-MM-DD" | None

Values follow TIMEX3 (TimeBank conventions); instants are stored as UTC intervals [begin, until)
with the document's zone beside them and a precision, never as a fake point. Words and patterns
live in khronika/lang/<code>/time.yaml; the logic is here and in recognize.py / resolve.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

from khronika.model import Document, TimeRef
from khronika.registry import component

from . import timex3
from .recognize import Candidate, Pack, candidates, pack, select
from .resolve import Resolver, Result

__all__ = ["EXTRACTOR", "find_times", "local_day"]

EXTRACTOR = "khronika.times@1"
_DAYLIKE = ("minute", "hour", "part_of_day", "day")
_MOD_THIRDS = {"START": (0.0, 1 / 3), "MID": (1 / 3, 2 / 3), "END": (2 / 3, 1.0)}
# A clock time with no day lies on one of the days up to publication: as many as the linker looks back
# for an undated report (khronika/link/link.yaml: undated_lookback_days) before the publication day.
CLOCK_LOOKBACK_DAYS = 3


def _dct(published: str | None) -> date | None:
    if not published:
        return None
    try:
        if "T" in published or " " in published:
            return datetime.fromisoformat(published.replace("Z", "+00:00")).date()
        return date.fromisoformat(published[:10])
    except ValueError:
        return None


def _anchor_of(pos: int, anchors: list[tuple[int, int]] | None) -> int:
    """Index of the testimony span holding `pos` (-1 outside all; the whole text when none given)."""
    if not anchors:
        return 0
    for i, (s, e) in enumerate(anchors):
        if s <= pos < e:
            return i
    return -1


def _interval(value: str, tz: str, mod: str | None) -> tuple[str, str, str] | None:
    """UTC [begin, until) and precision of a single DATE/TIME value; a modifier narrows it to a third."""
    iv = timex3.local_interval(value)
    if iv is None:
        return None
    b, e, prec = iv
    if mod in _MOD_THIRDS and prec not in ("minute", "hour"):
        lo, hi = _MOD_THIRDS[mod]
        span = e - b
        b, e = b + span * lo, b + span * hi
        prec = "range"
    return timex3.to_utc(b, tz), timex3.to_utc(e, tz), prec


def _make(text: str, c_start: int, c_end: int, r: Result, tz: str) -> TimeRef:
    t = TimeRef(start=c_start, end=c_end, text=text[c_start:c_end], timex_type=r.type, value=r.value,
                tz=tz, resolved=r.resolved, note=r.note, extractor=EXTRACTOR,
                confidence=0.9 if r.resolved else 0.6)
    if r.mod:
        t.note = f"mod={r.mod}" + (f"; {r.note}" if r.note else "")
    v = r.value
    if v and r.type in ("DATE", "TIME"):
        if "/" in v and r.resolved:
            ends = [_interval(x, tz, None) for x in v.split("/")]
            if ends[0] and ends[1]:
                t.begin, t.until, t.precision = ends[0][0], ends[1][1], "range"
        elif r.open_until and timex3.granularity(v) == "T" and v[11:] in timex3.POD_HOURS:
            # a part of day on some day up to the publication day: hull of that part on each of them
            last_iv = timex3.local_interval(r.open_until + v[10:])
            if last_iv:
                t.begin = timex3.to_utc(last_iv[0] - timedelta(days=CLOCK_LOOKBACK_DAYS), tz)
                t.until, t.precision = timex3.to_utc(last_iv[1], tz), "range"
        elif r.open_until:  # a clock time on some day up to the publication day
            hh, mm = (int(x) for x in v.split("T")[1].split(":"))
            day = datetime.fromisoformat(r.open_until)
            last = day + timedelta(hours=hh, minutes=mm + 1)  # 24:00 is fine
            # the days it may fall on, hull of "that hour on each of them"; never just the publication day
            t.begin = timex3.to_utc(day - timedelta(days=CLOCK_LOOKBACK_DAYS), tz)
            t.until, t.precision = timex3.to_utc(last, tz), "range"
        elif r.resolved:
            iv = _interval(r.interval or v, tz, r.mod)
            if iv:
                t.begin, t.until, t.precision = iv
    if r.is_range and t.precision is None:
        t.precision = "range"  # an unresolved stretch is still a stretch, not a day
    return t


def _merge_clock_ranges(p: Pack, text: str, refs: list[TimeRef]) -> list[TimeRef]:
    """ "from 23:00 to 07:00": two clock times joined by a range word become one range."""
    if p.range_join is None:
        return refs
    out: list[TimeRef] = []
    i = 0
    while i < len(refs):
        a = refs[i]
        b = refs[i + 1] if i + 1 < len(refs) else None
        if b is not None and a.timex_type == "TIME" == b.timex_type and a.value and b.value \
                and p.range_join.search(text[a.end:b.start]) \
                and (p.range_before is None or p.range_before.search(text[max(0, a.start - 20):a.start])
                     or text[a.end:b.start].strip() in ("-", "–", "—")):
            out.append(_range(text, a, b))
            i += 2
            continue
        out.append(a)
        i += 1
    return out


def _range(text: str, a: TimeRef, b: TimeRef) -> TimeRef:
    av, bv = a.value or "", b.value or ""
    if av[0] != "X" and bv[0] == "X":  # "on the 6th from 23:00 to 07:00": the end shares the start's day
        bv = av[:10] + bv[10:]
    if av[:10] == bv[:10] and av[0] != "X" and "T" in av and "T" in bv and bv[11:] <= av[11:]:
        # an end no later than the start falls on the next day
        bv = (date.fromisoformat(av[:10]) + timedelta(days=1)).isoformat() + bv[10:]
    r = TimeRef(start=a.start, end=b.end, text=text[a.start:b.end], timex_type="TIME", value=f"{av}/{bv}",
                tz=a.tz, resolved=a.resolved and bv[0] != "X", extractor=EXTRACTOR,
                confidence=min(a.confidence, b.confidence), note="range")
    if r.resolved and a.begin:
        ends = timex3.local_interval(bv)
        if ends and a.tz:
            r.begin, r.until, r.precision = a.begin, timex3.to_utc(ends[1], a.tz), "range"
    else:
        r.precision, r.begin, r.until, r.note = "range", a.begin, b.until, "range; " + (a.note or "")
    return r


def find_times(text: str, lang: str, published: str | None, tz: str = "Asia/Almaty",
               anchors: list[tuple[int, int]] | None = None) -> list[TimeRef]:
    """Every time expression in `text`, resolved against `published` (local to `tz`).

    `anchors` are testimony spans: anaphora resolve against the last time in the same span.
    """
    p = pack(lang)
    if p is None or not text:
        return []
    resolver = Resolver(p, text, _dct(published))
    refs: list[TimeRef] = []
    for c in select([c for c in candidates(p, text) if _plausible(p, c)]):
        r = _resolve_one(resolver, c, anchors)
        if r is not None:
            refs.append(_make(text, c.start, r.end or c.end, r, tz))
    return _merge_clock_ranges(p, text, refs)


def _plausible(p: Pack, c: Candidate) -> bool:
    """Two weekdays joined by "and" are one stretch only when they follow each other ("Wednesday and
    Thursday"); "Monday and Friday" or "Friday and Thursday" are two days, read one by one."""
    if c.kind != "weekdays":
        return True
    w1, w2 = p.lookup("weekday", c.parts["weekday"]), p.lookup("weekday", c.parts["wd2"])
    if w1 is None or w2 is None or w1 == w2:
        return False
    return p.lookup("weekday_join", c.parts["join"]) == "range" or (int(w2) - int(w1)) % 7 == 1


def _resolve_one(resolver: Resolver, c: Candidate, anchors: list[tuple[int, int]] | None) -> Result | None:
    try:
        return resolver.resolve(c, _anchor_of(c.start, anchors))
    except (ValueError, KeyError, TypeError, OverflowError):
        # a pattern matched something the resolver cannot read (e.g. "February 30"): skip it
        return None


_DAY_VALUE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:T|$)")


def local_day(t: TimeRef) -> str | None:
    """The local day of a TimeRef that resolves to exactly one day or finer, else None."""
    if not t.resolved or t.precision not in _DAYLIKE or not t.value or not _DAY_VALUE.match(t.value):
        return None
    return t.value[:10]


@component("khronika.times", version="1", requires=("testimonies",), assigns=("times",))
def make_times() -> Callable[[Document], None]:
    for code in ("en", "ru"):
        pack(code)  # compile the packs once, up front

    def run(doc: Document) -> None:
        if doc.lang not in ("en", "ru"):
            return
        anchors = [(t.start, t.end) for t in doc.testimonies] or None
        doc.times.extend(find_times(doc.text, doc.lang, doc.published, doc.tz, anchors))

    return run
