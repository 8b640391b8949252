"""Language identification among the region's languages, `und` when unsure.

lingua covers en, ru, kk, az, tr, uk, be, bg; Kyrgyz, Uzbek and Tajik are not in lingua, so a
letter-signature rule (data in lang/scripts.yaml) decides those first.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

REGION = ("en", "ru", "kk", "ky", "uz", "tg", "az", "tr", "uk", "be", "bg")
_LINGUA = {
    "en": "ENGLISH",
    "ru": "RUSSIAN",
    "kk": "KAZAKH",
    "az": "AZERBAIJANI",
    "tr": "TURKISH",
    "uk": "UKRAINIAN",
    "be": "BELARUSIAN",
    "bg": "BULGARIAN",
}
MIN_CONFIDENCE = 0.5
_SAMPLE_CHARS = 4000  # the first few KB decide; detection cost stays flat on long documents


@lru_cache(maxsize=1)
def _signatures() -> dict[str, Any]:
    path = resources.files("khronika.lang").joinpath("scripts.yaml")
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


_CYRILLIC = re.compile("[\u0400-\u04ff]")
_LATIN_LETTER = re.compile("[A-Za-z]")
SCRIPT_SHARE = 0.9  # of a text's letters in one script, for the languages of that script alone
_LATIN = ("en", "az", "tr")  # lingua's languages of the region written in Latin letters; the rest Cyrillic


@lru_cache(maxsize=3)
def _detector(codes: tuple[str, ...] = tuple(_LINGUA)) -> Any:
    from lingua import Language, LanguageDetectorBuilder

    langs = [getattr(Language, _LINGUA[c]) for c in codes]
    return LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models().build()


def _candidates(sample: str) -> tuple[str, ...]:
    """The languages a text's script allows: Latin letters cannot be Russian, nor Cyrillic English.
    Fewer languages to weigh is less work for lingua, which dominates the cost of intake. A few words
    of the other script (a brand, a link) do not count; a real mix is weighed against all languages."""
    cyrillic = len(_CYRILLIC.findall(sample))
    latin = len(_LATIN_LETTER.findall(sample))
    if latin >= SCRIPT_SHARE * (latin + cyrillic):
        return _LATIN
    if cyrillic >= SCRIPT_SHARE * (latin + cyrillic):
        return tuple(c for c in _LINGUA if c not in _LATIN)
    return tuple(_LINGUA)


def _by_signature(text: str) -> str | None:
    sig = _signatures()
    lower = text.lower()
    letters = set(lower)
    for code, rule in sig.get("signatures", {}).items():
        if letters & set(rule["require_any"]) and not letters & set(rule.get("exclude", [])):
            return str(code)
    for code, markers in sig.get("latin_markers", {}).items():
        if sum(lower.count(m) for m in markers) >= 2:
            return str(code)
    return None


def detect(text: str) -> tuple[str, float]:
    """(language code, confidence); ("und", c) when no language is confident enough."""
    sample = text[:_SAMPLE_CHARS]
    if not any(ch.isalpha() for ch in sample):
        return "und", 0.0
    code = _by_signature(sample)
    if code:
        return code, 0.9
    values = _detector(_candidates(sample)).compute_language_confidence_values(sample)
    if not values:
        return "und", 0.0
    best = values[0]
    iso = {v: k for k, v in _LINGUA.items()}[best.language.name]
    if best.value < MIN_CONFIDENCE:
        return "und", float(best.value)
    return iso, float(best.value)
