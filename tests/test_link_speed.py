"""Shortcuts linking takes for speed must change no result: checked on bench/linking.py's synthetic
events (seeded), over pairs of events of one city."""

from __future__ import annotations

import dataclasses
import importlib.util
import itertools
import random
from pathlib import Path
from typing import Any

import pytest

from khronika.link import Scorer, load_config

BENCH = Path(__file__).resolve().parent.parent / "bench" / "linking.py"


@pytest.fixture(scope="module")
def records() -> list[Any]:
    spec = importlib.util.spec_from_file_location("bench_linking", BENCH)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    docs, _ = mod.generate(4000, seed=7)
    return [r for d in docs for r in d]


def test_too_far_only_where_scoring_vetoes_on_place(records: list[Any]) -> None:
    scorer = Scorer(load_config(), None)
    rng = random.Random(3)
    placed = [r for r in records if r.lat is not None]
    pairs = list(itertools.combinations(rng.sample(placed, 400), 2))  # mostly different cities
    by_place = sorted(placed, key=lambda r: (round(r.lat, 1), round(r.lon, 1), r.event_id))
    pairs += [
        (by_place[i], by_place[j])
        for i in range(len(by_place))
        for j in range(i + 1, i + 6)
        if j < len(by_place)
    ]  # neighbours: the same city, near and just beyond the tolerance
    far = [(a, b) for a, b in pairs if scorer.too_far(a, b)]
    assert len(far) > len(pairs) // 2  # most random pairs lie in different cities
    assert all(scorer.detail(a, b).veto for a, b in far)
    near = [(a, b) for a, b in pairs if not scorer.too_far(a, b)]
    assert sum(scorer.detail(a, b).veto is None for a, b in near) > 100


def test_a_shared_victim_is_never_too_far(records: list[Any]) -> None:
    scorer = Scorer(load_config(), None)
    named = [r for r in records if r.victim_names and r.lat is not None]
    assert len(named) > 10
    a = named[0]
    far = next(r for r in named if abs(r.lat - a.lat) > 1 and r.doc_id != a.doc_id)
    twin = dataclasses.replace(far, victim_names=a.victim_names, names=a.victim_names, type=a.type)
    twin = dataclasses.replace(twin, subtype=a.subtype, family=a.family, day_lo=a.day_lo, day_hi=a.day_hi)
    assert scorer.detail(a, twin).veto is None  # the same victim: one killing, however far apart
    assert not scorer.too_far(a, twin)
