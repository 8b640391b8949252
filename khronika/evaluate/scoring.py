"""Scoring by the rules of shared/eval/FORMAT.md; must agree with the reference scorer.

Matching conventions (one-to-one spans, greedy by largest overlap; first event vs events[0])
follow FORMAT.md. Metrics appear only for fields the gold file annotates.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

EARTH_RADIUS_KM = 6371.0088
Line = dict[str, Any]
Span = dict[str, Any]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def f1(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def exact_pairs(gold: list[Span], pred: list[Span]) -> int:
    """One-to-one matches on identical (start, end): a multiset intersection."""
    return sum(
        (
            Counter((s["start"], s["end"]) for s in gold) & Counter((s["start"], s["end"]) for s in pred)
        ).values()
    )


def overlap_pairs(gold: list[Span], pred: list[Span]) -> list[tuple[int, int]]:
    """Greedy one-to-one matching of overlapping spans, largest overlap first (ties by position)."""
    cands = sorted(
        (-(min(g["end"], p["end"]) - max(g["start"], p["start"])), gi, pi)
        for gi, g in enumerate(gold)
        for pi, p in enumerate(pred)
        if min(g["end"], p["end"]) > max(g["start"], p["start"])
    )
    used_g: set[int] = set()
    used_p: set[int] = set()
    pairs = []
    for _, gi, pi in cands:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            pairs.append((gi, pi))
    return pairs


def _first_event(line: Line | None) -> dict[str, Any]:
    events = (line or {}).get("events") or []
    return events[0] if events else {}


def _label_f1(gold: list[str], pred: list[str | None]) -> tuple[float, float]:
    support = Counter(gold)
    scores = {}
    for lab in support:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == p == lab)
        scores[lab] = f1(tp, sum(1 for p in pred if p == lab), support[lab])[2]
    macro = sum(scores.values()) / len(scores) if scores else 0.0
    weighted = sum(scores[lab] * n for lab, n in support.items()) / len(gold) if gold else 0.0
    return macro, weighted


def _has_coords(d: dict[str, Any]) -> bool:
    return d.get("lat") is not None and d.get("lon") is not None


def score_events(gold: list[Line], pred: dict[str, Line]) -> dict[str, float]:
    res: dict[str, float] = {}
    pairs = [(_first_event(g), _first_event(pred.get(g["id"]))) for g in gold if _first_event(g)]
    typed = [(g["type"], p.get("type")) for g, p in pairs if "type" in g]
    if typed:
        res["event_type_accuracy"] = sum(g == p for g, p in typed) / len(typed)
    sub = [(g["subtype"], p.get("subtype")) for g, p in pairs if "subtype" in g]
    if sub:
        res["event_subtype_accuracy"] = sum(g == p for g, p in sub) / len(sub)
        res["event_subtype_macro_f1"], res["event_subtype_weighted_f1"] = _label_f1(
            [g for g, _ in sub], [p for _, p in sub]
        )
    fat = [(g["fatalities"], p.get("fatalities")) for g, p in pairs if g.get("fatalities") is not None]
    if fat:
        res["fatalities_exact"] = sum(p is not None and int(p) == int(g) for g, p in fat) / len(fat)
    dates = [(str(g["date"])[:10], p.get("date")) for g, p in pairs if g.get("date")]
    if dates:
        res["event_date_exact"] = sum(bool(p) and str(p)[:10] == g for g, p in dates) / len(dates)
    locs = [
        (g["location"], p.get("location") or {}) for g, p in pairs if _has_coords(g.get("location") or {})
    ]
    if locs:
        kms = [
            haversine_km(g["lat"], g["lon"], p["lat"], p["lon"]) if _has_coords(p) else math.inf
            for g, p in locs
        ]
        res["location_within_25km"] = sum(k <= 25 for k in kms) / len(kms)
        res["location_within_161km"] = sum(k <= 161 for k in kms) / len(kms)
    return res


def _span_docs(
    gold: list[Line], pred: dict[str, Line], field: str
) -> Iterable[tuple[list[Span], list[Span]]]:
    for g in gold:
        if field in g:
            yield g[field], (pred.get(g["id"]) or {}).get(field) or []


def score_timexes(gold: list[Line], pred: dict[str, Line]) -> dict[str, float]:
    n_gold = n_pred = strict = relaxed = right = 0
    for gs, ps in _span_docs(gold, pred, "timexes"):
        n_gold, n_pred = n_gold + len(gs), n_pred + len(ps)
        strict += exact_pairs(gs, ps)
        pairs = overlap_pairs(gs, ps)
        relaxed += len(pairs)
        right += sum(str(ps[pi].get("value")) == str(gs[gi].get("value")) for gi, pi in pairs)
    return {
        "timex_strict_f1": f1(strict, n_pred, n_gold)[2],
        "timex_relaxed_f1": f1(relaxed, n_pred, n_gold)[2],
        "timex_value_accuracy": right / relaxed if relaxed else 0.0,
        "timex_value_f1": f1(right, n_pred, n_gold)[2],
    }


def score_toponyms(gold: list[Line], pred: dict[str, Line]) -> dict[str, float]:
    n_gold = n_pred = found = near = 0
    for gs, ps in _span_docs(gold, pred, "toponyms"):
        n_gold, n_pred = n_gold + len(gs), n_pred + len(ps)
        pairs = overlap_pairs(gs, ps)
        found += len(pairs)
        near += sum(
            _has_coords(ps[pi])
            and haversine_km(gs[gi]["lat"], gs[gi]["lon"], ps[pi]["lat"], ps[pi]["lon"]) <= 161
            for gi, pi in pairs
        )
    p, r, f = f1(found, n_pred, n_gold)
    return {
        "toponym_precision": p,
        "toponym_recall": r,
        "toponym_f1": f,
        "toponym_within_161km": near / found if found else 0.0,
        "toponym_e2e_within_161km": near / n_gold if n_gold else 0.0,
    }


ENTITY_LABELS = ("PER", "ORG", "LOC")


def score_entities(gold: list[Line], pred: dict[str, Line]) -> dict[str, float]:
    counts = {lab: [0, 0, 0] for lab in ENTITY_LABELS}  # true positives, predicted, gold
    for gs, ps in _span_docs(gold, pred, "entities"):
        for lab in ENTITY_LABELS:
            g_l = [s for s in gs if s["label"] == lab]
            p_l = [s for s in ps if s.get("label") == lab]
            c = counts[lab]
            c[0], c[1], c[2] = c[0] + exact_pairs(g_l, p_l), c[1] + len(p_l), c[2] + len(g_l)
    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    res = {"entity_micro_f1": f1(total[0], total[1], total[2])[2]}
    res.update({f"entity_f1_{lab}": f1(c[0], c[1], c[2])[2] for lab, c in counts.items()})
    return res


SCORERS: list[tuple[str, Callable[[list[Line], dict[str, Line]], dict[str, float]]]] = [
    ("events", score_events),
    ("timexes", score_timexes),
    ("toponyms", score_toponyms),
    ("entities", score_entities),
]


def score(gold: list[Line], predictions: list[Line], skip_types: Iterable[str] = ()) -> dict[str, float]:
    """All metrics for the fields `gold` annotates, plus `docs`."""
    skip = set(skip_types)
    gold = [g for g in gold if _first_event(g).get("type") not in skip] if skip else gold
    pred = {p["id"]: p for p in predictions}
    res: dict[str, float] = {"docs": len(gold)}
    for field, fn in SCORERS:
        if any(field in g for g in gold):
            res.update(fn(gold, pred))
    return res
