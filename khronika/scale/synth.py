"""A synthetic archive for benchmarks and tests: short reports composed from the templates in synth.yaml.

Deterministic for a seed. Reports repeat a limited set of (event, place, day) combinations, so several
documents describe the same incident (linking has real work to do), in English and in Russian.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

TEMPLATES = Path(__file__).with_name("synth.yaml")


@dataclass(frozen=True)
class SynthDoc:
    name: str  # a file name
    lang: str
    text: str
    published: str  # YYYY-MM-DD
    source: str


@cache
def _templates() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(TEMPLATES.read_text(encoding="utf-8"))
    return data


def compose(rng: random.Random, lang: str) -> tuple[str, int]:
    """One report in `lang` and the last day it mentions."""
    t = _templates()
    pack = t[lang]
    day = rng.choice(t["days"])
    slots = {"month": pack["month"], "name": rng.choice(pack["names"]), "day": day}
    lines = [rng.choice(pack["openers"]).format(**slots)]
    for _ in range(rng.randint(1, 3)):
        lines.append(
            rng.choice(pack["events"]).format(
                place=rng.choice(pack["places"]), time=rng.choice(pack["times"]), **slots
            )
        )
    for _ in range(rng.randint(0, 2)):
        lines.append(rng.choice(pack["services"]).format(place=rng.choice(pack["places"])))
    lines.append(rng.choice(pack["closers"]))
    return " ".join(x for x in lines if x) + "\n", day


def archive(n: int, *, seed: int = 0, ru_share: float = 0.4) -> list[SynthDoc]:
    """`n` reports; every one is distinct (its number is part of its source)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        lang = "ru" if rng.random() < ru_share else "en"
        text, day = compose(rng, lang)
        out.append(
            SynthDoc(
                name=f"{i:06d}_{lang}.txt",
                lang=lang,
                text=text,
                published=f"2022-01-{min(day + 1, 31):02d}",
                source=f"synthetic witness {i % 997}",
            )
        )
    return out


def write_archive(docs: list[SynthDoc], folder: Path) -> Path:
    """The texts as files plus a manifest.yaml (for `khronika ingest --manifest`); returns the manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for d in docs:
        (folder / d.name).write_text(d.text, encoding="utf-8")
        entries.append({"file": d.name, "published": d.published, "source": d.source, "channel": "file"})
    manifest = folder / "manifest.yaml"
    manifest.write_text(yaml.safe_dump({"documents": entries}, allow_unicode=True), encoding="utf-8")
    return manifest
