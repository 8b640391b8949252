"""khronika.claims: belief statements that explain causes or lay blame become claims.

Texts written for these tests; expected holders, hedges, propositions and topics are read off them.
"""

# ruff: noqa: E501  (test texts keep one paragraph per line: a line break is a paragraph break)

from __future__ import annotations

from pathlib import Path

import pytest

from khronika import lang as langpacks
from khronika import registry
from khronika.extract.claims import claims_for, proposition_span, rules
from khronika.model import Claim, Document
from khronika.segment import segment

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"  # ../shared beside the repo

EN = """Who is behind the fires? Residents of Karaganda disagree

Surgeon Kamila Nurova

Some believe that the riots were organised by people inside the security service. It may well be a staged hand-over of power. I think the shops will open on Monday.

Timur Beks, taxi driver

I think the looters were paid by someone. Others are convinced that foreign agents brought the weapons from abroad. The fires were planned in advance, I believe.

People say the police were paid to stay away. The police did not organise any help. The news said that foreign fighters were behind the riots.

Baker Dana Orlova

The gangs from the suburbs are to blame for the fires. Perhaps it was a coup by the president's own guard.
"""

RU = """Кто стоит за погромами

Асхат Ермеков, программист

Видимо, всё это было подготовлено заранее. Одни говорят, что это дворцовый переворот. Некоторые уверены, что беспорядки поддержали из-за рубежа. Думаю, завтра дадут свет.

Бандиты виноваты в погромах. Соседи говорят, что магазины откроют в среду.
"""


def _claims(text: str, lang: str) -> list[Claim]:
    d = Document(text=text, lang=lang, id="doc-claims")
    segment(d)
    out = claims_for(d)
    for c in out:  # a claim's span is its proposition
        assert d.text[c.start:c.end] == c.proposition
        assert c.extractor == "khronika.claims@1" and 0 < c.confidence <= 1
        assert c.statement_id and any(s.id == c.statement_id for s in d.statements)
    return out


def _by_prop(claims: list[Claim], start: str) -> Claim:
    hits = [c for c in claims if c.proposition.startswith(start)]
    assert len(hits) == 1, [c.proposition for c in claims]
    return hits[0]


@pytest.fixture(scope="module")
def en_claims() -> list[Claim]:
    return _claims(EN, "en")


@pytest.mark.parametrize("start,holder,hedge,topic", [
    ("the riots were organised by people inside the security service", "Kamila Nurova", "Some believe",
     "organisers"),
    ("a staged hand-over of power", "Kamila Nurova", "may well be", "staged_transition"),
    ("the looters were paid by someone", "Timur Beks", "I think", "paid_gangs"),
    ("foreign agents brought the weapons from abroad", "Timur Beks", "Others are convinced", "foreign_backing"),
    ("The fires were planned in advance", "Timur Beks", "I believe", "organisers"),  # hedge after
    ("it was a coup by the president's own guard", "Dana Orlova", "Perhaps", "coup"),
])
def test_hedged_claims_en(en_claims: list[Claim], start: str, holder: str, hedge: str, topic: str) -> None:
    c = _by_prop(en_claims, start)
    assert (c.holder, c.hedge, c.topic) == (holder, hedge, topic)


def test_blame_without_hedge_is_a_claim(en_claims: list[Claim]) -> None:
    c = _by_prop(en_claims, "The gangs from the suburbs are to blame")
    assert (c.holder, c.hedge, c.topic) == ("Dana Orlova", None, "paid_gangs")


def test_what_is_not_a_claim(en_claims: list[Claim]) -> None:
    props = " | ".join(c.proposition for c in en_claims)
    assert "shops will open" not in props  # a belief, but about no cause
    assert "police were paid to stay away" not in props  # hearsay, not the speaker's belief
    assert "did not organise any help" not in props  # a witnessed statement
    assert "foreign fighters were behind" not in props  # what the news said is reported, not held
    assert len(en_claims) == 7


def test_claims_ru() -> None:
    claims = _claims(RU, "ru")
    got = {(c.proposition, c.hedge, c.topic, c.holder) for c in claims}
    assert got == {
        ("всё это было подготовлено заранее", "Видимо", "organisers", "Асхат Ермеков"),
        ("это дворцовый переворот", "Одни говорят", "coup", "Асхат Ермеков"),
        ("беспорядки поддержали из-за рубежа", "Некоторые уверены", "foreign_backing", "Асхат Ермеков"),
        ("Бандиты виноваты в погромах", None, "paid_gangs", "Асхат Ермеков"),
    }


def test_topics_are_the_same_in_every_language() -> None:
    ids = {lang: [t for t, _ in rules(lang).topics] for lang in langpacks.available("claims")}
    assert {"en", "ru"} <= set(ids)
    assert ids["en"] == ids["ru"]
    assert {"organisers", "coup", "foreign_backing", "staged_transition", "paid_gangs",
            "security_failure"} <= set(ids["en"])


def test_proposition_is_trimmed_and_capped() -> None:
    r = rules("en")
    text = "Apparently, that " + " ".join(["word"] * 50) + "."
    s, e = proposition_span(text, 0, len(text), "Apparently", r)
    assert text[s:e].split() == ["word"] * r.max_words


def test_component_registered() -> None:
    info = registry.get("khronika.claims")
    assert (info.version, info.requires, info.assigns) == ("1", ("statements",), ("claims",))
    d = Document(text=EN, lang="en", id="doc-c")
    registry.get("khronika.segment").factory()(d)
    info.factory()(d)
    assert len(d.claims) == 7


def test_seed_coup_and_foreign_theories_are_claims() -> None:
    files = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if not files:
        pytest.skip("seed testimony not available under ../shared/seeds")
    claims = _claims(files[0].read_text(encoding="utf-8"), "en")
    topics = {c.topic for c in claims}
    assert {"coup", "foreign_backing", "staged_transition"} <= topics
    assert all(c.holder for c in claims)  # every theory is held by a named speaker
    coup = next(c for c in claims if c.topic == "coup")
    assert coup.hedge and "coup" in coup.proposition.lower()
