"""TIMEX3 value strings: parse them into local intervals, shift them, and format dates at a granularity.

A DATE/TIME value names an interval at some granularity (a day, a week, a quarter ...). Everything
here works on those strings so that the resolver can shift whatever it last saw ("a year earlier"
after "the third quarter" stays a quarter) without a parallel object model.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

# Part-of-day codes -> (start hour, end hour) on the named day; end may pass midnight.
POD_HOURS: dict[str, tuple[int, int]] = {
    "MO": (5, 12), "MI": (11, 14), "AF": (12, 18), "EV": (17, 23), "NI": (21, 30), "DT": (8, 18),
}
# Seasons -> (first month, months long); winter runs into the next year.
SEASONS: dict[str, tuple[int, int]] = {"SP": (3, 3), "SU": (6, 3), "FA": (9, 3), "WI": (12, 3)}

_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2}))?|T(MO|MI|AF|EV|NI|DT))?$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})(-WE)?$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-([QH])(\d)$")
_SEASON = re.compile(r"^(\d{4})-(SP|SU|FA|WI)$")
_YEAR = re.compile(r"^(\d{4})$")
_DECADE = re.compile(r"^(\d{3})$")
_CENTURY = re.compile(r"^(\d{2})$")


def add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    y = d.year + m // 12
    m = m % 12 + 1
    last = (date(y + (m == 12), m % 12 + 1, 1) - timedelta(days=1)).day
    return date(y, m, min(d.day, last))


def week_value(d: date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y:04d}-W{w:02d}"


def quarter_value(d: date) -> str:
    return f"{d.year:04d}-Q{(d.month - 1) // 3 + 1}"


def at_granularity(d: date, gran: str) -> str:
    """`d` written at granularity Y, Q, M, W, D, DE or CE."""
    if gran == "Y":
        return f"{d.year:04d}"
    if gran == "Q":
        return quarter_value(d)
    if gran == "M":
        return f"{d.year:04d}-{d.month:02d}"
    if gran == "W":
        return week_value(d)
    if gran == "DE":
        return f"{d.year // 10:03d}"
    if gran == "CE":
        return f"{d.year // 100:02d}"
    return d.isoformat()


def shift_date(d: date, unit: str, n: int) -> date:
    if unit == "Y":
        return add_months(d, 12 * n)
    if unit == "Q":
        return add_months(d, 3 * n)
    if unit == "M":
        return add_months(d, n)
    if unit == "W":
        return d + timedelta(days=7 * n)
    if unit == "DE":
        return add_months(d, 120 * n)
    if unit == "CE":
        return add_months(d, 1200 * n)
    return d + timedelta(days=n)


def shift(value: str, unit: str, n: int) -> str | None:
    """`value` moved by n units, keeping its granularity; None when the value cannot move that way."""
    m = _DAY.match(value)
    if m:
        d = shift_date(date(int(m[1]), int(m[2]), int(m[3])), unit, n)
        return d.isoformat()  # a shifted day keeps no part of day or clock time
    m = _WEEK.match(value)
    if m:
        if unit == "D":
            return None  # a week moved by days is no longer a week
        d = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        return week_value(shift_date(d, unit, n)) + (m[3] or "")
    m = _MONTH.match(value)
    if m:
        return at_granularity(shift_date(date(int(m[1]), int(m[2]), 1), unit, n), "M")
    m = _QUARTER.match(value)
    if m:
        if unit not in ("Y", m[2]):
            return None
        if unit == "Y":
            return f"{int(m[1]) + n:04d}-{m[2]}{m[3]}"
        per = 4 if m[2] == "Q" else 2
        idx = int(m[1]) * per + int(m[3]) - 1 + n
        return f"{idx // per:04d}-{m[2]}{idx % per + 1}"
    m = _SEASON.match(value)
    if m and unit == "Y":
        return f"{int(m[1]) + n:04d}-{m[2]}"
    m = _YEAR.match(value)
    if m and unit in ("Y", "DE", "CE"):
        return f"{int(m[1]) + n * {'Y': 1, 'DE': 10, 'CE': 100}[unit]:04d}"
    return None


def granularity(value: str) -> str | None:
    """The granularity code of a DATE/TIME value (D, W, M, Q, H, S, Y, DE, CE, T), or None."""
    for rx, g in ((_DAY, "D"), (_WEEK, "W"), (_MONTH, "M"), (_SEASON, "S"), (_YEAR, "Y"),
                  (_DECADE, "DE"), (_CENTURY, "CE")):
        m = rx.match(value)
        if m:
            if g == "D" and (m[4] or m[6]):
                return "T"
            return g
    m = _QUARTER.match(value)
    return m[2] if m else None


def local_interval(value: str) -> tuple[datetime, datetime, str] | None:
    """The naive local [begin, end) of a DATE/TIME value, with its precision name; None if open."""
    m = _DAY.match(value)
    if m:
        d = datetime(int(m[1]), int(m[2]), int(m[3]))
        if m[6]:
            a, b = POD_HOURS[m[6]]
            return d + timedelta(hours=a), d + timedelta(hours=b), "part_of_day"
        if m[4] is not None:
            if m[5] is not None:
                t = d + timedelta(hours=int(m[4]), minutes=int(m[5]))
                return t, t + timedelta(minutes=1), "minute"
            t = d + timedelta(hours=int(m[4]))
            return t, t + timedelta(hours=1), "hour"
        return d, d + timedelta(days=1), "day"
    m = _WEEK.match(value)
    if m:
        d0 = datetime.combine(date.fromisocalendar(int(m[1]), int(m[2]), 1), datetime.min.time())
        if m[3]:
            return d0 + timedelta(days=5), d0 + timedelta(days=7), "range"
        return d0, d0 + timedelta(days=7), "week"
    m = _MONTH.match(value)
    if m:
        d1 = date(int(m[1]), int(m[2]), 1)
        return _dt(d1), _dt(add_months(d1, 1)), "month"
    m = _QUARTER.match(value)
    if m:
        span = 3 if m[2] == "Q" else 6
        d1 = date(int(m[1]), (int(m[3]) - 1) * span + 1, 1)
        return _dt(d1), _dt(add_months(d1, span)), "range"
    m = _SEASON.match(value)
    if m:
        first, span = SEASONS[m[2]]
        d1 = date(int(m[1]), first, 1)
        return _dt(d1), _dt(add_months(d1, span)), "range"
    m = _YEAR.match(value)
    if m:
        return datetime(int(m[1]), 1, 1), datetime(int(m[1]) + 1, 1, 1), "year"
    m = _DECADE.match(value)
    if m:
        return datetime(int(m[1]) * 10, 1, 1), datetime(int(m[1]) * 10 + 10, 1, 1), "range"
    m = _CENTURY.match(value)
    if m and int(m[1]) > 0:
        return datetime(int(m[1]) * 100, 1, 1), datetime(int(m[1]) * 100 + 100, 1, 1), "range"
    return None


def _dt(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)


def to_utc(local: datetime, tz: str) -> str:
    """A naive local datetime in zone `tz`, written as ISO UTC with a Z."""
    aware = local.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%SZ")
