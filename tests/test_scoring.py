"""khronika's scorer must agree with the reference scorer (shared/eval/score.py).

Predictions are made by perturbing the gold itself with a seeded random generator (dropped spans,
shifted offsets, wrong labels, moved coordinates, missing lines), so every branch of the rules is
exercised; the expected numbers come from the reference scorer, run as its own process.
"""

from __future__ import annotations

import copy
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from khronika.evaluate.scoring import overlap_pairs, score

SHARED = Path(__file__).resolve().parents[2] / "shared" / "eval"
DEV = SHARED / "dev"
needs_shared = pytest.mark.skipif(
    not DEV.is_dir(), reason="../shared/eval is absent: scorer agreement not checked"
)

LABELS = ["Riots", "Protests", "Battles", "Mob violence", "Peaceful protest", "Armed clash", "Attack"]


def _perturb_spans(spans: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for s in spans:
        r = rng.random()
        if r < 0.15:
            continue  # missed
        s = dict(s)
        if r < 0.35:
            s["start"] += rng.choice([-2, 1, 3])  # relaxed match only
        if "value" in s and rng.random() < 0.3:
            s["value"] = "XXXX"
        if "label" in s and rng.random() < 0.2:
            s["label"] = rng.choice(["PER", "ORG", "LOC"])
        if "lat" in s and rng.random() < 0.3:
            s["lat"] = s["lat"] + rng.choice([0.5, 3.0])
        out.append(s)
    if spans and rng.random() < 0.3:
        extra = dict(spans[0])
        extra["start"], extra["end"] = extra["end"] + 5, extra["end"] + 9  # spurious
        out.append(extra)
    return out


def _perturb(line: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
    if rng.random() < 0.05:
        return None  # a missing prediction line counts as empty
    p = copy.deepcopy(line)
    p.pop("text", None)
    for field in ("timexes", "toponyms", "entities"):
        if field in p:
            p[field] = _perturb_spans(p[field], rng)
    if p.get("events"):
        ev = p["events"][0]
        if rng.random() < 0.3:
            ev["type"] = rng.choice(LABELS)
        if rng.random() < 0.3:
            ev["subtype"] = rng.choice(LABELS)
        if "fatalities" in ev and rng.random() < 0.2:
            ev["fatalities"] = (ev["fatalities"] or 0) + 1
        if rng.random() < 0.1:
            ev.pop("date", None)
        if ev.get("location") and rng.random() < 0.3:
            ev["location"] = dict(ev["location"], lat=ev["location"]["lat"] + rng.choice([0.1, 1.0, 5.0]))
        if rng.random() < 0.05:
            p["events"] = []
    return p


def reference(gold: Path, pred_lines: list[dict[str, Any]], tmp: Path, skip: list[str]) -> dict[str, Any]:
    pred = tmp / "pred.jsonl"
    pred.write_text("".join(json.dumps(p) + "\n" for p in pred_lines), encoding="utf-8")
    cmd = [sys.executable, str(SHARED / "score.py"), str(gold), str(pred)]
    for s in skip:
        cmd += ["--skip-type", s]
    res: dict[str, Any] = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    return res


@needs_shared
@pytest.mark.parametrize("name", sorted(p.name for p in DEV.glob("*.jsonl")) if DEV.is_dir() else [])
@pytest.mark.parametrize("seed", [1, 2])
def test_agrees_with_reference_scorer(name: str, seed: int, tmp_path: Path) -> None:
    gold_path = DEV / name
    gold = [json.loads(x) for x in gold_path.read_text(encoding="utf-8").split("\n") if x.strip()]
    rng = random.Random(seed)
    preds = [p for p in (_perturb(g, rng) for g in gold) if p is not None]
    skip = ["Not ACLED"] if name.startswith("case") and seed == 2 else []
    ref = reference(gold_path, preds, tmp_path, skip)
    ours = {k: (round(v, 4) if isinstance(v, float) else v) for k, v in score(gold, preds, skip).items()}
    assert ours == ref


def test_overlap_matching_is_one_to_one_largest_first() -> None:
    gold = [{"start": 0, "end": 10}, {"start": 12, "end": 20}]
    pred = [{"start": 5, "end": 15}, {"start": 0, "end": 4}]
    # pred 0 overlaps gold 0 by 5 and gold 1 by 3: it takes gold 0; pred 1 then has nothing left.
    assert overlap_pairs(gold, pred) == [(0, 0)]


def test_empty_prediction_counts_as_wrong() -> None:
    gold = [
        {"id": "a", "text": "x", "events": [{"type": "Riots", "subtype": "Mob violence", "fatalities": 0}]}
    ]
    res = score(gold, [])
    assert res["event_type_accuracy"] == 0.0
    assert res["fatalities_exact"] == 0.0
    assert res["docs"] == 1
