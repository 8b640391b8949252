"""ACLED CSV and HXL CSV: one redacted event row at a time, written as text chunks."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from .acled import acled_rows, columns

if TYPE_CHECKING:
    from ..redact import Policy
    from ..store.store import Store


class _Line:
    """csv.writer into a reusable buffer: one row in, one string out."""

    def __init__(self) -> None:
        self.buf = io.StringIO()
        self.writer = csv.writer(self.buf, lineterminator="\r\n")

    def __call__(self, values: Iterable[Any]) -> str:
        self.buf.seek(0)
        self.buf.truncate()
        self.writer.writerow(values)
        return self.buf.getvalue()


@lru_cache(maxsize=1)
def hxl_tags() -> list[tuple[str, str]]:
    """(column, HXL hashtag) in export order, from data/hxl_tags.csv."""
    text = resources.files(__package__).joinpath("data/hxl_tags.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    known = set(columns())
    out = []
    for r in rows:
        col, tag = (r.get("column") or "").strip(), (r.get("hxl") or "").strip()
        if col not in known or not tag.startswith("#"):
            raise ConfigError(f"hxl_tags.csv: bad row {col!r} -> {tag!r}", path="khronika/export/data")
        out.append((col, tag))
    return out


def acled_csv(store: Store, policy: Policy) -> Iterator[str]:
    line = _Line()
    cols = columns()
    yield line(cols)
    for row in acled_rows(store, policy):
        yield line(row[c] for c in cols)


def hxl_csv(store: Store, policy: Policy) -> Iterator[str]:
    """A header row, then the HXL hashtag row, then data (HXL 1.1 "tagged CSV")."""
    line = _Line()
    tags = hxl_tags()
    yield line(c for c, _ in tags)
    yield line(t for _, t in tags)
    for row in acled_rows(store, policy):
        yield line(row[c] for c, _ in tags)
