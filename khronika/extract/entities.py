"""Named entities (PER, ORG, LOC): natasha's NER for Russian; toponyms as LOC for English.

Natasha is loaded once per factory call. Its spans are kept as they are, with one general extent
rule from factRuEval's conventions: an organisation mention includes a following genitive place name
("министерство ... Грузии"), which natasha often tags as a separate LOC.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import lru_cache
from itertools import pairwise
from typing import Any

from ..model import Document, Entity
from ..registry import component

NAME = "khronika.entities"
VERSION = "1"
TAG = f"{NAME}@{VERSION}"


@lru_cache(maxsize=1)
def _natasha() -> tuple[Any, Any]:
    import pymorphy3

    sys.modules.setdefault("pymorphy2", pymorphy3)  # natasha imports pymorphy2, broken on new setuptools
    from natasha import NewsEmbedding, NewsNERTagger, Segmenter

    return Segmenter(), NewsNERTagger(NewsEmbedding())


def ru_entities(text: str) -> list[Entity]:
    from natasha import Doc

    seg, ner = _natasha()
    doc = Doc(text)
    doc.segment(seg)
    doc.tag_ner(ner)
    spans = [(s.start, s.stop, s.type) for s in doc.spans]
    out = [Entity(start=a, end=b, label=t, text=text[a:b], extractor=TAG, confidence=0.8)
           for a, b, t in spans]
    return out + _org_with_place(text, spans)


def _org_with_place(text: str, spans: list[tuple[int, int, str]]) -> list[Entity]:
    """ORG immediately followed by a LOC ("мид Грузии"): the organisation's extent takes the place in,
    as factRuEval marks it; the LOC is kept as its own (nested) mention."""
    out: list[Entity] = []
    for (a, b, t), (c, d, u) in pairwise(spans):
        if t == "ORG" and u == "LOC" and text[b:c] == " ":
            out.append(Entity(start=a, end=d, label="ORG", text=text[a:d], extractor=TAG, confidence=0.6))
    return out


def _merge_org_extents(ents: list[Entity]) -> list[Entity]:
    """Where an extended ORG was made, it replaces the short ORG it starts with."""
    long_starts = {(e.start, e.label) for e in ents if e.confidence == 0.6}
    return [e for e in ents
            if not (e.label == "ORG" and e.confidence != 0.6 and (e.start, "ORG") in long_starts)]


def en_entities(doc: Document) -> list[Entity]:
    """English: LOC from the toponyms (cheap). PER/ORG are left to a later component."""
    if doc.places:
        refs = doc.places
    else:
        from ..geo import geoparser

        refs = geoparser().place_refs(doc.text, "en")
    return [Entity(start=p.start, end=p.end, label="LOC", text=p.text, extractor=TAG,
                   confidence=min(p.confidence, 0.7)) for p in refs]


@component(NAME, version=VERSION, requires=(), assigns=("entities",))
def make_entities() -> Callable[[Document], None]:
    def run(doc: Document) -> None:
        if doc.lang == "ru":
            doc.entities.extend(_merge_org_extents(ru_entities(doc.text)))
        elif doc.lang == "en":
            doc.entities.extend(en_entities(doc))

    return run
