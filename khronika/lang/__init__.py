"""Language packs: per-language cue lists and patterns as YAML data (`lang/<code>/<name>.yaml`).

Adding a language means adding a folder; code asks for `load(lang, name)` and never hard-codes
a language's words.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

SUPPORTED = ("en", "ru")


@cache
def load(lang: str, name: str) -> dict[str, Any]:
    """The pack `name` for `lang`, or an empty dict when that language has none."""
    path = resources.files(__package__).joinpath(lang, f"{name}.yaml")
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"language pack {lang}/{name}.yaml must hold a mapping")
    return data


def available(name: str) -> list[str]:
    """Languages that ship the pack `name`."""
    root = resources.files(__package__)
    return sorted(d.name for d in root.iterdir() if d.is_dir() and d.joinpath(f"{name}.yaml").is_file())
