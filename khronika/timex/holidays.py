"""Named days: which calendar day a holiday key falls on in a given year.

The language packs map words to a rule string; the rules are computed here:
  "MM-DD"             a fixed day ("12-25")
  "easter[+/-N]"      Western Easter (Gregorian computus), optionally offset by N days
  "orthodox_easter"   Orthodox Easter (Julian computus, moved to the Gregorian calendar)
  "nth:W:N:MM"        the N-th weekday W (0 = Monday) of month MM; N = -1 is the last one
"""

from __future__ import annotations

import re
from datetime import date, timedelta

_RULE = re.compile(r"^(?:(\d{2})-(\d{2})|(orthodox_easter|easter)([+-]\d+)?|nth:(\d):(-?\d):(\d{1,2}))$")


def easter(year: int) -> date:
    """Western Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ll = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ll) // 451
    month = (h + ll - 7 * m + 114) // 31
    day = (h + ll - 7 * m + 114) % 31 + 1
    return date(year, month, day)


def orthodox_easter(year: int) -> date:
    """Orthodox Easter Sunday: Julian computus plus the Julian-Gregorian gap (13 days in 1900-2099)."""
    a, b, c = year % 4, year % 7, year % 19
    d = (19 * c + 15) % 30
    e = (2 * a + 4 * b - d + 34) % 7
    month = (d + e + 114) // 31
    day = (d + e + 114) % 31 + 1
    return date(year, month, day) + timedelta(days=13)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    last = nxt - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def holiday_date(rule: str, year: int) -> date | None:
    """The day the rule names in `year`; None for a malformed rule."""
    m = _RULE.match(rule)
    if not m:
        return None
    if m[1]:
        return date(year, int(m[1]), int(m[2]))
    if m[3]:
        base = easter(year) if m[3] == "easter" else orthodox_easter(year)
        return base + timedelta(days=int(m[4] or 0))
    return nth_weekday(year, int(m[7]), int(m[5]), int(m[6]))
