"""Person names across scripts: Cyrillic (Russian and Kazakh letters) to Latin, then a folded form in
which common spelling variants of one transliteration coincide ("Yerlan" = "Ерлан", "Kassymova" =
"Касымова"), and a crude stem that drops Russian case endings ("Армана" = "Арман")."""

from __future__ import annotations

import re
from functools import lru_cache

_CYR = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "e",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "i",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ъ": "",
    "ы": "y",
    "ь": "",
    "э": "e",
    "ю": "yu",
    "я": "ya",
    # Kazakh letters
    "ә": "a",
    "ғ": "g",
    "қ": "k",
    "ң": "n",
    "ө": "o",
    "ұ": "u",
    "ү": "u",
    "һ": "h",
    "і": "i",
}
_TRANS = str.maketrans(_CYR)
# Spelling variants of one sound, longest first; applied to the Latin form of either script.
_FOLDS = (
    ("shch", "sh"),
    ("kh", "h"),
    ("zh", "z"),
    ("ts", "c"),
    ("yu", "u"),
    ("iu", "u"),
    ("ya", "a"),
    ("ia", "a"),
    ("yo", "o"),
    ("ye", "e"),
    ("y", "i"),
    ("j", "i"),
    ("w", "v"),
    ("q", "k"),
)
_DOUBLE = re.compile(r"(.)\1+")
_NON_LETTER = re.compile(r"[^a-z ]+")
# Russian case endings after folding (genitive, dative, instrumental, prepositional); stripped only
# from tokens long enough that the rest is still a name.
_ENDING = re.compile(r"(ovoi|evoi|ogo|ego|omu|emu|oi|ei|om|em|im|a|u|e|i)$")


@lru_cache(maxsize=65536)
def fold(token: str) -> str:
    t = token.lower().translate(_TRANS)
    t = _NON_LETTER.sub("", t.replace("-", " "))
    for a, b in _FOLDS:
        t = t.replace(a, b)
    return _DOUBLE.sub(r"\1", t)


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    f = fold(token)
    return _ENDING.sub("", f) if len(f) >= 5 else f


def tokens(name: str) -> tuple[str, ...]:
    """Stemmed, folded tokens of a name; initials and one-letter tokens are dropped."""
    out = []
    for raw in re.split(r"[\s\-]+", name.strip()):
        raw = raw.strip(".,;:'\"«»()")
        if len(raw) < 2 or not raw[0].isupper():
            continue
        s = stem(raw)
        if len(s) >= 2:
            out.append(s)
    return tuple(out)


def is_full(toks: tuple[str, ...]) -> bool:
    return len(toks) >= 2


def name_keys(toks: tuple[str, ...]) -> list[str]:
    """Blocking keys of a full name: every unordered pair of its tokens (order differs across languages)."""
    if not is_full(toks):
        return []
    out = set()
    for i, a in enumerate(toks):
        for b in toks[i + 1 :]:
            if a != b:
                out.add("n:" + "|".join(sorted((a, b))))
    return sorted(out)


def full_match(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Two full names share at least two tokens (given name and surname, in any order)."""
    return len(set(a) & set(b)) >= 2


def surname_match(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """One side names a single token (a surname, or a given name) that the other's full name contains.

    Two full names that do not `full_match` are two people ("Saken Bitaev", "Serik Bitaev"), never a match.
    """
    if not a or not b or (len(a) > 1 and len(b) > 1):
        return False
    one, other = (a, b) if len(a) == 1 else (b, a)
    return one[0] in other


def expand_in_document(names: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Within one document a lone token stands for the one full name that contains it."""
    full = [n for n in names if is_full(n)]
    out = []
    for n in names:
        if len(n) == 1:
            hits = {f for f in full if n[0] in f}
            if len(hits) == 1:
                out.append(next(iter(hits)))
                continue
        out.append(n)
    return sorted(set(out))


def person_key(name: str | None) -> str | None:
    """A source key for a named person: folded tokens, sorted; None when it does not look like a name."""
    if not name:
        return None
    toks = tokens(name)
    return " ".join(sorted(toks)) if toks else None
