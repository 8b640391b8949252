"""A second net for free text shown to viewers: words that look like person names the extractors missed.

Known names (speakers, relayers, PER entities, victims) are replaced first (`names.NameMatcher`). The
extractors miss some (English PER is not extracted at all), so a capitalised word is also masked when:
- Cyrillic: pymorphy3 reads it as a first name, surname or patronymic (Name, Surn, Patr);
- Latin: it is neither a word of the project's lexicons or `common_words.yaml`, nor a well-known place.
Runs of such words ("Arman Dauletov") become one mask. Over-masking a rare capitalised word is the
price of not naming a niece.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

_WORD = re.compile(r"[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][a-zа-яёәғқңөұүһі'’\-]+")
_NAME_GRAMMEMES = {"Name", "Surn", "Patr"}
_BIG_PLACE = 100_000  # population above which a place name is known well enough to leave in the text
_PLACE_KINDS = ("local", "country", "admin1", "admin2", "admin3", "capital", "region")
_RUN_GAP = re.compile(r"^[ \t]+$")


def _is_name_list(key: Any) -> bool:
    return isinstance(key, str) and key.endswith("names") and not key.startswith("not_")


def _words_in(obj: Any, out: set[str], names: set[str]) -> None:
    """Words of a lexicon into `out`; the lexicons' lists of person names (first_names, person_names)
    into `names` instead: those are the opposite of common words."""
    if isinstance(obj, str):
        out.update(w.casefold() for w in re.findall(r"[A-Za-z]{2,}", obj))
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if _is_name_list(k):
                _words_in(v, names, set())
                continue
            _words_in(k, out, names)
            _words_in(v, out, names)
    elif isinstance(obj, list):
        for v in obj:
            _words_in(v, out, names)


@lru_cache(maxsize=1)
def _lexicon() -> tuple[frozenset[str], frozenset[str]]:
    """(common words, first names) from common_words.yaml and the project's English lexicons."""
    here = resources.files(__package__)
    data = yaml.safe_load(here.joinpath("common_words.yaml").read_text(encoding="utf-8"))
    words: set[str] = {str(w).casefold() for w in data["words"]}
    names: set[str] = set()
    root = Path(str(here)).parent
    for folder in (root / "lang" / "en", root / "vocab"):
        for path in sorted(folder.glob("*.yaml")):
            _words_in(yaml.safe_load(path.read_text(encoding="utf-8")), words, names)
    return frozenset(words - names), frozenset(names)


def common_words() -> frozenset[str]:
    return _lexicon()[0]


@lru_cache(maxsize=1)
def _morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=8192)
def _known_place(word: str) -> bool:
    from ..geo.gazetteer import Gazetteer

    places = Gazetteer.load().lookup(word)
    return any(p.kind in _PLACE_KINDS or p.population >= _BIG_PLACE for p in places)


@lru_cache(maxsize=8192)
def looks_like_name(word: str) -> bool:
    bare = word.strip("'’-")
    if re.search(r"[а-яё]", bare, re.IGNORECASE):
        parses = _morph().parse(bare)[:3]
        return any(_NAME_GRAMMEMES & set(p.tag.grammemes) for p in parses)
    base = re.sub(r"['’]s$", "", bare)
    common, names = _lexicon()
    if base.casefold() in names:
        return True
    return base.casefold() not in common and not _known_place(base)


def mask_unknown_names(text: str, mask: str = "[name]", keep: frozenset[str] = frozenset()) -> str:
    """`text` with every run of name-looking capitalised words replaced by `mask`, except the words of
    `keep` (case-folded: the parts of names the policy lets through, such as victims')."""
    out: list[str] = []
    pos = 0
    last_mask_end = -1
    for m in _WORD.finditer(text):
        word = m.group(0)
        if re.sub(r"['’]s$", "", word).casefold() in keep or not looks_like_name(word):
            continue
        gap = text[pos : m.start()]
        if last_mask_end == pos and out and out[-1] == mask and _RUN_GAP.match(gap or "x"):
            pos = m.end()  # "Arman Dauletov": one mask for the run
            last_mask_end = pos
            continue
        out.append(gap)
        out.append(mask + (m.group(0)[-2:] if re.search(r"['’]s$", m.group(0)) else ""))
        pos = m.end()
        last_mask_end = pos
    out.append(text[pos:])
    return "".join(out)
