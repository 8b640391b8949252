"""A processed Document written as a line of the gold format (FORMAT.md), for scoring by anyone."""

from __future__ import annotations

from typing import Any

from ..model import Document, Event


def main_events(doc: Document) -> list[Event]:
    """Events ranked most salient first; ties keep text order. The same rule for every document."""
    return sorted(doc.events, key=lambda e: (-e.salience, e.start))


def _event(e: Event) -> dict[str, Any]:
    out: dict[str, Any] = {"type": e.type, "subtype": e.subtype}
    if e.date:
        out["date"] = e.date
    if e.fatalities is not None:
        out["fatalities"] = e.fatalities
    if e.location:
        out["location"] = {k: v for k, v in e.location.items() if v is not None}
    if e.actors:
        out["actors"] = [{"name": a.name, "inter": a.inter} for a in e.actors]
    return out


def prediction_line(doc_id: str, doc: Document) -> dict[str, Any]:
    return {
        "id": doc_id,
        "lang": doc.lang,
        "published": doc.published,
        "events": [_event(e) for e in main_events(doc)],
        "timexes": [
            {"start": t.start, "end": t.end, "text": t.text, "type": t.timex_type, "value": t.value}
            for t in doc.times
        ],
        "toponyms": [
            {"start": p.start, "end": p.end, "text": p.text, "lat": p.lat, "lon": p.lon} for p in doc.places
        ],
        "entities": [
            {"start": e.start, "end": e.end, "text": e.text, "label": e.label} for e in doc.entities
        ],
    }
