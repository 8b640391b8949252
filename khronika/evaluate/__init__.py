"""`khronika eval`: run the user's pipeline over a gold file and score it by FORMAT.md's rules."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..intake import make_document
from ..model import Provenance
from ..pipeline import Pipeline, default_pipeline
from .predict import prediction_line
from .scoring import score

__all__ = ["evaluate", "load_gold", "predict", "score"]


def load_gold(path: Path) -> list[dict[str, Any]]:
    lines = []
    try:
        with path.open(encoding="utf-8") as f:
            for n, raw in enumerate(f, 1):
                if not raw.strip():
                    continue
                try:
                    line = json.loads(raw)
                except json.JSONDecodeError as e:
                    raise InputError(f"line {n} is not JSON: {e.msg}", path=str(path)) from e
                if not isinstance(line, dict) or "id" not in line or "text" not in line:
                    raise InputError(f"line {n} lacks 'id' or 'text'", path=str(path))
                lines.append(line)
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}", path=str(path)) from e
    return lines


def predict(
    gold: list[dict[str, Any]], pipeline: Pipeline | None = None, progress: Callable[[], None] | None = None
) -> Iterator[dict[str, Any]]:
    """The system's output for each gold line, through the same pipeline `ingest` uses."""
    pipe = pipeline or default_pipeline()
    for line in gold:
        doc = make_document(
            line["text"].encode("utf-8"),
            name=line["id"],
            provenance=Provenance(channel="eval", source=line.get("source"), message_id=line["id"]),
            published=line.get("published"),
            lang=line.get("lang"),
        )
        pipe(doc)
        if progress:
            progress()
        yield prediction_line(line["id"], doc)


def evaluate(
    gold: list[dict[str, Any]], predictions: list[dict[str, Any]], skip_types: tuple[str, ...] = ()
) -> dict[str, float]:
    return score(gold, predictions, skip_types)
