"""The casualty register: victim mentions of every document merged into persons.

Name variants merge across scripts and transliterations ("Saken Bitaev", "Сакен Битаев",
"Bitayev") through the same name folding that linking uses. A lone surname merges only within its
own document, or with a person whose date and place agree as well; two different full names stay
two people however alike they look. Pure functions: the store hands in rows, nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .link import names as nm

# Gravest first: when reports differ, the register keeps the gravest fate and lists the others.
FATE_ORDER = ("killed", "missing", "injured", "detained")


@dataclass
class VictimRow:
    """One victim mention as stored, with its time and place already resolved."""

    doc_id: str
    item_id: str
    name: str | None
    fate: str
    date: str | None = None
    place: str | None = None
    perpetrator: str | None = None
    circumstances: str | None = None
    evidence: str | None = None
    needs: list[str] = field(default_factory=list)
    count: int | None = None
    source: str | None = None


def _same_person(a: VictimRow, ta: tuple[str, ...], b: VictimRow, tb: tuple[str, ...]) -> bool:
    if nm.full_match(ta, tb):
        return True
    if not nm.surname_match(ta, tb):
        return False
    # A surname alone is weak evidence: within one document, or with date and place agreeing.
    return a.doc_id == b.doc_id or (a.date is not None and a.date == b.date and a.place == b.place)


def _groups(rows: list[VictimRow]) -> list[list[VictimRow]]:
    """Full names first (they merge on two shared tokens); then each lone name joins the one person
    it can stand for, so "Bitayev" never bridges "Saken Bitaev" and "Serik Bitaev"."""
    named = [(r, nm.tokens(r.name or "")) for r in rows if r.name and nm.tokens(r.name)]
    groups: list[list[tuple[VictimRow, tuple[str, ...]]]] = []
    for r, t in sorted((x for x in named if nm.is_full(x[1])), key=lambda x: (x[0].doc_id, x[0].item_id)):
        hits = [g for g in groups if any(nm.full_match(t, t2) for _, t2 in g)]
        merged = [x for g in hits for x in g] + [(r, t)]
        groups = [g for g in groups if not any(g is h for h in hits)] + [merged]
    for r, t in sorted((x for x in named if not nm.is_full(x[1])), key=lambda x: (x[0].doc_id, x[0].item_id)):
        hits = [g for g in groups if any(_same_person(r, t, r2, t2) for r2, t2 in g)]
        if len(hits) == 1:
            hits[0].append((r, t))
        else:
            groups.append([(r, t)])
    unnamed = [[r] for r in rows if not (r.name and nm.tokens(r.name))]
    return [[r for r, _ in g] for g in groups] + unnamed


def _entry(group: list[VictimRow]) -> dict[str, Any]:
    fates = sorted({r.fate for r in group}, key=lambda f: FATE_ORDER.index(f) if f in FATE_ORDER else 9)
    names: list[str] = sorted({r.name for r in group if r.name}, key=lambda n: (-len(nm.tokens(n)), n))
    latin = [n for n in names if n.isascii()]
    dates = sorted({r.date for r in group if r.date})
    places = sorted({r.place for r in group if r.place})
    return {
        "name": (latin or names)[0] if names else None,
        "variants": names,
        "fate": fates[0] if fates else None,
        "other_fates": fates[1:],
        "date": dates[0] if len(dates) == 1 else None,
        "dates": dates,
        "place": places[0] if len(places) == 1 else None,
        "places": places,
        "count": max((r.count or 1 for r in group), default=1) if not names else 1,
        "perpetrator": next((r.perpetrator for r in group if r.perpetrator), None),
        "circumstances": next((r.circumstances for r in group if r.circumstances), None),
        "needs": sorted({n for r in group for n in r.needs}),
        "mentions": [
            {
                "doc_id": r.doc_id,
                "item_id": r.item_id,
                "name": r.name,
                "fate": r.fate,
                "date": r.date,
                "place": r.place,
                "evidence": r.evidence,
                "source": r.source,
            }
            for r in group
        ],
        "n_documents": len({r.doc_id for r in group}),
    }


def register(rows: list[VictimRow]) -> list[dict[str, Any]]:
    """One entry per person (or per unnamed group of victims), ordered by date then name."""
    entries = [_entry(g) for g in _groups(rows)]
    return sorted(entries, key=lambda e: ((e["dates"] or ["9999"])[0], e["name"] or ""))
