"""The terse field syntax: the card's own examples, both languages, and board observations from an SMS."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from khronika import lang as langpacks
from khronika.intake import make_document
from khronika.intake.channels.terse import language_of, parse
from khronika.model import Provenance
from khronika.pipeline import Pipeline, default_pipeline

CARD = Path(__file__).resolve().parents[1] / "docs" / "syntax-card.md"
_EXAMPLE = re.compile(r"```terse\n(?P<report>.+?)\n→ (?P<reading>.+?)\n```", re.S)


def card_examples() -> list[tuple[str, str]]:
    found = [(m["report"].strip(), m["reading"].strip()) for m in _EXAMPLE.finditer(CARD.read_text("utf-8"))]
    assert len(found) >= 5, "the syntax card lost its examples"
    return found


def reading_of(report: str) -> list[str]:
    """A parse written the way the card writes what it reads."""
    rep = parse(report)
    assert rep.errors == [], rep.errors
    out = []
    if rep.place:
        out.append(f"place: {rep.place}")
    if rep.day:
        out.append(f"date: {rep.day}")
    if rep.time:
        out.append(f"time: {rep.time}")
    for ob in rep.observations:
        quals = []
        if "limit" in ob.qualifiers:
            quals.append(f"limit={ob.qualifiers['limit']['amount']}")
        if ob.qualifiers.get("queue"):
            size = ob.qualifiers.get("duration") or ob.qualifiers.get("people")
            quals.append(f"queue={size}" if size else "queue")
        if ob.qualifiers.get("cash_only"):
            quals.append("cash_only")
        out.extend(" ".join([s, ob.state or "", *quals]) for s in ob.services)
    for nd in rep.needs:
        out.append(" ".join(str(x) for x in ("need", nd.need, nd.quantity, nd.unit) if x is not None))
    return out


@pytest.mark.parametrize("report,reading", card_examples())
def test_card_examples_read_as_the_card_says(report: str, reading: str) -> None:
    assert reading_of(report) == [part.strip() for part in reading.split("·")]


def test_card_lists_every_keyword() -> None:
    card = CARD.read_text("utf-8")
    for code in ("en", "ru"):
        data = langpacks.load(code, "terse")
        words: list[str] = []
        for key in ("services", "states", "needs", "units"):
            words += [w for ws in data[key].values() for w in ws]
        words += list(data["generic"]) + data["limit"] + data["queue"] + data["cash_only"] + data["need"]
        missing = [w for w in words if f"`{w}`" not in card]
        assert missing == [], f"{code}: keywords missing from docs/syntax-card.md: {missing}"


def test_mixed_and_lowercase() -> None:
    rep = parse("алматы 4g slow; банкомат нет")
    assert [(o.services, o.state) for o in rep.observations] == [(["mobile_internet"], "degraded"),
                                                                 (["atm_cash"], "down")]
    assert rep.lang == "ru" and rep.place == "алматы"


def test_errors_are_named_not_raised() -> None:
    rep = parse("ALMATY 25:00 INTERNET; ATM LIMIT; NEED SPACESHIP")
    assert rep.ok is False
    joined = " | ".join(rep.errors)
    assert "25:00: not a time" in joined
    assert "no state" in joined and "a limit needs a number" in joined and "'SPACESHIP'" in joined
    assert parse("31.02 ATM NO").errors == ["31.02: not a date (DD.MM)"]


def test_prose_is_not_terse() -> None:
    assert language_of("The internet was down all day in Almaty and nobody knew why.") is None
    assert language_of("АЛМАТЫ 17:00 ИНТЕРНЕТ НЕТ") == "ru"
    assert language_of("KASKELEN WATER OK") == "en"


def _run(text: str, channel: str, published: str = "2022-01-06T18:00") -> Any:
    doc = make_document(text.encode(), name="sms", published=published, lang=language_of(text),
                        provenance=Provenance(channel=channel, source="gw", sender="tel:abc", message_id="1"))
    return default_pipeline()(doc)


def test_component_is_in_the_default_pipeline() -> None:
    assert "khronika.terse" in [t.split("@")[0] for t in Pipeline().tags]


def test_sms_report_becomes_observations_with_time_and_place() -> None:
    report = "ALMATY SAMAL-2 17:00 INTERNET DOWN; ATM LIMIT 10000; BREAD QUEUE 2H; NEED INSULIN 3 PEOPLE"
    doc = _run(report, "sms")
    got = sorted((s.service, s.state) for s in doc.services)
    assert got == [("atm_cash", "degraded"), ("bread", "degraded"), ("home_internet", "down"),
                   ("mobile_internet", "down")]
    assert all(s.extractor.startswith("khronika.terse@") and s.evidence == "witnessed" for s in doc.services)
    times = {t.id: t for t in doc.times}
    places = {p.id: p for p in doc.places}
    for s in doc.services:
        assert times[s.time_id].begin == "2022-01-06T11:00:00Z"  # 17:00 in Almaty (+06:00)
        assert places[s.place_id].name == "Almaty" and places[s.place_id].text == "ALMATY SAMAL-2"
    atm = next(s for s in doc.services if s.service == "atm_cash")
    assert atm.qualifiers["limit"] == {"amount": 10000, "currency": "KZT", "what": "withdrawal"}
    assert next(s for s in doc.services if s.service == "bread").qualifiers["duration"] == "PT2H"
    assert [(n.need, n.extractor.split("@")[0]) for n in doc.needs] == [("medical_help", "khronika.terse")]


def test_a_later_time_means_the_day_before() -> None:
    doc = _run("ALMATY 23:30 POWER OFF", "sms", published="2022-01-07T07:10")
    assert doc.times[0].begin == "2022-01-06T17:30:00Z"


def test_russian_sms_stored_on_the_board(store: Any) -> None:
    doc = _run("АЛМАТЫ 17:00 ИНТЕРНЕТ НЕТ; БАНКОМАТ ЛИМИТ 10000", "sms")
    assert doc.lang == "ru"
    store.save(doc)
    board = {(e["service"], e["state"]) for e in store.board()}
    assert {("mobile_internet", "down"), ("home_internet", "down"), ("atm_cash", "degraded")} <= board
