"""Fatality and injury counts by ACLED's rules, on sentences written for these tests."""

from __future__ import annotations

import pytest

from khronika import vocab
from khronika.extract.fatalities import casualties


@pytest.mark.parametrize(
    ("text", "dead"),
    [
        ("Four guards were killed when the convoy was ambushed.", 4),
        ("The attackers killed 17 villagers and burned the granary.", 17),
        ("At least 9 people died in the shooting.", 9),
        ("More than 30 fighters were killed overnight.", 30),
        ("Tens of people were killed in the raid.", 10),
        ("Dozens of residents were killed in the shelling.", 12),
        ("Hundreds of people were killed, officials said.", 100),
        ("Twenty-three miners were killed.", 23),
        ("The blast killed two soldiers and three cadets.", 5),
        ("Three officers and one driver were killed.", 4),
        ("Between 6 and 11 people were killed in the clash.", 6),
        ("A farmer was shot dead near the well.", 1),
        ("The death toll rose to 41 on Tuesday.", 41),
        ("There were no casualties.", 0),
        ("Nobody was hurt when the bus was stopped.", 0),
        ("Police dispersed the march; 40 people were injured.", 0),
        ("An unknown number of fighters were killed.", 3),
        ("1,250 people were killed in the fighting.", 1250),
        ("Six people were killed, including two children.", 6),
    ],
)
def test_english_death_counts(text: str, dead: int) -> None:
    assert casualties(text, "en").fatalities == dead


def test_range_keeps_the_low_figure_and_the_high_one_apart() -> None:
    c = casualties("Between 6 and 11 people were killed in the clash.", "en")
    assert (c.fatalities, c.fatalities_high) == (6, 11)


def test_injuries_are_kept_apart_from_deaths() -> None:
    c = casualties("Two men were killed and 14 others were wounded in the attack.", "en")
    assert (c.fatalities, c.injuries) == (2, 14)


def test_injured_listed_after_killed_are_not_counted_as_dead() -> None:
    c = casualties("The rebels said they killed 7 guards and 5 others were injured.", "en")
    assert (c.fatalities, c.injuries) == (7, 5)


def test_dates_are_not_counts() -> None:
    assert casualties("Fighting on 12 March killed four guards.", "en").fatalities == 4


def test_differing_tolls_take_the_most_conservative() -> None:
    c = casualties("The death toll stood at 15. Another report put the death toll at 22.", "en")
    assert c.fatalities == 15


def test_a_note_that_states_its_coded_figure_wins() -> None:
    c = casualties("Five soldiers were killed. Two militants were killed. Fatalities coded as 6.", "en")
    assert c.fatalities == 6


@pytest.mark.parametrize(
    ("text", "dead", "hurt"),
    [
        ("Погибли 3 человека, более 20 ранены.", 3, 20),
        ("В перестрелке убиты двое полицейских и пятеро нападавших.", 7, None),
        ("Число погибших возросло до 46.", 46, None),
        ("Десятки человек погибли в давке.", 10, None),
        ("Никто не пострадал.", 0, None),
        ("Иван погиб 6 января на площади.", 0, None),
    ],
)
def test_russian_counts_and_case_forms(text: str, dead: int, hurt: int | None) -> None:
    c = casualties(text, "ru")
    assert c.fatalities == dead
    assert c.injuries == hurt


def test_vague_word_values_come_from_the_rules_file() -> None:
    rules = {e["id"]: e for e in vocab.load("fatality_rules")}
    assert rules["tens"]["value"] == 10
    assert rules["dozens"]["value"] == 12
    assert rules["hundreds"]["value"] == 100
    assert casualties("Several guards were killed.", "en").fatalities == rules["several"]["value"]
    assert casualties("Many guards were killed.", "en").fatalities == rules["many"]["value"]


def test_an_article_opening_a_source_is_no_victim_group() -> None:
    # "a regional paper" is swept into the list of counts by the pattern; the article counts no victim.
    c = casualties("Witnesses told a regional paper, 7 people were killed at the bridge.", "en")
    assert c.fatalities == 7
    # ...while an article that does count a victim still adds one.
    assert casualties("A driver and four passengers were killed on the road.", "en").fatalities == 5


@pytest.mark.parametrize(
    ("text", "dead"),
    [
        ("Говорят, что возле вокзала погибли 7 человек.", 7),
        ("Ночью у рынка убили 11 человек.", 11),
        ("По словам соседей, на мосту погибло 5 человек.", 5),
    ],
)
def test_russian_number_after_the_verb(text: str, dead: int) -> None:
    assert casualties(text, "ru").fatalities == dead
