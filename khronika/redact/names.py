"""Finding person names inside free text, including their parts and Russian case forms.

A witness called "Aliya Nurlanovna" may appear later as "Aliya", and a Russian "Марат" as "Марата" or
"Маратом": each part of a name (three letters or more) is matched too, and Cyrillic parts take up to
three letters of inflection (a final vowel may drop: "Алия" -> "Алии"). Whole names match in any
case; single parts only as written (capitalised), so "Vera" does not eat the Russian word "вера".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

_CYRILLIC = re.compile(r"[\u0400-\u04FF]")
_SUFFIX = r"(?:[а-яёәғқңөұүһі]{0,3})"
_FINAL_VOWELS = "аяйьеыо"
MIN_PART = 3


def norm_name(name: str) -> str:
    """The key two spellings of one name share: case-folded, whitespace collapsed."""
    return " ".join(name.split()).casefold()


def name_parts(name: str) -> list[str]:
    """The parts of a name worth matching alone: words of three letters or more."""
    return [p for p in re.split(r"[\s\-]+", name.strip(" .,;:")) if len(p) >= MIN_PART and p[0].isalpha()]


def _stems(part: str) -> list[str]:
    out = [part]
    if _CYRILLIC.search(part) and part[-1].lower() in _FINAL_VOWELS and len(part) > MIN_PART:
        out.append(part[:-1])
    return out


def _alternation(words: Iterable[str]) -> str:
    # Longest first, so "Aliya Nurlanovna" wins over "Aliya" at the same position.
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


@dataclass
class NameMatcher:
    """Replaces every occurrence of known names in a text; `label(name)` says with what."""

    names: list[str]
    label: Callable[[str], str]
    _full: re.Pattern[str] | None = field(init=False, default=None)
    _part: re.Pattern[str] | None = field(init=False, default=None)
    _owner: dict[str, str] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        full: list[str] = []
        parts: list[str] = []
        for name in self.names:
            clean = " ".join(name.split())
            if len(clean) < 2:
                continue
            full.append(clean)
            self._owner.setdefault(norm_name(clean), clean)
            for p in name_parts(clean):
                for stem in _stems(p):
                    parts.append(stem)
                    self._owner.setdefault(stem, clean)
        if full:
            self._full = re.compile(rf"(?<!\w)({_alternation(full)}){_SUFFIX}(?!\w)", re.IGNORECASE)
        if parts:
            self._part = re.compile(rf"(?<!\w)({_alternation(parts)}){_SUFFIX}(?!\w)")

    def _sub_full(self, m: re.Match[str]) -> str:
        return self.label(self._owner.get(norm_name(m.group(1)), m.group(1)))

    def _sub_part(self, m: re.Match[str]) -> str:
        return self.label(self._owner.get(m.group(1), m.group(1)))

    def replace(self, text: str) -> str:
        if self._full is not None:
            text = self._full.sub(self._sub_full, text)
        if self._part is not None:
            text = self._part.sub(self._sub_part, text)
        return text
