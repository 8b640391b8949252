"""Benchmark of the streaming exports: time and memory growth per format, at 10k and 100k events.

    .venv/bin/python bench/export.py                     # 10k and 100k events, every format
    .venv/bin/python bench/export.py --sizes 2000 --formats acled,jsonl

For each size, a synthetic SQLite store is written once (rows inserted straight into the tables, seeded):
documents of 10 events each, one testimony per document with a named witness and a relayer, events
across 40 places with exact coordinates, one incident per two events. Then each format is exported
through its policy ("public"; "none" for the jsonl backup) to /dev/null in a fresh process, which
reports wall and CPU seconds (CPU: the machine may be shared) and its peak RSS (VmHWM) after the
first chunk and at the end. Flat memory: the peak does not grow with the number of events.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

EVENTS_PER_DOC = 10
PLACES = 40
SUBTYPES = [
    ("Attack", "Violence against civilians"),
    ("Peaceful protest", "Protests"),
    ("Violent demonstration", "Riots"),
    ("Arrests", "Strategic developments"),
]
FIRST = ["Aliya", "Marat", "Dana", "Bolat", "Saule", "Timur", "Aigerim", "Yerlan"]
LAST = ["Seitkali", "Ospanov", "Nurpeisova", "Akhmetov", "Bekova", "Ibraimov"]


def _rss_mb() -> float:
    """Peak resident memory of this process so far, MB. VmHWM, not ru_maxrss: Linux carries ru_maxrss
    over an exec, so a child would report the parent's peak (the parent builds the synthetic rows)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _rows(n_events: int, seed: int = 7) -> dict[str, list[dict[str, Any]]]:
    """Rows for documents, runs, items, events, link_events and incidents (a batch of documents)."""
    rnd = random.Random(seed)
    places = [(f"Place {i}", 43.1 + rnd.random() * 0.3, 76.7 + rnd.random() * 0.4) for i in range(PLACES)]
    now = "2022-01-10T00:00:00Z"
    tables = ("documents", "runs", "items", "events", "link_events", "incidents")
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in tables}
    for d in range(n_events // EVENTS_PER_DOC):
        doc_id, run_id = f"doc{d:07d}", f"run{d:07d}"
        witness = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
        text = f"{witness}, teacher: I saw it. {rnd.choice(FIRST)} told me more."
        out["documents"].append({"id": doc_id, "sha256": f"{d:064d}", "raw": text.encode(), "text": text,
                                 "lang": "en", "lang_confidence": 1.0, "published": "2022-01-08",
                                 "tz": "Asia/Almaty", "title": None, "channel": "file", "source": "Bench",
                                 "sender": None, "message_id": None, "filename": None, "received_at": None,
                                 "created_at": now})
        out["runs"].append({"id": run_id, "doc_id": doc_id, "pipeline": ["bench@1"], "meta": None,
                            "created_at": now, "superseded_by": None, "digest": "0" * 64})
        out["items"].append({"run_id": run_id, "id": f"t{d}", "doc_id": doc_id, "kind": "testimony", "ord": 0,
                             "start": 0, "end": len(text), "extractor": "bench@1", "confidence": 1.0,
                             "evidence": None, "data": {"kind": "testimony", "speaker": witness,
                                                        "role": "teacher"}})
        for k in range(EVENTS_PER_DOC):
            i = d * EVENTS_PER_DOC + k
            subtype, etype = SUBTYPES[i % len(SUBTYPES)]
            name, lat, lon = places[rnd.randrange(PLACES)]
            day = f"2022-01-{1 + i % 9:02d}"
            ev_id, inc_id = f"e{i:08d}", f"inc{i // 2:08d}"
            loc = {"name": name, "lat": lat, "lon": lon, "country": "KZ", "admin1": "Almaty Qalasy"}
            out["items"].append({"run_id": run_id, "id": ev_id, "doc_id": doc_id, "kind": "event", "ord": k,
                                 "start": 0, "end": 5, "extractor": "bench@1", "confidence": 0.8,
                                 "evidence": "witnessed",
                                 "data": {"kind": "event", "type": etype, "subtype": subtype, "location": loc,
                                          "actors": [{"name": "Protesters (Kazakhstan)", "inter": 6}]}})
            out["events"].append({"run_id": run_id, "id": ev_id, "doc_id": doc_id, "type": etype,
                                  "subtype": subtype, "family": "acled", "date": day, "time_text": None,
                                  "time_begin": None, "place": name, "place_id": None, "lat": lat, "lon": lon,
                                  "evidence": "witnessed", "speaker": witness, "fatalities": i % 3,
                                  "start": 0, "end": 5, "confidence": 0.8, "snippet": text})
            out["link_events"].append({"event_id": ev_id, "doc_id": doc_id, "incident_id": inc_id, "start": 0,
                                       "end": 5, "day": day, "record": {}, "created_at": now})
            if i % 2 == 0:
                out["incidents"].append({
                    "id": inc_id, "version": 1, "type": etype, "subtype": subtype, "family": "acled",
                    "first_day": day, "last_day": day, "place": name, "lat": lat, "lon": lon, "n_members": 2,
                    "n_documents": 1, "n_sources": 1, "best_evidence": "witnessed", "confidence": 0.8,
                    "updated_at": now,
                    "summary": {"sources": [{"key": f"p:{witness.lower()}", "label": witness,
                                             "evidence": "witnessed", "events": [ev_id], "docs": [doc_id]}],
                                "contradictions": [], "members": [{"event_id": ev_id, "doc_id": doc_id,
                                                                   "source": f"p:{witness.lower()}",
                                                                   "text": text}]},
                })
    return out


def build(path: Path, n_events: int) -> None:
    import sqlalchemy as sa

    from khronika.store import Store
    from khronika.store.schema import metadata

    with Store(f"sqlite:///{path}") as store, store.engine.begin() as conn:
        for name, rows in _rows(n_events).items():
            for i in range(0, len(rows), 5000):
                conn.execute(sa.insert(metadata.tables[name]), rows[i : i + 5000])


def child(db: str, fmt: str) -> None:
    """One export to /dev/null; prints JSON with seconds and RSS before/after."""
    from khronika.export import start_export
    from khronika.store import Store

    store = Store(db)
    policy = "none" if fmt == "jsonl" else "public"
    t0, c0 = time.perf_counter(), time.process_time()
    chunks = start_export(store, fmt, policy, actor="bench", role="admin")
    with open(os.devnull, "w", encoding="utf-8") as sink:
        first = next(chunks, "")  # lazy imports (jinja2, the gazetteer) happen by here: not growth
        sink.write(first)
        n = len(first)
        before = _rss_mb()
        for chunk in chunks:
            sink.write(chunk)
            n += len(chunk)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    report = {"seconds": seconds, "cpu": cpu, "rss_before": before, "rss_after": _rss_mb(), "chars": n}
    print(json.dumps(report))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--formats", default="acled,geojson,hxl,html,jsonl")
    ap.add_argument("--child", nargs=2, metavar=("DB", "FORMAT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    print(f"{'events':>8} {'format':>8} {'seconds':>8} {'CPU s':>7} {'events/CPU s':>12} {'MB out':>7} "
          f"{'RSS before':>10} {'RSS after':>10} {'growth MB':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            db = Path(tmp) / f"bench-{size}.db"
            t0 = time.perf_counter()
            build(db, size)
            print(f"# {size} events written in {time.perf_counter() - t0:.1f} s", flush=True)
            for fmt in args.formats.split(","):
                res = subprocess.run([sys.executable, __file__, "--child", f"sqlite:///{db}", fmt],
                                     capture_output=True, text=True, check=True)
                r = json.loads(res.stdout.strip().splitlines()[-1])
                growth = r["rss_after"] - r["rss_before"]
                print(f"{size:>8} {fmt:>8} {r['seconds']:>8.1f} {r['cpu']:>7.1f} {size / r['cpu']:>12.0f} "
                      f"{r['chars'] / 1e6:>7.1f} {r['rss_before']:>10.1f} {r['rss_after']:>10.1f} "
                      f"{growth:>9.1f}", flush=True)


if __name__ == "__main__":
    main()
