"""The word-start alternations of khronika.extract.prefilter match exactly what plain `re` matches."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from khronika.extract.prefilter import CueIndex, WordAlternation, WordAlternations, first_keys

# Named parts in a fixed order, as the service and need lexicons build them: an earlier part wins
# when two start at the same place ("card terminal" before "card").
PARTS = [
    r"(?P<g0>card terminals?|cards?)",
    r"(?P<g1>no (?:cash|money)|not working)",
    r"(?P<g2>a|an|I)",
    r"(?P<g3>in|into)",
    r"(?P<g4>(?:\d+) tenge)",  # a start that cannot be keyed: the whole regex runs instead
]
# Cue patterns opening with \b (not wrapped), as the evidence cue lists are written.
CUES = [
    r"\b(?:I|we)\b(?!['’](?:d|ll)\b)",
    r"\b(?:my|our|the)\s+(?:\w+\s+){0,2}?(?:sister|neighbour)\b",
    r"\bI (?:think|believe)\b",
    r"\bin (?:my|our) (?:opinion|view)\b",
]
WORDS = ["I", "in", "into", "a", "an", "and", "card", "cards", "card terminal", "no cash", "not working",
         "my", "our", "the", "sister", "neighbour", "think", "we", "we'd", "opinion", "12 tenge", "Iris",
         "my old neighbour", ",", ".", "—", "\n"]
TEXTS = st.lists(st.sampled_from(WORDS), max_size=30).map(" ".join)


def _spans(ms: list[re.Match[str]]) -> list[tuple[int, int, str | None]]:
    return [(m.start(), m.end(), m.lastgroup) for m in ms]


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.integers(0, 40), st.integers(0, 200))
def test_bounded_alternation_matches_like_one_regex(text: str, pos: int, span: int) -> None:
    plain = re.compile(r"(?<!\w)(?:" + "|".join(PARTS) + r")(?!\w)", re.I)
    keyed = WordAlternation(PARTS, re.I)
    end = min(len(text), pos + span)
    assert _spans(keyed.finditer(text)) == _spans(list(plain.finditer(text)))
    assert _spans(keyed.finditer(text, pos, end)) == _spans(list(plain.finditer(text, pos, end)))


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.integers(0, 40), st.integers(0, 200))
def test_several_unbounded_alternations_match_like_a_loop_of_regexes(text: str, pos: int, span: int) -> None:
    end = min(len(text), pos + span)
    many = WordAlternations((i, WordAlternation([p], re.I, bounded=False)) for i, p in enumerate(CUES))
    expected = [
        (i, m.span()) for i, p in enumerate(CUES) for m in re.compile(p, re.I).finditer(text, pos, end)
    ]
    assert [(i, m.span()) for i, m in many.finditer(text, pos, end)] == expected


def test_a_short_word_key_is_not_tried_on_longer_words() -> None:
    # "I" followed by \b can only be the word "I": words that merely start with "i" are not candidates.
    keyed = WordAlternation([r"\bI\b"], re.I, bounded=False)
    assert keyed._head("i") is not None
    assert keyed._head("in") is None and keyed._head("iri") is None
    text = "In Iris' view I was in."
    assert [m.start() for m in keyed.finditer(text)] == [m.start() for m in re.finditer(r"\bI\b", text, re.I)]


def test_cue_index_and_first_keys_keep_their_meaning() -> None:
    assert first_keys(r"(?:a |an )?gun ?battles?") == frozenset({"a", "an", "gun"})
    pats = ["a", "an", "gun ?battles?", "riot(?:s|ing)?"]
    text = "A gunbattle, an a-bomb, riots and rioting; Ana and Ann."
    alt = "|".join(f"(?:{p})" for p in sorted(pats, key=len, reverse=True))
    plain = [m.span() for m in re.finditer(rf"(?<!\w)(?:{alt})(?!\w)", text, re.I)]
    assert [m.span() for _n, m in CueIndex([("x", pats)]).finditer(text)] == plain
    assert len(plain) == 6
