"""The chronicle shows incidents, not raw events (Store.chronicle, render_chronicle, `khronika chronicle`).

Texts are written for these tests; the stores are real SQLite and PostgreSQL (the `store` fixture).
"""

from __future__ import annotations

import json

import pytest
from rich.console import Console
from test_link import ABAI, BAZAAR, VAC, Ev, _seitkali_docs, report
from typer.testing import CliRunner

from khronika.link import Linker, load_config
from khronika.model import Document
from khronika.render import render_chronicle
from khronika.store import Store


@pytest.fixture(scope="module")
def linker() -> Linker:
    return Linker(load_config(), text=False)


def _lone() -> Document:
    # Same day as the Russian report, another place and type: linked to nothing.
    return report(
        "On 7 January the Green Bazaar was looted.",
        [
            Ev(
                "was looted",
                "Looting/property destruction",
                "Strategic developments",
                date="2022-01-07",
                place=BAZAAR,
                speaker="Aidos Serikov",
            )
        ],
        source="Bazaar (test)",
    )


def _later_shot() -> Document:
    # A shooting on Abai Avenue two days later, no name: on its own, an incident of one event.
    return report(
        "On 9 January a man was shot on Abai Avenue.",
        [Ev("was shot", "Attack", VAC, date="2022-01-09", place=ABAI)],
        source="C (test)",
    )


def _fill(store: Store, linker: Linker) -> tuple[Document, Document, Document, Document]:
    en, ru = _seitkali_docs()
    lone, later = _lone(), _later_shot()
    for d in (en, ru, lone, later):
        store.save(d)
        linker.link_document(d, store)
    return en, ru, lone, later


def test_linked_events_are_one_row_and_the_others_stay_events(store: Store, linker: Linker) -> None:
    en, ru, lone, later = _fill(store, linker)
    raw = store.chronicle(incidents=False)
    assert len(raw) == 4 and all(r["incident_id"] for r in raw)  # every event is in some incident
    rows = store.chronicle()
    assert [r["kind"] for r in rows] == ["incident", "event", "event"]
    inc = rows[0]
    [stored] = store.incidents(min_members=2)
    assert inc["incident_id"] == stored["id"] and inc["incident_version"] == stored["version"]
    assert inc["n_members"] == 2 and inc["n_sources"] == 2 and inc["n_documents"] == 2
    assert {m["doc_id"] for m in inc["members"]} == {en.id, ru.id}
    # listed on the first day a source gives, shown with the best evidence of its reports
    assert inc["date"] == "2022-01-06" and (inc["first_day"], inc["last_day"]) == ("2022-01-06", "2022-01-07")
    assert inc["evidence"] == "witnessed" and inc["doc_id"] == en.id
    assert [c["field"] for c in inc["contradictions"]] == ["date"]
    labels = {m["doc_id"]: m["source_label"] for m in inc["members"]}
    assert labels[en.id] == "Gulmira Sadykova" and "Соседка" in labels[ru.id]
    # unlinked events keep their own rows, as the raw chronicle has them
    by_doc = {r["doc_id"]: r for r in raw}
    assert rows[1] == {**by_doc[lone.id], "kind": "event"}
    assert rows[2] == {**by_doc[later.id], "kind": "event"}


def test_a_date_filter_keeps_the_incident_whole(store: Store, linker: Linker) -> None:
    en, ru, _, _ = _fill(store, linker)
    rows = store.chronicle(since="2022-01-07", until="2022-01-07")
    incs = [r for r in rows if r["kind"] == "incident"]
    # only the Russian report is dated in range, but the row is the incident, with both members
    assert len(incs) == 1 and incs[0]["date"] == "2022-01-07" and incs[0]["n_members"] == 2
    assert {m["doc_id"] for m in incs[0]["members"]} == {en.id, ru.id}
    assert [r["kind"] for r in store.chronicle(since="2022-01-09")] == ["event"]


def test_without_linking_the_chronicle_is_the_events(store: Store) -> None:
    en, ru = _seitkali_docs()
    for d in (en, ru):
        store.save(d)  # saved, never linked
    rows = store.chronicle()
    assert [r["kind"] for r in rows] == ["event", "event"]
    assert [r["incident_id"] for r in rows] == [None, None]


def test_render_shows_one_line_per_incident(store: Store, linker: Linker) -> None:
    _fill(store, linker)
    console = Console(record=True, width=220)
    render_chronicle(store.chronicle(), console)
    out = console.export_text()
    lines = [x for x in out.splitlines() if x.startswith("  ")]
    assert len(lines) == 3
    inc = next(x for x in lines if "◆" in x)
    assert "2 reports" in inc and "2 independent sources" in inc and "best witnessed" in inc
    assert "sources disagree on date" in inc and "2022-01-06..2022-01-07" in inc
    assert sum("Aidos Serikov" in x for x in lines) == 1


def test_render_keeps_hostile_text_as_text(store: Store) -> None:
    doc = report(
        "On 5 January [bold red]someone[/] marched on Abai Avenue.",
        [
            Ev(
                "marched", "Peaceful protest", "Protests", date="2022-01-05", place=ABAI,
                speaker="[link]x[/link]",
            )
        ],
        source="H (test)",
    )
    store.save(doc)
    console = Console(record=True, width=220)
    render_chronicle(store.chronicle(), console)
    assert "[link]x[/link]" in console.export_text()


def test_cli_chronicle_json_and_events(store_url: str, linker: Linker) -> None:
    from khronika.cli import app

    with Store(store_url) as s:
        en, ru, _, _ = _fill(s, linker)
    runner = CliRunner()
    res = runner.invoke(app, ["chronicle", "--json", "--db", store_url])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    [inc] = [r for r in rows if r["kind"] == "incident"]
    assert inc["incident_id"].startswith("inc-") and {m["doc_id"] for m in inc["members"]} == {en.id, ru.id}
    res = runner.invoke(app, ["chronicle", "--json", "--events", "--db", store_url])
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.output)) == 4
    res = runner.invoke(app, ["chronicle", "--db", store_url])
    assert res.exit_code == 0 and "independent sources" in res.output
