"""An attachment's own time and place beside what the report's text says, with a mismatch flag.

A photo taken two days before the event it is said to show, or 300 km away, is not proof of a lie
(forwarded pictures, wrong camera clocks), but a reviewer must see it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from ..model import Document

MAX_DAYS = 1.0  # more than a day between the picture and the text's dates is flagged
MAX_KM = 25.0  # farther than this from every place the text names is flagged


@dataclass
class Facts:
    """The dates and points a report's text gives."""

    dates: list[date] = field(default_factory=list)
    points: list[tuple[str, float, float]] = field(default_factory=list)  # (name, lat, lon)


def document_facts(doc: Document) -> Facts:
    dates = {d for e in doc.events if e.date and (d := _day(e.date))}
    pub = doc.published_date()
    if pub:
        dates.add(pub)
    points = {(p.name or p.text, p.lat, p.lon) for p in doc.places if p.lat is not None and p.lon is not None}
    pts = sorted((n, la, lo) for n, la, lo in points if la is not None and lo is not None)
    return Facts(sorted(dates), pts)


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, a)))


def _time_check(taken: str, facts: Facts) -> dict[str, Any]:
    try:
        day = datetime.fromisoformat(taken).date()
    except ValueError:
        return {"attachment": taken, "error": "unreadable time"}
    out: dict[str, Any] = {"attachment": day.isoformat(), "text": [d.isoformat() for d in facts.dates]}
    if facts.dates:
        gap = min(abs((day - d).days) for d in facts.dates)
        out["days_apart"] = gap
        out["mismatch"] = gap > MAX_DAYS
    return out


def _place_check(gps: dict[str, float], facts: Facts) -> dict[str, Any]:
    out: dict[str, Any] = {"attachment": gps, "text": [n for n, _, _ in facts.points]}
    if facts.points:
        name, dist = min(((n, km(gps["lat"], gps["lon"], la, lo)) for n, la, lo in facts.points),
                         key=lambda x: x[1])
        out.update(nearest=name, km=round(dist, 1), mismatch=dist > MAX_KM)
    return out


def compare(meta: dict[str, Any], facts: Facts) -> dict[str, Any]:
    """{"time": {...}, "place": {...}, "mismatch": bool}; a side the text or the file lacks is left out."""
    out: dict[str, Any] = {}
    if meta.get("taken_at"):
        out["time"] = _time_check(str(meta["taken_at"]), facts)
    if isinstance(meta.get("gps"), dict):
        out["place"] = _place_check(meta["gps"], facts)
    out["mismatch"] = any(bool(v.get("mismatch")) for v in out.values() if isinstance(v, dict))
    return out
