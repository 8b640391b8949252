"""CPU seconds per pipeline stage on the throughput bench's texts (English), to see where time goes.

    python bench/profile_stages.py [--kb 150] [--repeat 3]

Each component of the default pipeline is timed on its own (process CPU time, pinned to one core
like bench/throughput.py), and so are intake (decoding and language detection) and the final id
assignment. Every pass is repeated and the smallest figure kept: the minimum is the least disturbed
by other work on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import english_texts, sample


def _timed_pass(texts: list[str]) -> dict[str, float]:
    from khronika.intake import make_document
    from khronika.model import Document, Provenance
    from khronika.pipeline import EXTRACT_LANGS, default_pipeline

    pipe = default_pipeline()
    comps: list[tuple[str, Callable[[Document], None]]] = list(
        zip([i.name for i in pipe.infos], pipe._components(), strict=True)
    )
    cpu: dict[str, float] = {"intake": 0.0, **{name: 0.0 for name, _ in comps}, "ids": 0.0}
    for t in texts:
        t0 = time.process_time()
        doc = make_document(t.encode("utf-8"), name="bench", provenance=Provenance(channel="bench"),
                            published="2022-01-08")
        cpu["intake"] += time.process_time() - t0
        if doc.lang in EXTRACT_LANGS:
            for name, comp in comps:
                t0 = time.process_time()
                comp(doc)
                cpu[name] += time.process_time() - t0
        t0 = time.process_time()
        doc.assign_ids()
        cpu["ids"] += time.process_time() - t0
    return cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kb", type=int, default=150, help="kilobytes of text (default 150)")
    ap.add_argument("--repeat", type=int, default=3, help="passes; the smallest time per stage is kept")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    texts = sample(english_texts(None), args.kb)
    _timed_pass(texts[:20])  # warm-up: model loading and lazy indexes are not throughput
    best: dict[str, float] = {}
    for _ in range(args.repeat):
        for name, s in _timed_pass(texts).items():
            best[name] = min(best.get(name, s), s)
    total = sum(best.values())
    size_kb = sum(len(t.encode("utf-8")) for t in texts) / 1024
    print(f"texts: {len(texts)} ({size_kb:.0f} KB, English); CPU seconds per stage, best of {args.repeat}")
    for name, s in sorted(best.items(), key=lambda kv: -kv[1]):
        print(f"  {name:<20} {s:7.3f} s  {100 * s / total:5.1f} %")
    print(f"  {'total':<20} {total:7.3f} s  ({size_kb / total:.1f} KB/s)")


if __name__ == "__main__":
    main()
