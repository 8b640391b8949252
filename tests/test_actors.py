"""Actor phrases -> ACLED inter codes, on phrases written for these tests."""

from __future__ import annotations

import pytest

from khronika import vocab
from khronika.extract.actors import actors, inter_of


@pytest.mark.parametrize(
    ("phrase", "lang", "inter"),
    [
        ("riot police", "en", 1),
        ("government forces", "en", 1),
        ("Taliban fighters", "en", 2),
        ("insurgents", "en", 2),
        ("unidentified gunmen", "en", 3),
        ("a Marehan clan militia", "en", 4),
        ("rioters", "en", 5),
        ("demonstrators", "en", 6),
        ("villagers", "en", 7),
        ("CSTO troops", "en", 8),
        ("Russian paratroopers", "en", 8),
        ("полиция", "ru", 1),
        ("боевики", "ru", 2),
        ("мародёры", "ru", 5),
        ("митингующие", "ru", 6),
        ("мирные жители", "ru", 7),
        ("миротворцы ОДКБ", "ru", 8),
    ],
)
def test_inter_codes(phrase: str, lang: str, inter: int) -> None:
    assert inter_of(phrase, lang) == inter


def test_specific_group_wins_over_generic_word() -> None:
    # "troops" alone is state forces; with CSTO it is an external force
    found = actors("CSTO troops guarded the airport while local troops stayed in barracks.", "en")
    assert [(a.name, a.inter) for a in found][:2] == [("CSTO troops", 8), ("troops", 1)]


def test_one_actor_per_inter_code_in_order_of_mention() -> None:
    found = actors(
        "Protesters threw stones at police; officers and police then detained demonstrators.", "en"
    )
    assert [a.inter for a in found] == [6, 1]


def test_inter_codes_are_the_vocabulary() -> None:
    assert sorted(int(e["inter"]) for e in vocab.load("actors")) == list(range(1, 9))
