"""Event typing, salience, time/place/evidence inheritance and the user model, on texts written here."""

from __future__ import annotations

from pathlib import Path

import pytest

from khronika import vocab
from khronika.extract import events as ev_mod
from khronika.extract.events import EventExtractor, lead_event
from khronika.model import Document, Event, PlaceRef, Statement, TimeRef, Victim

ACLED_SUBTYPES = {
    "Battles": ["Armed clash", "Government regains territory", "Non-state actor overtakes territory"],
    "Explosions/Remote violence": [
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
    ],
    "Violence against civilians": ["Sexual violence", "Attack", "Abduction/forced disappearance"],
    "Protests": ["Peaceful protest", "Protest with intervention", "Excessive force against protesters"],
    "Riots": ["Violent demonstration", "Mob violence"],
    "Strategic developments": [
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    ],
}


@pytest.fixture(scope="module")
def extractor() -> EventExtractor:
    import os

    os.environ["KHRONIKA_NO_USER_MODEL"] = "1"
    try:
        return EventExtractor()
    finally:
        del os.environ["KHRONIKA_NO_USER_MODEL"]


def run(ex: EventExtractor, text: str, lang: str = "en", **kw: object) -> Document:
    doc = Document(text=text, id="doc-test", lang=lang, **kw)  # type: ignore[arg-type]
    ex(doc)
    return doc


def test_vocabulary_holds_the_acled_taxonomy_exactly() -> None:
    acled = [e for e in vocab.load("acled") if e["family"] == "acled"]
    got: dict[str, list[str]] = {}
    for e in acled:
        got.setdefault(e["type"], []).append(e["name"])
    assert {k: sorted(v) for k, v in got.items()} == {k: sorted(v) for k, v in ACLED_SUBTYPES.items()}
    others = {e["name"] for e in vocab.load("acled") if e["family"] == "other"}
    assert others == {
        "Natural disaster",
        "Man-made disaster",
        "Organized crime",
        "Diplomatic event",
        "Attribution of responsibility",
    }
    assert len(vocab.load("disruptions")) == 10


@pytest.mark.parametrize(
    ("text", "subtype"),
    [
        ("Rebel fighters clashed with army troops near the river crossing for three hours.", "Armed clash"),
        (
            "Government forces recaptured the mining town from the insurgents after a week of fighting.",
            "Government regains territory",
        ),
        ("A drone strike hit a compound used by the militants, the ministry said.", "Air/drone strike"),
        ("A suicide bomber blew himself up at the gate of the police academy.", "Suicide bomb"),
        (
            "Mortar shells landed on the market for the second night in a row.",
            "Shelling/artillery/missile attack",
        ),
        (
            "A roadside bomb exploded under a passing minibus on the coastal road.",
            "Remote explosive/landmine/IED",
        ),
        ("Someone threw a hand grenade into the courtyard of the tax office.", "Grenade"),
        ("Gunmen kidnapped four aid workers travelling to the camp.", "Abduction/forced disappearance"),
        ("Militiamen shot dead a shepherd and his son at the well.", "Attack"),
        (
            "Hundreds of nurses staged a protest outside the health ministry demanding back pay.",
            "Peaceful protest",
        ),
        (
            "Teachers rallied on the square; police dispersed the rally with tear gas.",
            "Protest with intervention",
        ),
        (
            "Troops opened fire on the protesters at the rally, killing five of them.",
            "Excessive force against protesters",
        ),
        (
            "Protesters hurled stones at police and set fire to two cars during the demonstration.",
            "Violent demonstration",
        ),
        ("An angry mob beat a suspected thief to death at the bus stand.", "Mob violence"),
        ("The two armed groups signed a ceasefire agreement in the capital.", "Agreement"),
        ("Police arrested the opposition leader at his home before dawn.", "Arrests"),
        (
            "Army units and armoured vehicles were deployed to the airport overnight.",
            "Change to group/activity",
        ),
        ("Sappers defused an explosive device found under the bridge.", "Disrupted weapons use"),
        ("Heavy floods swept away dozens of houses in the valley.", "Natural disaster"),
    ],
)
def test_subtypes_of_lead_event(extractor: EventExtractor, text: str, subtype: str) -> None:
    lead = lead_event(run(extractor, text))
    assert lead is not None
    assert lead.subtype == subtype
    st = ev_mod.by_name(subtype)
    assert st is not None and lead.type == st.type


def test_party_supporters_fighting_is_a_riot_not_a_battle(extractor: EventExtractor) -> None:
    lead = lead_event(
        run(extractor, "Supporters of two rival candidates clashed with sticks outside the polling station.")
    )
    assert lead is not None and (lead.type, lead.subtype) == ("Riots", "Mob violence")


def test_a_protest_grievance_is_not_its_own_event(extractor: EventExtractor) -> None:
    lead = lead_event(
        run(extractor, "Lawyers staged a protest in front of the court against the arrest of a colleague.")
    )
    assert lead is not None and lead.subtype == "Peaceful protest"


def test_stun_grenades_are_crowd_control_not_explosions(extractor: EventExtractor) -> None:
    lead = lead_event(run(extractor, "Police threw stun grenades to disperse the protesters on the square."))
    assert lead is not None and lead.subtype == "Protest with intervention"


def test_lead_event_is_the_first_sentence_event(extractor: EventExtractor) -> None:
    doc = run(
        extractor,
        "Workers held a rally at the refinery gate. Later, armoured vehicles were seen on the highway.",
    )
    lead = lead_event(doc)
    assert lead is not None and lead.subtype == "Peaceful protest"
    assert {e.subtype for e in doc.events} >= {"Peaceful protest", "Change to group/activity"}


def test_disruptions_are_events_of_their_own_family(extractor: EventExtractor) -> None:
    doc = run(extractor, "Since the morning the internet was cut off and ATMs were empty.")
    subs = {(e.family, e.subtype) for e in doc.events}
    assert ("disruption", "Internet shutdown") in subs
    assert ("disruption", "Cash/ATM outage") in subs


def test_fatalities_and_injuries_on_the_event(extractor: EventExtractor) -> None:
    lead = lead_event(
        run(extractor, "Gunmen attacked an army checkpoint. Three soldiers were killed and six wounded.")
    )
    assert lead is not None
    assert (lead.subtype, lead.fatalities, lead.injuries) == ("Armed clash", 3, 6)


def test_peaceful_protest_has_no_fatalities(extractor: EventExtractor) -> None:
    lead = lead_event(
        run(extractor, "Relatives staged a protest demanding justice for a driver who was killed last week.")
    )
    assert lead is not None and (lead.subtype, lead.fatalities) == ("Peaceful protest", 0)


def test_russian_text(extractor: EventExtractor) -> None:
    lead = lead_event(
        run(extractor, "Вечером толпа подожгла здание акимата, погибли два человека.", lang="ru")
    )
    assert lead is not None and lead.type == "Riots" and lead.fatalities == 2


def test_other_languages_are_left_alone(extractor: EventExtractor) -> None:
    assert run(extractor, "Protesters clashed with police.", lang="kk").events == []


def _timeref(text: str, start: int, value: str) -> TimeRef:
    return TimeRef(
        start=start,
        end=start + len(text),
        text=text,
        value=value,
        resolved=True,
        precision="day",
        begin=f"{value}T00:00:00+00:00",
        until=f"{value}T23:59:59+00:00",
    )


def test_time_place_and_evidence_from_the_statement(extractor: EventExtractor) -> None:
    text = (
        "On Wednesday soldiers fired at the crowd in Almaty. "
        "My cousin says troops arrived in Taraz on Thursday."
    )
    s1_end = text.index("My")
    doc = Document(text=text, id="doc-tp", lang="en")
    doc.statements = [
        Statement(start=0, end=s1_end, evidence="witnessed", testimony_id="t1"),
        Statement(start=s1_end, end=len(text), evidence="relayed", testimony_id="t1"),
    ]
    doc.times = [
        _timeref("Wednesday", 3, "2022-01-05"),
        _timeref("Thursday", text.index("Thursday"), "2022-01-06"),
    ]
    almaty = PlaceRef(
        start=text.index("Almaty"),
        end=text.index("Almaty") + 6,
        text="Almaty",
        name="Almaty",
        lat=43.25,
        lon=76.92,
        country="KZ",
        admin1="Almaty",
        precision="city",
    )
    taraz = PlaceRef(
        start=text.index("Taraz"),
        end=text.index("Taraz") + 5,
        text="Taraz",
        name="Taraz",
        lat=42.9,
        lon=71.37,
        country="KZ",
        admin1="Jambyl",
        precision="city",
    )
    doc.places = [almaty, taraz]
    extractor(doc)
    by_stmt = {e.evidence: e for e in doc.events if e.family == "acled"}
    first, second = by_stmt["witnessed"], by_stmt["relayed"]
    assert (first.date, first.location and first.location["name"]) == ("2022-01-05", "Almaty")
    assert (second.date, second.location and second.location["name"]) == ("2022-01-06", "Taraz")
    assert first.statement_id == doc.statements[0].id and first.time_id == doc.times[0].id
    assert second.place_id == taraz.id


def test_date_falls_back_to_an_earlier_day_in_the_same_testimony(extractor: EventExtractor) -> None:
    text = "On 5 January we were at home. Then police detained our neighbour on the stairs."
    doc = Document(text=text, id="doc-back", lang="en")
    cut = text.index("Then")
    doc.statements = [
        Statement(start=0, end=cut, testimony_id="t"),
        Statement(start=cut, end=len(text), testimony_id="t"),
    ]
    doc.times = [_timeref("5 January", 3, "2022-01-05")]
    extractor(doc)
    lead = lead_event(doc)
    assert lead is not None and lead.date == "2022-01-05"


def test_named_victims(extractor: EventExtractor) -> None:
    doc = run(
        extractor,
        "Clashes continued downtown. Arman Seitkali, 24, was shot dead by soldiers near the bank. "
        "His friend Dana Omarova was detained.",
    )
    got = {(v.name, v.fate) for v in doc.victims}
    assert ("Arman Seitkali", "killed") in got and ("Dana Omarova", "detained") in got
    arman = next(v for v in doc.victims if v.name == "Arman Seitkali")
    assert arman.perpetrator and "soldiers" in arman.perpetrator
    assert arman.circumstances and "bank" in arman.circumstances


def test_user_model_retypes_the_lead_event(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from khronika.train import train

    examples = Path(ev_mod.__file__).parent.parent / "data" / "events" / "examples.csv"
    monkeypatch.setenv("KHRONIKA_HOME", str(tmp_path))
    report = train([examples], tmp_path / "models")
    assert Path(report["model"]).is_file() and report["examples"] == 36
    ex = EventExtractor()
    assert ex.user_model is not None
    # no cue says which kind of protest this is; the user's model does
    doc = Document(
        text="Snipers fired at the unarmed crowd at the rally, killing several marchers.", id="u", lang="en"
    )
    ex(doc)
    lead = lead_event(doc)
    assert lead is not None and lead.subtype == "Excessive force against protesters"


def test_train_rejects_too_little_data(tmp_path: Path) -> None:
    from khronika.errors import InputError
    from khronika.train import train

    f = tmp_path / "few.jsonl"
    f.write_text('{"text": "a rally", "events": [{"subtype": "Peaceful protest"}]}\n', encoding="utf-8")
    with pytest.raises(InputError):
        train([f], tmp_path / "m")


def test_russian_disruptions_and_named_detainee(extractor: EventExtractor) -> None:
    doc = run(
        extractor,
        "Люди стояли в очередях за хлебом, банкоматы не работали. Соседа Ерлана Касымова задержали вечером.",
        lang="ru",
    )
    subs = {e.subtype for e in doc.events if e.family == "disruption"}
    assert {"Cash/ATM outage", "Food shortage or queues"} <= subs
    assert ("Ерлана Касымова", "detained") in {(v.name, v.fate) for v in doc.victims}


def test_evidence_level_lowers_salience(extractor: EventExtractor) -> None:
    text = "Soldiers opened fire on the crowd at the rally."
    sal = {}
    for level in ("witnessed", "belief"):
        doc = Document(text=text, id=f"doc-{level}", lang="en")
        doc.statements = [Statement(start=0, end=len(text), evidence=level, testimony_id="t")]
        extractor(doc)
        lead = lead_event(doc)
        assert lead is not None and lead.evidence == level
        sal[level] = lead.salience
    assert sal["witnessed"] > sal["belief"]


def _spoken(text: str, evidence: str = "witnessed") -> Document:
    from khronika.model import Testimony

    doc = Document(text=text, id="s", lang="en")
    doc.testimonies = [Testimony(start=0, end=len(text), speaker="Aigul Serikova")]
    doc.statements = [Statement(start=0, end=len(text), testimony_id="t", evidence=evidence)]
    return doc


def test_metaphor_in_testimony_is_no_disaster(extractor: EventExtractor) -> None:
    doc = _spoken(
        "The crowd grew and grew, and then a real storm broke loose: a tornado of looting in the shops."
    )
    extractor(doc)
    assert not [e for e in doc.events if e.type == "Not ACLED"]


def test_concrete_disaster_in_testimony_is_kept(extractor: EventExtractor) -> None:
    doc = _spoken(
        "The flood reached our street at night; two neighbours drowned and forty homes were flooded."
    )
    extractor(doc)
    assert "Natural disaster" in {e.subtype for e in doc.events}


def test_belief_gives_low_confidence_and_no_label_outside_acled(extractor: EventExtractor) -> None:
    doc = _spoken("I think the gangs agreed to a truce with the police and then robbed the bank.", "belief")
    extractor(doc)
    assert doc.events and all(e.confidence <= 0.3 for e in doc.events)
    assert not [e for e in doc.events if e.family == "other"]


def test_cue_index_matches_like_plain_regex() -> None:
    """The word-start index gives the same matches as one alternation run with re.finditer."""
    import re

    from khronika.extract.prefilter import CueIndex, first_keys, required

    pats = [
        "clash(?:ed|es)? with (?:\\w+ ){0,3}police",
        "clash(?:es)?",
        "(?:a |an )?gun ?battles?",
        "\\d+ fires",
        "(?:\\w+-led) forces",
        "riot(?:s|ing)?(?! police)",
        "tear ?gas",
        "a",
    ]
    text = (
        "Rioters clashed with the riot police; a gunbattle and tear gas followed. "
        "Clashes, riots and 12 fires; Russian-led forces arrived. Riot police stood by."
    )
    alt = "|".join(f"(?:{p})" for p in sorted(pats, key=len, reverse=True))
    plain = [m.span() for m in re.compile(rf"(?<!\w)(?:{alt})(?!\w)", re.I).finditer(text)]
    got = [m.span() for _n, m in CueIndex([("x", pats)]).finditer(text)]
    assert got == plain and len(plain) >= 7
    assert first_keys("(?:a |an )?gun ?battles?") == frozenset({"a", "an", "gun"})
    assert first_keys("\\d+ fires") is None
    assert frozenset({" fires"}) in required("\\d+ fires")


# -- killings of named victims, Russian tolls, message logs, destinations ---------------------------


def test_killing_of_a_named_young_man_is_an_attack_with_one_death(extractor: EventExtractor) -> None:
    doc = run(
        extractor, "Соседи рассказали, что вечером у моста застрелили студента Тимура Абишева.", lang="ru"
    )
    attacks = [e for e in doc.events if e.subtype == "Attack"]
    assert attacks and attacks[0].fatalities == 1
    assert "застрелили" in doc.text[attacks[0].start : attacks[0].end]


def test_russian_toll_with_the_number_after_the_verb_is_a_deadly_event(extractor: EventExtractor) -> None:
    doc = run(extractor, "Говорят, что возле вокзала погибли 7 человек.", lang="ru")
    lead = lead_event(doc)
    assert lead is not None and lead.type == "Violence against civilians" and lead.fatalities == 7


def test_a_later_message_keeps_its_own_toll(extractor: EventExtractor) -> None:
    text = (
        "10:00 — Ночью застрелили соседа, Ерлана Кузембаева.\n"
        "10:20 — Говорят, что у вокзала убили 11 человек."
    )
    doc = run(extractor, text, lang="ru")
    first = min((e for e in doc.events if e.subtype == "Attack"), key=lambda e: e.start)
    second = max((e for e in doc.events if e.subtype == "Attack"), key=lambda e: e.start)
    assert first.start < text.index("\n") < second.start
    assert (first.fatalities, second.fatalities) == (1, 11)


def _victim(doc: Document, name: str) -> Victim:
    at = doc.text.index(name)
    return Victim(start=at, end=at + len(name), name=name, count=1, fate="killed", confidence=0.6)


def test_a_named_victims_killing_without_an_event_becomes_one(extractor: EventExtractor) -> None:
    doc = Document(text="Вчера вечером Нурлана Абенова застрелили у моста.", id="doc-v", lang="ru")
    made = extractor._victim_events(doc, "ru", [_victim(doc, "Нурлана Абенова")], [])
    assert [(e.type, e.subtype, e.fatalities) for e in made] == [("Violence against civilians", "Attack", 1)]
    assert doc.text[made[0].start : made[0].end] == "Нурлана Абенова"


def test_a_named_victims_death_is_counted_by_the_event_of_the_paragraph(extractor: EventExtractor) -> None:
    text = "They carried in Bolat Zhanuzak. Somebody had shot him from a passing car."
    doc = Document(text=text, id="doc-w", lang="en")
    shot = Event(
        start=text.index("shot"),
        end=text.index("shot") + 4,
        type="Violence against civilians",
        subtype="Attack",
        fatalities=0,
    )
    made = extractor._victim_events(doc, "en", [_victim(doc, "Bolat Zhanuzak")], [shot])
    assert made == [] and shot.fatalities == 1


def test_a_death_without_a_killing_makes_no_attack(extractor: EventExtractor) -> None:
    doc = Document(text="Nurlan Abenov died in hospital on Friday.", id="doc-d", lang="en")
    assert extractor._victim_events(doc, "en", [_victim(doc, "Nurlan Abenov")], []) == []


def _lines_as_statements(doc: Document) -> None:
    cut = doc.text.index("\n") + 1
    doc.statements = [
        Statement(start=0, end=cut, testimony_id="t"),
        Statement(start=cut, end=len(doc.text), testimony_id="t"),
    ]


def _city(doc: Document, surface: str) -> list[PlaceRef]:
    at = doc.text.index(surface)
    return [
        PlaceRef(
            start=at,
            end=at + len(surface),
            text=surface,
            name="Karaganda",
            lat=49.8,
            lon=73.1,
            precision="city",
        )
    ]


def test_where_a_message_was_sent_is_not_where_things_happened(extractor: EventExtractor) -> None:
    text = "Письма, которые Айгуль отправила сестре в Караганду.\nГоворят, что у моста убили 3 человек."
    doc = Document(text=text, id="doc-dest", lang="ru")
    _lines_as_statements(doc)
    doc.places = _city(doc, "Караганду")
    extractor(doc)
    lead = lead_event(doc)
    assert lead is not None and lead.fatalities == 3 and lead.location is None
    # The same city named as where the writer is ("из дома в Караганде") stays the document's place.
    text2 = "Письма, которые Айгуль писала из дома в Караганде.\nГоворят, что у моста убили 3 человек."
    doc2 = Document(text=text2, id="doc-loc", lang="ru")
    _lines_as_statements(doc2)
    doc2.places = _city(doc2, "Караганде")
    extractor(doc2)
    lead2 = lead_event(doc2)
    assert lead2 is not None and lead2.location is not None and lead2.location["name"] == "Karaganda"


def test_date_opening_the_sentence_dates_an_event_in_the_next_statement(extractor: EventExtractor) -> None:
    # a segmenter may cut "On 6 May 2023," off as a statement of its own: the date still opens the
    # sentence that holds the trigger
    text = "On 6 May 2023, rioters set fire to a bus in the town, during a strike announced for 5-6 May."
    cut = text.index("rioters")
    doc = Document(text=text, id="doc-d", lang="en")
    doc.statements = [Statement(start=0, end=cut - 2), Statement(start=cut, end=len(text))]
    doc.times = [_timeref("6 May 2023", 3, "2023-05-06")]
    extractor(doc)
    lead = lead_event(doc)
    assert lead is not None and lead.type == "Riots" and lead.date == "2023-05-06"


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        # the negation speaks of another verb of the statement: the event stands
        ("Party members staged a protest rally in the town, demanding the party not nominate him.", True),
        ("Students vandalized the clinic for not treating a classmate at once.", True),
        # the negation governs the trigger's own clause: no event
        ("There were no protests in the town on Friday.", False),
        ("Police did not fire at the crowd.", False),
    ],
)
def test_a_negation_denies_only_the_event_of_its_clause(
    extractor: EventExtractor, text: str, kept: bool
) -> None:
    doc = Document(text=text, id="doc-n", lang="en")
    doc.statements = [Statement(start=0, end=len(text), negated=True)]
    extractor(doc)
    assert bool([e for e in doc.events if e.family == "acled"]) is kept
