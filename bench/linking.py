"""Benchmark of incident linking on synthetic events: time, peak memory and growth per size.

    .venv/bin/python bench/linking.py            # 10k, 100k, 1M (each size in its own process)
    .venv/bin/python bench/linking.py --quick    # 10k and 100k only
    .venv/bin/python bench/linking.py --sizes 5000

Synthetic corpus (seeded, so every run sees the same events):
- Happenings: n / 1.6 underlying incidents spread uniformly over `n / EVENTS_PER_DAY` days (1000 events a
  day), across 200 cities placed at random in 35-55N, 40-90E, each with 25 landmarks within 8 km.
- Types: 12 ACLED sub-types (5 types) and 4 disruption sub-types, uniform.
- Reports per happening: 1 + geometric(p=0.6), capped at 8, so about 40% of events duplicate another
  (mean 1.6 reports). Each report is its own document of one to four events (consecutive reports).
- How a report differs from the truth: the day is one off in 10% of reports and missing in 5% (then the
  publication day stands in); the place is given as the landmark (45%), the street (15%), the district
  (10%), the city (22%), the region (3%) or not at all (5%), with 150 m of jitter.
- Names: 20% of violence-against-civilians happenings name a victim from a pool of 40k names; a report
  keeps the name with probability 0.7, in Latin (60%, English reports) or Cyrillic (40%, Russian).
- Tolls: 30% of violent happenings (civilians, battles, riots, explosions) kill; the true toll is 1 in
  half of them, else 2 + geometric(p=0.15). A report of a killing gives the toll (60%), another number
  within a factor of two (25%: sources disagree), or none (15%).
- Text similarity is off (the encoder runs at ~700 sentences/s, far from 1M events in 10 minutes; it is
  only a tie-breaker).
Prints, per size: wall seconds, CPU seconds, peak RSS (MB), events/s, the CPU-time ratio to the previous
size (beside the n log n ratio), and the B-cubed precision/recall of the incidents against the happenings.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date
from typing import Any

EVENTS_PER_DAY = 1000
START = date(2022, 1, 1).toordinal()
SUBTYPES = [
    ("Attack", "Violence against civilians", "acled"),
    ("Abduction/forced disappearance", "Violence against civilians", "acled"),
    ("Armed clash", "Battles", "acled"),
    ("Violent demonstration", "Riots", "acled"),
    ("Mob violence", "Riots", "acled"),
    ("Peaceful protest", "Protests", "acled"),
    ("Protest with intervention", "Protests", "acled"),
    ("Excessive force against protesters", "Protests", "acled"),
    ("Arrests", "Strategic developments", "acled"),
    ("Looting/property destruction", "Strategic developments", "acled"),
    ("Shelling/artillery/missile attack", "Explosions/Remote violence", "acled"),
    ("Grenade", "Explosions/Remote violence", "acled"),
    ("Internet shutdown", "Disruption", "disruption"),
    ("Curfew", "Disruption", "disruption"),
    ("Fuel shortage", "Disruption", "disruption"),
    ("Checkpoint/barricade", "Disruption", "disruption"),
]
GIVEN = [
    "Arman",
    "Saken",
    "Daulet",
    "Aigerim",
    "Madina",
    "Yerlan",
    "Bolat",
    "Asel",
    "Nurlan",
    "Gulnara",
    "Ruslan",
    "Dinara",
    "Marat",
    "Zhanna",
    "Serik",
    "Aliya",
    "Timur",
    "Saule",
    "Kairat",
    "Aruzhan",
]
CYR = {
    "Arman": "Арман",
    "Saken": "Сакен",
    "Daulet": "Даулет",
    "Aigerim": "Айгерим",
    "Madina": "Мадина",
    "Yerlan": "Ерлан",
    "Bolat": "Болат",
    "Asel": "Асель",
    "Nurlan": "Нурлан",
    "Gulnara": "Гульнара",
    "Ruslan": "Руслан",
    "Dinara": "Динара",
    "Marat": "Марат",
    "Zhanna": "Жанна",
    "Serik": "Серик",
    "Aliya": "Алия",
    "Timur": "Тимур",
    "Saule": "Сауле",
    "Kairat": "Кайрат",
    "Aruzhan": "Аружан",
}
LAT_SYL = ["ba", "ta", "ke", "nu", "sa", "ly", "mu", "ra", "zhe", "to", "ka", "be", "ri", "so", "da", "ne"]
CYR_SYL = {
    "ba": "ба",
    "ta": "та",
    "ke": "ке",
    "nu": "ну",
    "sa": "са",
    "ly": "лы",
    "mu": "му",
    "ra": "ра",
    "zhe": "же",
    "to": "то",
    "ka": "ка",
    "be": "бе",
    "ri": "ри",
    "so": "со",
    "da": "да",
    "ne": "не",
}


def _surname(rng: random.Random) -> tuple[str, str]:
    syl = [rng.choice(LAT_SYL) for _ in range(rng.randint(2, 4))]
    end = rng.choice([("ev", "ев"), ("ov", "ов"), ("bekov", "беков"), ("uly", "улы")])
    return ("".join(syl) + end[0]).capitalize(), ("".join(CYR_SYL[s] for s in syl) + end[1]).capitalize()


VIOLENT = frozenset({"Violence against civilians", "Battles", "Riots", "Explosions/Remote violence"})


def _true_toll(rng: random.Random) -> int:
    if rng.random() < 0.5:
        return 1
    k = 2
    while rng.random() > 0.15:
        k += 1
    return k


def _reported_toll(rng: random.Random, toll: int) -> int | None:
    if not toll:
        return None
    r = rng.random()
    if r < 0.60:
        return toll
    if r < 0.85:
        return max(1, round(toll * rng.uniform(0.5, 2.0)))
    return None


def generate(n: int, seed: int = 1) -> tuple[list[list[Any]], dict[str, int]]:
    """Documents (lists of EventRecords) and the true happening of every event id."""
    from khronika.link import names as nm
    from khronika.link.records import EventRecord

    rng = random.Random(seed)
    cities = [(rng.uniform(35, 55), rng.uniform(40, 90)) for _ in range(200)]
    marks = [
        [(la + rng.uniform(-0.07, 0.07), lo + rng.uniform(-0.1, 0.1)) for _ in range(25)] for la, lo in cities
    ]
    pool = [(rng.choice(GIVEN), _surname(rng)) for _ in range(40_000)]
    days = max(30, n // EVENTS_PER_DAY)
    truth: dict[str, int] = {}
    docs: list[list[Any]] = []
    current: list[Any] = []
    size_left = 0
    made = 0
    h = 0
    while made < n:
        h += 1
        sub, typ, fam = SUBTYPES[rng.randrange(len(SUBTYPES))]
        day = START + rng.randrange(days)
        c = rng.randrange(len(cities))
        lm = rng.randrange(25)
        victim = rng.choice(pool) if typ == "Violence against civilians" and rng.random() < 0.2 else None
        toll = _true_toll(rng) if typ in VIOLENT and rng.random() < 0.3 else 0
        k = 1
        while rng.random() < 0.4 and k < 8:
            k += 1
        for _ in range(k):
            if made >= n:
                break
            if size_left == 0:
                if current:
                    docs.append(current)
                current, size_left = [], rng.randint(1, 4)
            doc_id = f"d{len(docs):08d}"
            lang = "en" if rng.random() < 0.6 else "ru"
            r = rng.random()
            d = day + (rng.choice((-1, 1)) if r < 0.10 else 0)
            dated = r >= 0.15 or r < 0.10
            lo, hi = (d, d) if dated else (day + rng.randint(0, 2) - 3, day + rng.randint(0, 2))
            pr = rng.random()
            la, lo_ = marks[c][lm]
            prec: str | None
            if pr < 0.45:
                prec = "point"
            elif pr < 0.60:
                prec, la, lo_ = "street", la + rng.uniform(-0.01, 0.01), lo_ + rng.uniform(-0.01, 0.01)
            elif pr < 0.70:
                prec, la, lo_ = "district", la + rng.uniform(-0.02, 0.02), lo_ + rng.uniform(-0.02, 0.02)
            elif pr < 0.92:
                prec, (la, lo_) = "city", cities[c]
            elif pr < 0.95:
                prec, la, lo_ = "region", cities[c][0] + 0.5, cities[c][1] - 0.5
            else:
                prec = None
            if prec is not None:
                la += rng.uniform(-0.0014, 0.0014)
                lo_ += rng.uniform(-0.0014, 0.0014)
            names: list[list[str]] = []
            if victim and rng.random() < 0.7:
                given, (lat_s, cyr_s) = victim
                text = f"{given} {lat_s}" if lang == "en" else f"{CYR[given]} {cyr_s}"
                names = [list(nm.tokens(text))]
            eid = f"e{made:09d}"
            killed = _reported_toll(rng, toll)
            current.append(
                EventRecord(
                    event_id=eid,
                    doc_id=doc_id,
                    start=made,
                    end=made + 1,
                    type=typ,
                    subtype=sub,
                    family=fam,
                    day=date.fromordinal(d).isoformat() if dated else None,
                    day_lo=lo,
                    day_hi=hi,
                    dated=dated,
                    lat=la if prec else None,
                    lon=lo_ if prec else None,
                    place_precision=prec,
                    names=names,
                    victim_names=names,
                    source=f"s:{doc_id}",
                    fatalities=killed,
                    evidence="witnessed",
                    lang=lang,
                )
            )
            truth[eid] = h
            made += 1
            size_left -= 1
    if current:
        docs.append(current)
    return docs, truth


def bcubed(clusters: dict[str, list[str]], truth: dict[str, int]) -> tuple[float, float]:
    gold: dict[int, int] = defaultdict(int)
    for h in truth.values():
        gold[h] += 1
    p_sum = r_sum = 0.0
    for members in clusters.values():
        counts: dict[int, int] = defaultdict(int)
        for e in members:
            counts[truth[e]] += 1
        for h, c in counts.items():
            p_sum += c * c / len(members)
            r_sum += c * c / gold[h]
    return p_sum / len(truth), r_sum / len(truth)


def run_one(n: int, toll: bool = True) -> dict[str, Any]:
    from khronika.link import Linker, MemoryIndex, load_config

    t0 = time.perf_counter()
    docs, truth = generate(n)
    gen = time.perf_counter() - t0
    cfg = load_config()
    if not toll:
        off = {"weights": {"toll_bonus": 0.0}, "fatalities": {"lethal_type": cfg["type"]["compatible"]}}
        cfg = load_config(off)
    linker = Linker(cfg, text=False)
    idx = MemoryIndex()
    t1, c1 = time.perf_counter(), time.process_time()
    for d in docs:
        idx.apply(linker.link(d, idx))
    secs = time.perf_counter() - t1
    cpu = time.process_time() - c1  # on a shared machine, wall time also counts the others' load
    clusters = {i: list(ms) for i, ms in idx.members.items()}
    p, r = bcubed(clusters, truth)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "events": n,
        "documents": len(docs),
        "seconds": round(secs, 1),
        "cpu_seconds": round(cpu, 1),
        "generate_seconds": round(gen, 1),
        "peak_rss_mb": round(peak_mb),
        "events_per_s": round(n / secs),
        "incidents": len(clusters),
        "links": len(idx.links),
        "bcubed_precision": round(p, 3),
        "bcubed_recall": round(r, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="stop at 100k events")
    ap.add_argument("--sizes", type=int, nargs="*", help="explicit sizes")
    ap.add_argument("--no-toll", action="store_true", help="score without the death-toll signal (to compare)")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # run one size in this process
    a = ap.parse_args()
    if a.one:
        print(json.dumps(run_one(a.one, toll=not a.no_toll)))
        return
    sizes = a.sizes or ([10_000, 100_000] if a.quick else [10_000, 100_000, 1_000_000])
    prev: dict[str, Any] | None = None
    print(
        f"{'events':>9} {'docs':>8} {'seconds':>8} {'cpu s':>8} {'peak MB':>8} {'ev/s':>7} {'growth':>7} "
        f"{'n log n':>7} "
        f"{'B3 P':>6} {'B3 R':>6}"
    )
    for n in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(n), *(["--no-toll"] if a.no_toll else [])],
            capture_output=True,
            text=True,
            check=True,
        )
        res = json.loads(out.stdout.strip().splitlines()[-1])
        growth = f"{res['cpu_seconds'] / prev['cpu_seconds']:.1f}x" if prev and prev["cpu_seconds"] else "-"
        nlogn = f"{n * math.log(n) / (prev['events'] * math.log(prev['events'])):.1f}x" if prev else "-"
        print(
            f"{n:>9} {res['documents']:>8} {res['seconds']:>8} {res['cpu_seconds']:>8} "
            f"{res['peak_rss_mb']:>8} {res['events_per_s']:>7} "
            f"{growth:>7} {nlogn:>7} {res['bcubed_precision']:>6} {res['bcubed_recall']:>6}",
            flush=True,
        )
        prev = res


if __name__ == "__main__":
    main()
