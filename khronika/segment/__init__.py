"""khronika.segment: testimonies (author framing and speakers) and statements with evidence levels.

Submodules: `speakers` (who speaks where), `statements` (sentence and clause splitting),
`evidence` (one evidence level per statement, from the language pack's cue lists).
"""

from __future__ import annotations

from collections.abc import Callable

from khronika.model import Document, Statement, Testimony
from khronika.registry import component

from .evidence import default_level, model
from .speakers import Block, find_testimonies
from .statements import split_sentences

NAME = "khronika.segment"
VERSION = "1"
TAG = f"{NAME}@{VERSION}"
CONF_SPEAKER = 0.85
CONF_AUTHOR = 0.7


def _testimony(b: Block) -> Testimony:
    return Testimony(
        start=b.start, end=b.end, extractor=TAG,
        confidence=CONF_AUTHOR if b.is_author else CONF_SPEAKER,
        speaker=b.speaker, role=b.role, is_author=b.is_author,
        header_start=b.header_start, header_end=b.header_end,
    )


def _body(t: Testimony) -> tuple[int, int]:
    """The testimony without a header that opens it (a heading line, "Q:", an inline label)."""
    if t.header_start == t.start and t.header_end is not None:
        return t.header_end, t.end
    return t.start, t.end


def segment(doc: Document) -> None:
    """Fill doc.testimonies and doc.statements."""
    text = doc.text
    lang = doc.lang if doc.lang in ("en", "ru") else "en"
    ev = model(lang)
    testimonies = [_testimony(b) for b in find_testimonies(text, lang)]
    has_speakers = any(not t.is_author for t in testimonies)
    first_person = not has_speakers and ev.is_first_person(text)
    for t in testimonies:
        t.assign_id(doc.id)
        s, e = _body(t)
        default = default_level(is_author=t.is_author, doc_has_speakers=has_speakers,
                                first_person=first_person)
        for u in ev.classify(text, split_sentences(text, s, e, lang), default):
            doc.statements.append(Statement(
                start=u.start, end=u.end, extractor=TAG, confidence=u.confidence,
                testimony_id=t.id, evidence=u.level or default, relayer=u.relayer, cue=u.cue,
                negated=u.negated,
            ))
    doc.testimonies.extend(testimonies)


@component(NAME, version=VERSION, assigns=("testimonies", "statements"))
def make_segment() -> Callable[[Document], None]:
    return segment
