"""`khronika train`: fit the event sub-type classifier to the user's own coded data.

Inputs are FORMAT.md JSONL lines (text + events[0].subtype) or ACLED CSV exports (columns `notes`,
`sub_event_type`, optionally `event_type`). The model is written to `out_dir` (by default the user's
data folder, `<KHRONIKA_HOME>/models`), never into the package; the events component picks it up.
"""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path
from typing import Any

from khronika.errors import InputError
from khronika.extract.classifier import MODEL_FILE, SubtypeClassifier

MIN_EXAMPLES = 10


def read_examples(path: Path) -> list[tuple[str, str]]:
    """(text, sub-type name) pairs from one JSONL or CSV file."""
    if not path.is_file():
        raise InputError("no such file", path=str(path))
    try:
        raw = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 text ({e.reason})", path=str(path)) from e
    if path.suffix.lower() == ".csv":
        return _from_csv(raw, path)
    return _from_jsonl(raw, path)


def _from_jsonl(raw: str, path: Path) -> list[tuple[str, str]]:
    out = []
    for n, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"line {n}: not JSON ({e.msg})", path=str(path)) from e
        evs = d.get("events") or []
        if isinstance(d, dict) and d.get("text") and evs and evs[0].get("subtype"):
            out.append((str(d["text"]), str(evs[0]["subtype"])))
    return out


def _from_csv(raw: str, path: Path) -> list[tuple[str, str]]:
    rows = list(csv.DictReader(raw.splitlines()))
    if rows and not {"notes", "sub_event_type"} <= set(rows[0]):
        raise InputError("an ACLED CSV needs the columns notes and sub_event_type", path=str(path))
    return [(r["notes"], r["sub_event_type"]) for r in rows if r.get("notes") and r.get("sub_event_type")]


def train(inputs: list[Path], out_dir: Path, *, holdout: float = 0.2, seed: int = 13) -> dict[str, Any]:
    """Fit on all examples and write the model; report accuracy on a held-out share first."""
    examples: list[tuple[str, str]] = []
    for p in inputs:
        examples.extend(read_examples(Path(p)))
    labels = sorted({lab for _, lab in examples})
    if len(examples) < MIN_EXAMPLES or len(labels) < 2:
        raise InputError(
            f"need at least {MIN_EXAMPLES} coded examples of 2+ sub-types; got {len(examples)} "
            f"of {len(labels)}",
            path=", ".join(str(p) for p in inputs),
        )
    rng = random.Random(seed)
    shuffled = examples[:]
    rng.shuffle(shuffled)
    n_test = int(len(shuffled) * holdout) if len(shuffled) >= 50 else 0
    report: dict[str, Any] = {"examples": len(examples), "labels": len(labels)}
    if n_test:
        test, fit_on = shuffled[:n_test], shuffled[n_test:]
        clf = SubtypeClassifier.fit([t for t, _ in fit_on], [lab for _, lab in fit_on])
        pred = clf.predict([t for t, _ in test])
        report["holdout_accuracy"] = round(
            sum(p == lab for p, (_, lab) in zip(pred, test, strict=True)) / n_test, 4
        )
        report["holdout"] = n_test
    model = SubtypeClassifier.fit([t for t, _ in examples], [lab for _, lab in examples])
    out = Path(out_dir) / MODEL_FILE
    model.save(out)
    report["model"] = str(out)
    return report
