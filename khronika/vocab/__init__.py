"""Controlled vocabularies as data: each YAML file lists entries with an `id` and a `definition`.

Code refers to vocabulary ids, never to free strings; `ids(name)` is what tests check against.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml


@cache
def load(name: str) -> list[dict[str, Any]]:
    path = resources.files(__package__).joinpath(f"{name}.yaml")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"vocabulary {name}.yaml must hold a list under 'entries'")
    return entries


def ids(name: str) -> list[str]:
    return [str(e["id"]) for e in load(name)]


def entry(name: str, id_: str) -> dict[str, Any]:
    for e in load(name):
        if e["id"] == id_:
            return e
    raise KeyError(f"{id_!r} is not in vocabulary {name!r}")
