"""The situation board: rules as pure functions, then texts through ingest -> store -> board on both engines.

Every text here was written for these tests. The seed check reads /work/shared/seeds at run time.
"""

from __future__ import annotations

import glob
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import new_doc
from rich.console import Console
from typer.testing import CliRunner

from khronika import vocab
from khronika.board import PlaceInfo, Scope, board_entries, in_scope, source_key
from khronika.ingest import IngestJob, run_jobs
from khronika.intake import RawSource
from khronika.model import Document, ServiceObservation, Statement
from khronika.model import Testimony as _Testimony
from khronika.pipeline import Pipeline, default_pipeline
from khronika.render import render_board
from khronika.store import Store

# -- rules on rows built in code ---------------------------------------------------------------------

EX = "khronika.test@1"
DAY = ("2022-01-06T18:00:00Z", "2022-01-07T18:00:00Z")  # 7 January, Almaty time


def _row(n: int, state: str, *, service: str = "electricity", place: str | None = "Almaty",
         doc: str = "d1", source: str | None = "chan", speaker: str | None = None,
         period: tuple[str | None, str | None] = DAY, evidence: str = "witnessed", conf: float = 0.8,
         qualifiers: dict[str, Any] | None = None, place_id: str | None = None,
         lat: float | None = None, lon: float | None = None) -> dict[str, Any]:
    return {"id": f"o{n}", "doc_id": doc, "doc_source": source, "speaker": speaker, "service": service,
            "state": state, "place": place, "place_id": place_id, "lat": lat, "lon": lon,
            "period_begin": period[0], "period_end": period[1], "time_text": None, "evidence": evidence,
            "confidence": conf, "start": n * 10, "end": n * 10 + 5, "snippet": f"report {n}",
            "qualifiers": qualifiers or {}}


def _one(rows: list[dict[str, Any]]) -> dict[str, Any]:
    (entry,) = board_entries(rows)
    return entry


def test_speakers_of_one_article_are_separate_sources() -> None:
    rows = [_row(1, "down", speaker="Asel"), _row(2, "down", speaker="Yerlan")]
    e = _one(rows)
    assert e["state"] == "down" and e["n_sources"] == 2


def test_one_channel_posting_twice_is_one_source() -> None:
    rows = [_row(1, "down", doc="d1", source="chan"), _row(2, "down", doc="d2", source="chan")]
    assert _one(rows)["n_sources"] == 1
    # without any provenance source each document stands for itself
    rows = [_row(1, "down", doc="d1", source=None), _row(2, "down", doc="d2", source=None)]
    assert _one(rows)["n_sources"] == 2
    assert source_key(rows[0]) != source_key(rows[1])


def test_one_named_witness_quoted_by_two_outlets_in_two_scripts_is_one_source() -> None:
    rows = [_row(1, "down", doc="d1", source="outlet-a", speaker="Yerlan Tulegenov"),
            _row(2, "down", doc="d2", source="outlet-b", speaker="Ерлан Тулегенов"),
            _row(3, "down", doc="d3", source="outlet-c", speaker="Yerlan Tulegenov")]
    e = _one(rows)
    assert e["n_sources"] == 1 and e["tally"] == {"down": 1}


def test_a_named_relayer_is_one_source_whoever_passes_it_on() -> None:
    rows = [_relayed(1, doc="d1", source="sms-dinara", speaker="Dinara", relayer="Saule Amanova"),
            _relayed(2, doc="d2", source="chan", speaker="Marat", relayer="Сауле Аманова")]
    assert _one(rows)["n_sources"] == 1
    # ... but Dinara's own report and her neighbour's, relayed by her, are two voices
    rows = [_row(1, "down", doc="d1", source="sms-dinara", speaker="Dinara"),
            _relayed(2, doc="d1", source="sms-dinara", speaker="Dinara", relayer="my neighbour")]
    assert _one(rows)["n_sources"] == 2
    # a relayer is only the source of a relayed statement
    rows = [_row(1, "down", speaker="Dinara") | {"relayer": "Saule Amanova"}]
    assert source_key(rows[0]) == source_key(_row(9, "down", doc="d9", source="x", speaker="Dinara"))


def test_two_witnesses_with_similar_names_stay_two_sources() -> None:
    rows = [_row(1, "down", doc="d1", source="outlet-a", speaker="Daulet Omarov"),
            _row(2, "down", doc="d2", source="outlet-b", speaker="Daulet Omarbekov")]
    assert _one(rows)["n_sources"] == 2


def test_unnamed_speakers_of_two_outlets_stay_two_sources() -> None:
    # "a nurse" in one article and "a nurse" in another are not known to be one person
    rows = [_row(1, "down", doc="d1", source="outlet-a", speaker="a nurse"),
            _row(2, "down", doc="d2", source="outlet-b", speaker="a nurse")]
    assert _one(rows)["n_sources"] == 2


def test_a_forwarded_copy_is_its_author_again() -> None:
    """The same bytes through two channels: one source; another text from another channel: another."""
    a = _row(1, "down", doc="d1", source="chan-a") | {"doc_sha256": "aa"}
    fwd = _row(2, "down", doc="d2", source="sender-b") | {"doc_sha256": "aa"}
    other = _row(3, "down", doc="d3", source="sender-c") | {"doc_sha256": "cc"}
    e = _one([a, fwd, other])
    assert e["n_sources"] == 2 and sorted(e["sources"]) == ["chan-a|", "sender-c|"]
    assert {h["source"] for h in e["history"][:2]} == {"chan-a|"}
    # the same channel posting a second, different text is still that channel
    again = _row(4, "down", doc="d4", source="sender-b") | {"doc_sha256": "dd"}
    assert _one([a, fwd, again])["n_sources"] == 1


def _relayed(n: int, *, doc: str, source: str, speaker: str, relayer: str) -> dict[str, Any]:
    return _row(n, "down", doc=doc, source=source, speaker=speaker, evidence="relayed") | {"relayer": relayer}


def test_conflicts_stay_side_by_side() -> None:
    rows = [_row(1, "down", speaker="A"), _row(2, "down", speaker="B"), _row(3, "working", speaker="C")]
    e = _one(rows)
    assert e["state"] == "down" and e["n_sources"] == 2
    assert e["tally"] == {"down": 2, "working": 1}
    assert [(c["state"], c["speaker"]) for c in e["conflicts"]] == [("working", "C")]


def test_a_source_last_word_about_the_period_counts() -> None:
    # one speaker: the light went off, then came back the same day (text order is telling order)
    rows = [_row(1, "down", speaker="A"), _row(2, "restored", speaker="A")]
    e = _one(rows)
    assert e["state"] == "restored" and e["conflicts"] == []
    assert [h["state"] for h in e["history"]] == ["down", "restored"]


def test_an_untimed_report_keeps_its_place_in_the_story() -> None:
    # "Only a VPN worked. At about 17.00 it was cut. It came back at midnight." The two clock times
    # are day-less ranges reaching back before the publication day; the untimed report defaults to
    # the publication day, yet it was told first and must not become the latest word.
    several_days = ("2022-01-04T18:00:00Z", "2022-01-07T18:00:00Z")
    rows = [_row(1, "degraded", speaker="A", service="home_internet"),
            _row(2, "down", speaker="A", service="home_internet", period=several_days),
            _row(3, "restored", speaker="A", service="home_internet", period=several_days)]
    rows[1]["time_text"], rows[2]["time_text"] = "about 17.00", "midnight"
    e = _one(rows)
    assert [h["state"] for h in e["history"]] == ["degraded", "down", "restored"]
    assert e["state"] == "restored"


def test_restored_agrees_with_working() -> None:
    rows = [_row(1, "restored", speaker="A"), _row(2, "working", speaker="B"), _row(3, "down", speaker="C")]
    e = _one(rows)
    assert e["state"] in ("restored", "working") and e["n_sources"] == 2
    assert [c["state"] for c in e["conflicts"]] == ["down"]


def test_earlier_periods_are_history_not_conflicts() -> None:
    day5 = ("2022-01-04T18:00:00Z", "2022-01-05T18:00:00Z")
    rows = [_row(1, "down", speaker="A", period=day5), _row(2, "working", speaker="B")]
    e = _one(rows)
    assert e["state"] == "working" and e["conflicts"] == [] and e["since"] == DAY[0]
    assert [h["state"] for h in e["history"]] == ["down", "working"]


def test_qualifiers_of_agreeing_reports_merge_without_extraction_notes() -> None:
    lim = {"amount": 20000, "currency": "KZT", "what": "withdrawal"}
    rows = [_row(1, "degraded", service="atm_cash", speaker="A", qualifiers={"queue": True}),
            _row(2, "degraded", service="atm_cash", speaker="B",
                 qualifiers={"limit": lim, "place_inferred": True, "generic_mention": True})]
    q = _one(rows)["qualifiers"]
    assert q == {"queue": True, "limit": lim}


ALMATY = PlaceInfo(id="gn:almaty", name="Almaty", lat=43.25, lon=76.91, precision="city", country="KZ",
                   population=2_000_000)
PLACES = {
    "p:bazaar": PlaceInfo(id="p:bazaar", name="Green Bazaar", lat=43.26, lon=76.95, precision="point",
                          country="KZ"),
    "p:town": PlaceInfo(id="p:town", name="Boralday", lat=43.36, lon=76.85, precision="city", country="KZ"),
    "p:far": PlaceInfo(id="p:far", name="Far Mall", lat=44.0, lon=78.5, precision="point", country="KZ"),
}


def _info(pid: str | None, _name: str | None) -> PlaceInfo | None:
    return PLACES.get(pid or "")


def test_roll_up_takes_points_inside_the_city_only() -> None:
    scope = Scope("almaty", ALMATY)
    assert in_scope(_row(1, "down", place="Almaty"), scope, _info)
    assert in_scope(_row(2, "down", place="Green Bazaar", place_id="p:bazaar"), scope, _info)
    # another town nearby is not part of the city; a point 150 km away is not inside it
    assert not in_scope(_row(3, "down", place="Boralday", place_id="p:town"), scope, _info)
    assert not in_scope(_row(4, "down", place="Far Mall", place_id="p:far"), scope, _info)
    assert not in_scope(_row(5, "down", place=None), scope, _info)


def test_place_board_lists_every_service_unknown_where_nobody_reported() -> None:
    rows = [_row(1, "down", service="water"),
            _row(2, "working", service="water", place="Green Bazaar", place_id="p:bazaar"),
            _row(3, "down", service="airport", place="Far Mall", place_id="p:far")]
    out = board_entries(rows, scope=Scope("Almaty", ALMATY), info=_info,
                        services=["water", "airport", "banks"])
    got = [(e["service"], e["place"], e["state"]) for e in out]
    assert got == [("airport", "Almaty", "unknown"), ("banks", "Almaty", "unknown"),
                   ("water", "Almaty", "down"), ("water", "Green Bazaar", "working")]
    unknown = out[0]
    assert unknown["n_sources"] == 0 and unknown["history"] == [] and unknown["place_id"] == "gn:almaty"


# -- texts through ingest -> store -> board -------------------------------------------------------------

EN_1 = """Notes from Almaty residents

Aliya Nurova, teacher:

On January 5 at 10:00 the mobile internet was cut off. Card terminals do not accept cards anywhere, \
so we pay only in cash. The electricity works.

Bolat Serikov, taxi driver:

Near the Green Bazaar the ATMs are empty. Card payments are not accepted in any shop either.
"""

EN_2 = """Bolat Serikov, taxi driver:

On January 7 at 09:00 the mobile internet came back in Almaty. On the morning of January 7 the \
electricity was cut off in Almaty.
"""

RU_1 = """Дана Ахметова, медсестра:

Утром 7 января в Алматы электричество работало, свет был. Аптеки открыты. Мобильный интернет снова работает.
"""


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return default_pipeline()


def _ingest(store: Store, pipeline: Pipeline, tmp: Path, docs: list[tuple[str, str, str, str]]) -> None:
    jobs = []
    for name, text, published, source in docs:
        path = tmp / name
        path.write_text(text, encoding="utf-8")
        jobs.append(IngestJob(RawSource(str(path), None), published=published, provenance={"source": source}))
    summary = run_jobs(jobs, store, pipeline=pipeline, console=Console(stderr=True, quiet=True))
    assert summary.failed == 0 and summary.stored == len(docs)


@pytest.fixture
def city(store: Store, pipeline: Pipeline, tmp_path: Path) -> Iterator[Store]:
    _ingest(store, pipeline, tmp_path, [("en1.txt", EN_1, "2022-01-06", "chat-1"),
                                        ("en2.txt", EN_2, "2022-01-07", "chat-2"),
                                        ("ru1.txt", RU_1, "2022-01-07", "chat-3")])
    yield store


def _by(board: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["service"], e["place"]): e for e in board}


def _relay_doc(text: str, source: str, speaker: str, relayer: str | None, lang: str = "en") -> Document:
    """One testimony, one statement (relayed when a relayer is given), one "mobile internet down"."""
    doc = new_doc(text, source=source, lang=lang, published="2022-01-06")
    t = _Testimony(start=0, end=len(text), extractor=EX, speaker=speaker)
    t.assign_id(doc.id)
    st = Statement(start=0, end=len(text), extractor=EX, testimony_id=t.id,
                   evidence="relayed" if relayer else "witnessed", relayer=relayer)
    st.assign_id(doc.id)
    ob = ServiceObservation(start=0, end=len(text), extractor=EX, statement_id=st.id,
                            service="mobile_internet", state="down")
    doc.testimonies.append(t)
    doc.statements.append(st)
    doc.services.append(ob)
    doc.assign_ids()
    return doc


def test_store_board_counts_a_relayed_witness_once_across_documents(store: Store) -> None:
    docs = [
        _relay_doc("Saule Amanova told me the mobile internet is down.", "sms-dinara", "Dinara",
                   "Saule Amanova"),
        _relay_doc("Сауле Аманова сказала, что мобильный интернет не работает.", "Вестник", "Марат",
                   "Сауле Аманова", lang="ru"),
        _relay_doc("The mobile internet is down here.", "chat-7", "Aigerim Sarsenova", None),
    ]
    for d in docs:
        store.save(d)
    [entry] = [e for e in store.board() if e["service"] == "mobile_internet"]
    assert entry["state"] == "down" and entry["n_sources"] == 2  # Saule (via two people) and Aigerim
    assert len(entry["history"]) == 3  # every report is kept; only the count merges


def test_store_board_counts_a_forwarded_message_once(store: Store) -> None:
    text = "The mobile internet is down in our block."
    for source in ("chat-1", "sms-forward"):
        doc = _relay_doc(text, source, "", None)  # the author narrates; the same bytes, two channels
        doc.testimonies[0].speaker = None
        store.save(doc)
    store.save(_relay_doc("No mobile internet here either.", "chat-2", "", None))
    [entry] = [e for e in store.board() if e["service"] == "mobile_internet"]
    assert len({h["doc_id"] for h in entry["history"]}) == 3 and entry["n_sources"] == 2


def test_city_board_history_sources_and_unknown(city: Store) -> None:
    board = _by(city.board(place="Almaty"))
    net = board[("mobile_internet", "Almaty")]
    # cut on the 5th (Aliya, whose statement names no place: the document's city), back on the 7th
    # by two other sources (Bolat in English, Dana in Russian)
    assert net["state"] == "restored" and net["n_sources"] == 2
    assert [h["state"] for h in net["history"]] == ["down", "restored", "restored"]
    assert net["history"][0]["speaker"] == "Aliya Nurova"
    # two speakers of one document are two sources
    cards = board[("card_payments", "Almaty")]
    assert cards["state"] == "down" and cards["n_sources"] == 2
    assert board[("pharmacies", "Almaty")]["state"] == "working"
    # every service of the vocabulary is on the board of a place
    assert {s for s, _ in board} == set(vocab.ids("services"))
    assert board[("airport", "Almaty")]["state"] == "unknown"
    assert board[("sms", "Almaty")]["n_sources"] == 0


def test_conflicting_reports_are_both_shown(city: Store) -> None:
    light = _by(city.board(place="Almaty"))[("electricity", "Almaty")]
    # on the morning of the 7th Bolat says it was cut, Dana says it worked: one each, neither hidden
    assert light["tally"] == {"down": 1, "working": 1}
    assert {light["state"], *(c["state"] for c in light["conflicts"])} == {"down", "working"}
    assert len(light["conflicts"]) == 1
    # Aliya's "works" on the 6th is history, not a conflict
    assert light["history"][0]["state"] == "working"


def test_points_inside_the_city_roll_up(city: Store) -> None:
    board = _by(city.board(place="Almaty"))
    atm = board[("atm_cash", "Green Bazaar")]
    assert atm["state"] == "down"
    assert ("atm_cash", "Almaty") not in board  # the bazaar's ATMs are the bazaar's, shown within the city
    # the bazaar's own board does not take the whole city
    # the city asked for by its Russian name is the same board
    ru = _by(city.board(place="Алматы"))
    assert ru[("atm_cash", "Green Bazaar")]["state"] == "down"
    assert ru[("mobile_internet", "Almaty")]["state"] == "restored"
    bazaar = _by(city.board(place="Green Bazaar"))
    assert bazaar[("atm_cash", "Green Bazaar")]["state"] == "down"
    assert bazaar[("card_payments", "Green Bazaar")]["state"] == "unknown"


def test_board_as_of_a_time(city: Store) -> None:
    early = _by(city.board(place="Almaty", at="2022-01-06T12:00"))
    assert early[("mobile_internet", "Almaty")]["state"] == "down"
    assert early[("electricity", "Almaty")]["state"] == "working"
    assert early[("electricity", "Almaty")]["conflicts"] == []
    assert early[("pharmacies", "Almaty")]["state"] == "unknown"  # the Russian report came on the 7th
    later = _by(city.board(place="Almaty", at="2022-01-07"))
    assert later[("mobile_internet", "Almaty")]["state"] == "restored"


def test_cli_board_text_and_json(city: Store) -> None:
    from khronika.cli import app

    runner = CliRunner()
    res = runner.invoke(app, ["board", "--place", "Almaty", "--json", "--db", city.url])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    assert any(r["service"] == "mobile_internet" and r["state"] == "restored" for r in rows)
    res = runner.invoke(app, ["board", "--place", "Almaty", "--at", "2022-01-06T12:00", "--db", city.url])
    assert res.exit_code == 0, res.output
    assert "Green Bazaar" in res.output and "unknown (nobody reported)" in res.output
    line = next(x for x in res.output.splitlines() if x.strip().startswith("mobile_internet"))
    assert "down" in line


def test_render_shows_history_and_conflicts(city: Store) -> None:
    console = Console(record=True, width=200)
    render_board(city.board(place="Almaty"), console)
    out = console.export_text()
    assert "conflict:" in out and "history:" in out and "Дана Ахметова" in out


# -- the seed ---------------------------------------------------------------------------------------------

SEEDS = sorted(glob.glob("/work/shared/seeds/*.txt"))


@pytest.mark.skipif(not SEEDS, reason="seed testimony (/work/shared/seeds) not present")
def test_seed_board_for_almaty(store: Store, pipeline: Pipeline, tmp_path: Path) -> None:
    docs = [(Path(p).name, Path(p).read_text(encoding="utf-8"), "2022-01-08", "seed") for p in SEEDS]
    _ingest(store, pipeline, tmp_path, docs)
    board = store.board(place="Almaty")

    def states(service: str) -> set[str]:
        return {e["state"] for e in board if e["service"] == service}

    def entry(service: str, state: str) -> dict[str, Any]:
        return next(e for e in board if e["service"] == service and e["state"] == state)

    assert "down" in states("card_payments")
    assert entry("atm_cash", "degraded")["qualifiers"]["limit"]["what"] == "withdrawal"
    assert "down" in states("mobile_internet")
    # home internet: cut in the evening, back at midnight; in the morning only through a VPN
    home = entry("home_internet", "restored")
    hist = [h["state"] for h in home["history"]]
    assert "down" in hist and hist.index("down") < len(hist) - 1 and hist[-1] == "restored"
    assert any(h["qualifiers"].get("workaround") == "vpn" for h in home["history"])
    assert entry("voice_calls", "degraded")["qualifiers"]["scope"] == "one_operator"
    for utility in ("electricity", "water", "gas_heating"):
        assert states(utility) == {"working"}, utility
    assert "degraded" in states("food_shops")
    assert entry("bread", "degraded")["qualifiers"].get("queue") is True
    assert entry("fuel_stations", "degraded")["qualifiers"].get("queue") is True
