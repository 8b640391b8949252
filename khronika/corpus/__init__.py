"""The project's own sample corpus: invented testimonies about Almaty, 4-8 January 2022.

Texts sit beside this module, their metadata in `manifest.yaml`
(file, title, lang, published, source, channel, tz).
The corpus is ours (written for the project), so tests, demos and docs may quote it freely.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

__all__ = ["corpus_dir", "manifest", "read_text"]

_REQUIRED = ("file", "title", "lang", "published", "source", "channel", "tz")


def corpus_dir() -> Path:
    """The folder holding the corpus texts."""
    return Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, Any], ...]:
    path = corpus_dir() / "manifest.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    docs = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(docs, list):
        raise ValueError(f"{path}: expected a list under 'documents'")
    for d in docs:
        missing = [k for k in _REQUIRED if not d.get(k)]
        if missing:
            raise ValueError(f"{path}: entry {d.get('file')!r} lacks {', '.join(missing)}")
        d["published"] = str(d["published"])  # YAML may parse an unquoted date into a date object
    return tuple(docs)


def manifest() -> list[dict[str, Any]]:
    """One dict per document (copies, so callers may change them)."""
    return [dict(d) for d in _load()]


def read_text(file: str) -> str:
    """The text of one corpus file, by its manifest name."""
    return (corpus_dir() / file).read_text(encoding="utf-8")
