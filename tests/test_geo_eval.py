"""Floors on the dev gold (slightly below measured numbers); skipped where /work/shared is absent."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from khronika.geo import geoparser, primary_place

SHARED = Path(__file__).resolve().parents[2] / "shared"
DEV = SHARED / "eval" / "dev"
SCORER = SHARED / "eval" / "score.py"

pytestmark = pytest.mark.skipif(not SCORER.is_file(),
                                reason="/work/shared/eval not present: no gold to score")


def _score(gold: Path, preds: list[dict[str, object]], tmp_path: Path) -> dict[str, float]:
    pred = tmp_path / "pred.jsonl"
    pred.write_text("".join(json.dumps(p) + "\n" for p in preds), encoding="utf-8")
    out = subprocess.run([sys.executable, str(SCORER), str(gold), str(pred), "--extras"],
                         capture_output=True, text=True, check=True).stdout
    result: dict[str, float] = json.JSONDecoder().raw_decode(out[out.index("{"):])[0]
    return result


def _docs(name: str) -> list[dict[str, object]]:
    text = (DEV / name).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.split("\n") if line.strip()]


def test_lgl_toponyms(tmp_path: Path) -> None:
    gp = geoparser()
    preds = [{"id": d["id"], "toponyms": [{"start": r.start, "end": r.end, "lat": r.lat, "lon": r.lon}
                                          for r in gp.place_refs(str(d["text"]), "en")]}
             for d in _docs("lgl.jsonl")]
    s = _score(DEV / "lgl.jsonl", preds, tmp_path)
    assert s["toponym_f1"] >= 0.79
    assert s["toponym_within_161km"] >= 0.84
    assert s["toponym_e2e_within_161km"] >= 0.71


@pytest.mark.parametrize("name,floor25,floor161", [("acled_bangladesh.jsonl", 0.93, 0.94),
                                                   ("acled_somalia.jsonl", 0.60, 0.97)])
def test_acled_event_location(tmp_path: Path, name: str, floor25: float, floor161: float) -> None:
    gp = geoparser()
    preds = []
    for d in _docs(name):
        best = primary_place(gp.place_refs(str(d["text"]), "en"))
        ev = [{"location": {"lat": best.lat, "lon": best.lon}}] if best else []
        preds.append({"id": d["id"], "events": ev})
    s = _score(DEV / name, preds, tmp_path)
    assert s["location_within_25km"] >= floor25
    assert s["location_within_161km"] >= floor161


def test_factru_entities(tmp_path: Path) -> None:
    from khronika.extract.entities import _merge_org_extents, ru_entities

    preds = [{"id": d["id"], "entities": [{"start": e.start, "end": e.end, "label": e.label}
                                          for e in _merge_org_extents(ru_entities(str(d["text"])))]}
             for d in _docs("factru.jsonl")]
    assert _score(DEV / "factru.jsonl", preds, tmp_path)["entity_micro_f1"] >= 0.80


def test_seed_almaty_places() -> None:
    seeds = sorted((SHARED / "seeds").glob("*.txt"))
    if not seeds:
        pytest.skip("no seed testimony in /work/shared/seeds")
    refs = geoparser().place_refs(seeds[0].read_text(encoding="utf-8"), "en", default_country="KZ")
    ids = {r.place_id for r in refs}
    assert "gn:1526384" in ids  # Almaty itself
    assert {"local:almaty:akimat", "local:kz:burunday"} <= ids
    assert {"local:almaty:centre"} <= ids
