"""Which of a document's resolved places an event takes (khronika.extract.events.event_place).

The texts and places are made up here (names and coordinates invented); the gold-file floor at the end
reads /work/shared at run time and skips without it.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from khronika.extract.events import EventExtractor, lead_event
from khronika.model import Document, PlaceRef, Statement

EVAL = Path(os.environ.get("KHRONIKA_SHARED", "/work/shared")) / "eval"


@pytest.fixture(scope="module")
def extractor() -> Iterator[EventExtractor]:
    os.environ["KHRONIKA_NO_USER_MODEL"] = "1"  # the shipped rules, not a user's model
    try:
        ex = EventExtractor()
    finally:
        os.environ.pop("KHRONIKA_NO_USER_MODEL", None)
    yield ex


def _place(text: str, surface: str, name: str, lat: float, lon: float, precision: str, country: str,
           admin1: str, *, nth: int = 0, confidence: float = 0.9) -> PlaceRef:
    at = [m.start() for m in re.finditer(re.escape(surface), text)][nth]
    return PlaceRef(start=at, end=at + len(surface), text=surface, name=name, lat=lat, lon=lon,
                    precision=precision, country=country, admin1=admin1, confidence=confidence,
                    place_id=f"test:{name}")


def _doc(text: str, places: list[PlaceRef]) -> Document:
    """A document whose statements are its sentences."""
    doc = Document(text=text, id="doc-place", lang="en")
    cuts = [0] + [m.end() for m in re.finditer(r"\. ", text)] + [len(text)]
    doc.statements = [Statement(start=a, end=b, testimony_id="t") for a, b in itertools.pairwise(cuts)]
    doc.places = places
    return doc


def _where(ex: EventExtractor, doc: Document, trigger: str) -> str | None:
    ex(doc)
    at = doc.text.index(trigger)
    evs = [e for e in doc.events if e.start < at + len(trigger) and at < e.end]  # the trigger's event
    assert evs, f"no event on {trigger!r}: {[(e.subtype, doc.text[e.start:e.end]) for e in doc.events]}"
    loc = evs[0].location
    return None if loc is None else str(loc["name"])


def test_a_statement_without_a_place_takes_the_leads_village_not_the_region(
    extractor: EventExtractor,
) -> None:
    # The region is named twice and the village once: the most frequent place is the region, but the
    # lead says where this short note's episode happened.
    text = ("On 3 May, militia fighters gathered in Qaryo village (Degmo, Gobol). "
            "Later the militia attacked an army post. Elders across Gobol called for calm.")
    places = [
        _place(text, "Qaryo", "Qaryo", 4.10, 45.20, "city", "AA", "Gobol"),
        _place(text, "Degmo", "Degmo", 4.30, 45.40, "city", "AA", "Gobol"),
        _place(text, "Gobol", "Gobol", 4.50, 45.60, "region", "AA", "Gobol"),
        _place(text, "Gobol", "Gobol", 4.50, 45.60, "region", "AA", "Gobol", nth=1),
    ]
    assert _where(extractor, _doc(text, places), "attacked") == "Qaryo"


def test_a_country_in_the_lead_sets_no_context(extractor: EventExtractor) -> None:
    text = ("Unrest spread across Freedonia. Shops were looted overnight. "
            "Residents of Grandville swept the streets.")
    places = [
        _place(text, "Freedonia", "Freedonia", 10.0, 20.0, "country", "FD", ""),
        _place(text, "Grandville", "Grandville", 10.5, 20.5, "city", "FD", "North"),
    ]
    assert _where(extractor, _doc(text, places), "looted") == "Grandville"


def test_a_long_account_leaves_placeless_statements_to_the_documents_main_place(
    extractor: EventExtractor,
) -> None:
    filler = "We stayed at home and waited for news from friends. " * 18  # a long account, many episodes
    text = ("I grew up in Millbrook. " + filler + "In Stonebridge the square was full. "
            "Stonebridge was quiet by noon. Later shops were looted. We heard shots across Stonebridge.")
    assert len(text) > 900
    places = [_place(text, "Millbrook", "Millbrook", 40.0, 30.0, "city", "AA", "West")] + [
        _place(text, "Stonebridge", "Stonebridge", 41.0, 31.0, "city", "AA", "East", nth=i) for i in range(3)
    ]
    assert _where(extractor, _doc(text, places), "looted") == "Stonebridge"


def test_a_place_in_a_clause_about_the_protests_topic_is_not_its_place(extractor: EventExtractor) -> None:
    # The foreign city is read with more confidence and named twice: the statement's main country alone
    # would pick it.
    text = "Students protested in Harbourtown, condemning the bombing of Farland and the siege of Farland."
    places = [
        _place(text, "Harbourtown", "Harbourtown", 23.0, 90.0, "city", "AA", "Coast", confidence=0.6),
        _place(text, "Farland", "Farland", 31.0, 34.0, "city", "BB", "Hills"),
        _place(text, "Farland", "Farland", 31.0, 34.0, "city", "BB", "Hills", nth=1),
    ]
    assert _where(extractor, _doc(text, places), "protested") == "Harbourtown"


def test_a_place_only_named_in_the_topic_clause_is_still_better_than_none(extractor: EventExtractor) -> None:
    text = "Relatives protested, demanding the release of detainees held in Ridgeton."
    places = [_place(text, "Ridgeton", "Ridgeton", 23.0, 90.0, "city", "AA", "Coast")]
    assert _where(extractor, _doc(text, places), "protested") == "Ridgeton"


def test_a_town_read_far_outside_its_stated_container_gives_way_to_the_container(
    extractor: EventExtractor,
) -> None:
    # "Kelso town (Marrick)": the gazetteer's Kelso lies in another country, so that reading is a namesake.
    text = "Students clashed with police in Kelso town (Marrick), demanding lower fees."
    places = [
        _place(text, "Kelso", "Kelso", 25.5, 82.0, "city", "BB", "Plains", confidence=0.9),
        _place(text, "Marrick", "Marrick", 24.7, 90.4, "city", "AA", "Marrick", confidence=0.6),
    ]
    assert _where(extractor, _doc(text, places), "clashed") == "Marrick"


def test_a_list_of_towns_names_no_container(extractor: EventExtractor) -> None:
    # Anton and Berrin lie 1,000 km apart: in a list that says nothing about either reading.
    text = "Protesters clashed with police in Anton, Berrin and Castel."
    places = [
        _place(text, "Anton", "Anton", 10.0, 10.0, "city", "AA", "One"),
        _place(text, "Berrin", "Berrin", 19.0, 10.0, "city", "AA", "Two"),
        _place(text, "Castel", "Castel", 19.5, 10.5, "city", "AA", "Two"),
    ]
    assert _where(extractor, _doc(text, places), "clashed") == "Anton"


def test_a_town_near_its_container_keeps_its_reading(extractor: EventExtractor) -> None:
    text = "Students clashed with police in Kelso town (Marrick), demanding lower fees."
    places = [
        _place(text, "Kelso", "Kelso", 24.9, 90.3, "city", "AA", "Marrick"),
        _place(text, "Marrick", "Marrick", 24.7, 90.4, "city", "AA", "Marrick"),
    ]
    assert _where(extractor, _doc(text, places), "clashed") == "Kelso"


def test_a_town_inside_the_named_region_beats_a_town_outside_it(extractor: EventExtractor) -> None:
    # The road's name puts the capital first; the bracket says the village lies in North Province.
    text = ("Drivers protested along the Capital-Westbury road "
            "near Westbury village (Eastdale, North Province).")
    places = [
        _place(text, "Capital", "Capital", 2.0, 45.3, "city", "AA", "Capital Region"),
        _place(text, "Westbury", "Westbury", 2.3, 45.8, "city", "AA", "North Province"),
        _place(text, "Eastdale", "Eastdale", 2.4, 45.4, "city", "AA", "North Province"),
        _place(text, "North Province", "North Province", 2.8, 45.5, "region", "AA", "North Province"),
    ]
    assert _where(extractor, _doc(text, places), "protested") == "Westbury"


def test_a_region_named_alone_is_still_the_place(extractor: EventExtractor) -> None:
    text = "Militia fighters attacked an army post in North Province."
    places = [_place(text, "North Province", "North Province", 2.8, 45.5, "region", "AA", "North Province")]
    assert _where(extractor, _doc(text, places), "attacked") == "North Province"


# ----------------------------------------------------------------------------- the gold files


def _gold(name: str) -> list[dict[str, object]]:
    path = EVAL / "dev" / name
    if not path.is_file():
        pytest.skip(f"gold file {path} not found")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# Floors a little below what the full pipeline reaches on the dev files (measured 2026-11-25 with the
# gazetteer of that day: Bangladesh 0.978 / 0.993, Somalia 0.628 / 0.995). Somalia's ACLED villages are
# mostly missing from the gazetteer: the event then takes the district's town, rarely within 25 km.
@pytest.mark.parametrize("name,floor25,floor161", [("acled_bangladesh.jsonl", 0.96, 0.98),
                                                   ("acled_somalia.jsonl", 0.60, 0.98)])
def test_event_location_on_acled_notes(name: str, floor25: float, floor161: float) -> None:
    from khronika.evaluate import predict, score

    gold = _gold(name)
    os.environ["KHRONIKA_NO_USER_MODEL"] = "1"
    try:
        preds = list(predict(gold))
    finally:
        os.environ.pop("KHRONIKA_NO_USER_MODEL", None)
    got = score(gold, preds)
    assert got["location_within_25km"] >= floor25, got
    assert got["location_within_161km"] >= floor161, got


def test_lead_event_keeps_its_place_id(extractor: EventExtractor) -> None:
    text = "Militia fighters attacked an army post in Qaryo village (Degmo, Gobol)."
    places = [
        _place(text, "Qaryo", "Qaryo", 4.10, 45.20, "city", "AA", "Gobol"),
        _place(text, "Gobol", "Gobol", 4.50, 45.60, "region", "AA", "Gobol"),
    ]
    doc = _doc(text, places)
    extractor(doc)
    lead = lead_event(doc)
    assert lead is not None and lead.place_id == places[0].id and lead.location is not None
    assert (lead.location["lat"], lead.location["lon"]) == (4.10, 45.20)
