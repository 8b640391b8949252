"""The reader's highlighting: a document's text cut into flat segments, each with the items covering it.

Built server-side from offsets so the template only prints escaped text inside <span>s (no HTML is ever
assembled from testimony text). Overlapping items (a statement holding an event holding a place) are
handled by a sweep over every span boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

# Kinds marked in the text, and the CSS class each gets. Statements colour the background by evidence.
MARKED = {
    "statement": "statement",
    "event": "event",
    "place": "place",
    "time": "time",
    "service": "observation",
    "claim": "claim",
    "victim": "victim",
}


@dataclass
class Mark:
    item_id: str
    kind: str
    start: int
    end: int
    evidence: str | None = None


@dataclass
class Segment:
    text: str
    start: int
    classes: list[str] = field(default_factory=list)
    item_id: str | None = None  # the innermost clickable item here
    item_ids: list[str] = field(default_factory=list)


def marks_from_items(rows: list[dict[str, Any]]) -> list[Mark]:
    """Marks for the items a reader shows, plus a speaker mark for each testimony's attribution line."""
    out: list[Mark] = []
    for r in rows:
        kind = r["kind"]
        if kind == "testimony":
            hs, he = r.get("header_start"), r.get("header_end")
            if hs is not None and he is not None and he > hs:
                out.append(Mark(r["id"], "speaker", int(hs), int(he)))
        elif kind in MARKED and r["end"] > r["start"]:
            out.append(Mark(r["id"], kind, int(r["start"]), int(r["end"]), r.get("evidence")))
    return out


def _classes(active: list[Mark]) -> list[str]:
    cls: set[str] = set()
    for m in active:
        if m.kind == "statement":
            cls.add(f"ev-{m.evidence or 'witnessed'}")
        elif m.kind == "speaker":
            cls.add("speaker")
        else:
            cls.add(MARKED[m.kind])
    return sorted(cls)


def segments(text: str, marks: list[Mark]) -> list[Segment]:
    """Flat, gap-free segments covering `text`; plain stretches have no classes.

    One sweep over the boundaries, keeping the set of marks open at each: linear in text and marks
    (times the nesting depth), so a long document with thousands of items stays fast.
    """
    n = len(text)
    clipped = [m for m in marks if max(0, m.start) < min(n, m.end)]
    cuts = sorted({0, n, *(max(0, m.start) for m in clipped), *(min(n, m.end) for m in clipped)})
    by_start = sorted(clipped, key=lambda m: max(0, m.start))
    out: list[Segment] = []
    active: list[Mark] = []
    i = 0
    for a, b in pairwise(cuts):
        active = [m for m in active if m.end > a]
        while i < len(by_start) and max(0, by_start[i].start) <= a:
            active.append(by_start[i])
            i += 1
        inner = [m for m in active if m.kind not in ("statement", "speaker")]
        statements = [m for m in active if m.kind == "statement"]
        clickable = sorted(inner, key=lambda m: m.end - m.start) or statements
        out.append(
            Segment(
                text=text[a:b],
                start=a,
                classes=_classes(active),
                item_id=clickable[0].item_id if clickable else None,
                item_ids=[m.item_id for m in active],
            )
        )
    return out
