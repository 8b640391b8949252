"""Store on real SQLite and real PostgreSQL: round trip, idempotence, reprocess, rollback, views, search."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, TypedDict

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from khronika.errors import StoreError
from khronika.interfaces import SeenIndex
from khronika.model import LAYERS, Actor, Document, Entity, Event, PlaceRef, ServiceObservation, TimeRef
from khronika.store import Store, resolve_url
from khronika.store.schema import metadata

TABLES = ("documents", "runs", "items", "events", "observations", "audit")


def counts(raw_sql: Callable[..., Any]) -> dict[str, int]:
    return {t: raw_sql(f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}


class Span(TypedDict):
    start: int
    end: int


def at(text: str, phrase: str) -> Span:
    start = text.index(phrase)
    return {"start": start, "end": start + len(phrase)}


# -- round trip --------------------------------------------------------------------------------------


def test_round_trip_every_layer(store: Store, full_doc: Callable[..., Document]) -> None:
    doc = full_doc()
    assert all(getattr(doc, layer) for layer in LAYERS), "the test document must fill every layer"
    res = store.save(doc)
    assert res.created and res.doc_id == doc.id and res.superseded is None
    assert all(it.id for it in doc.items())

    loaded = store.load_document(doc.id)
    assert loaded.to_json() == doc.to_json()
    assert loaded.raw == doc.text.encode("utf-8") == store.raw_bytes(doc.id)
    for layer, cls in LAYERS.items():
        assert [type(it) for it in getattr(loaded, layer)] == [cls] * len(getattr(doc, layer))
    assert loaded.events[0].actors == [Actor(name="Military Forces of Kazakhstan", inter=1),
                                       Actor(name="Civilians (Kazakhstan)", inter=7)]
    assert loaded.pipeline == doc.pipeline


def test_document_without_items(store: Store, make_doc: Callable[..., Document]) -> None:
    """A language we do not extract from: stored with its text and no items."""
    doc = make_doc("Bu mätin tek saqtalady.", source="kk", lang="kk", published=None)
    doc.pipeline = []
    assert store.save(doc).created
    loaded = store.load_document(doc.id)
    assert loaded.to_json() == doc.to_json() and loaded.items() == []
    assert store.audit_verify().ok


def test_seen_index_and_summaries(store: Store, full_doc: Callable[..., Document],
                                  make_doc: Callable[..., Document]) -> None:
    assert isinstance(store, SeenIndex)
    doc = full_doc()
    other = make_doc("A plain note with nothing in it.", source="other", title=None)
    assert not store.has_document(doc.id)
    store.save(doc)
    store.save(other)
    assert store.has_document(doc.id) and store.has_document(other.id)
    assert store.document_ids() == [doc.id, other.id]
    summary = {d["id"]: d for d in store.documents()}
    assert summary[doc.id] == {"id": doc.id, "title": "A nurse's account", "lang": "en",
                               "published": "2022-01-08", "source": "test", "channel": "file", "n_events": 2}
    assert summary[other.id]["n_events"] == 0
    assert len(store.documents(limit=1)) == 1
    with pytest.raises(StoreError):
        store.load_document("no-such-id")
    with pytest.raises(StoreError):
        store.raw_bytes("no-such-id")


def test_save_is_idempotent(store: Store, full_doc: Callable[..., Document],
                            raw_sql: Callable[..., Any]) -> None:
    first = store.save(full_doc())
    before = counts(raw_sql)
    again = store.save(full_doc())
    assert again.created is False and again.superseded is None
    assert again.run_id == first.run_id
    assert counts(raw_sql) == before


def test_reopen_keeps_data(store_url: str, full_doc: Callable[..., Document]) -> None:
    with Store(store_url) as s:
        doc_id = s.save(full_doc()).doc_id
    with Store(store_url) as s:  # migrations already at head: a no-op
        assert s.has_document(doc_id)
        assert s.audit_verify().ok


# -- reprocess ---------------------------------------------------------------------------------------


def test_reprocess_supersedes_and_keeps_old_rows(store: Store, full_doc: Callable[..., Document],
                                                 raw_sql: Callable[..., Any]) -> None:
    first = store.save(full_doc())
    n_items_first = sum(len(getattr(full_doc(), layer)) for layer in LAYERS)

    doc = full_doc()
    doc.events = doc.events[:1]  # the new pipeline drops the belief event...
    doc.events[0].confidence = 0.99  # ...and is surer of the shooting
    doc.pipeline = ["khronika.segment@1", "khronika.events@2"]
    second = store.save(doc, reprocess=True)

    assert second.created is False
    assert second.superseded == first.run_id and second.run_id != first.run_id
    runs = {r["id"]: r for r in store.runs(doc.id)}
    assert runs[first.run_id]["superseded_by"] == second.run_id
    assert runs[second.run_id]["superseded_by"] is None
    # the old run's rows are all still there, untouched
    old_items = raw_sql("SELECT count(*) FROM items WHERE run_id = :r", r=first.run_id)[0][0]
    assert old_items == n_items_first
    old_conf = raw_sql("SELECT confidence FROM events WHERE run_id = :r ORDER BY start", r=first.run_id)
    assert [row[0] for row in old_conf] == [0.75, 0.4]
    # readers see the current run only
    loaded = store.load_document(doc.id)
    assert [e.confidence for e in loaded.events] == [0.99]
    assert loaded.pipeline == ["khronika.segment@1", "khronika.events@2"]
    assert [r["event_id"] for r in store.chronicle()] == [doc.events[0].id]
    assert store.documents()[0]["n_events"] == 1
    assert raw_sql("SELECT count(*) FROM documents")[0][0] == 1
    # a third run supersedes the second, not the first
    third = store.save(full_doc(), reprocess=True)
    assert third.superseded == second.run_id
    assert store.audit_verify().ok


def test_reprocess_refuses_changed_text(store: Store, make_doc: Callable[..., Document]) -> None:
    doc = make_doc("Original words.", source="s")
    store.save(doc)
    changed = make_doc("Original words.", source="s")
    changed.text = "Different words."
    with pytest.raises(StoreError, match="text differs"):
        store.save(changed, reprocess=True)


def test_sha256_must_match_raw(store: Store, make_doc: Callable[..., Document]) -> None:
    doc = make_doc("Some words.")
    doc.sha256 = "0" * 64
    with pytest.raises(StoreError, match="sha256"):
        store.save(doc)


# -- rollback ----------------------------------------------------------------------------------------


def _duplicate_entity(doc: Document) -> None:
    doc.entities.append(Entity(start=doc.entities[0].start, end=doc.entities[0].end, label="PER",
                               text="Aigerim", extractor="khronika.test@1"))  # same id as entities[0]


def _nan_confidence(doc: Document) -> None:
    doc.entities[-1].confidence = math.nan


@pytest.mark.parametrize("break_it", [_duplicate_entity, _nan_confidence], ids=["duplicate-id", "nan"])
def test_failure_leaves_nothing(store: Store, full_doc: Callable[..., Document], raw_sql: Callable[..., Any],
                                break_it: Callable[[Document], None]) -> None:
    doc = full_doc()
    break_it(doc)
    with pytest.raises(StoreError):
        store.save(doc)
    assert counts(raw_sql) == dict.fromkeys(TABLES, 0)
    assert not store.has_document(doc.id)
    assert store.search("soldiers") == []
    # the store is still usable and the chain starts at 1
    good = store.save(full_doc())
    assert good.created
    assert [e["seq"] for e in store.audit_entries()] == [1]


def test_failed_reprocess_keeps_previous_run(store: Store, full_doc: Callable[..., Document]) -> None:
    first = store.save(full_doc())
    doc = full_doc()
    _duplicate_entity(doc)
    with pytest.raises(StoreError):
        store.save(doc, reprocess=True)
    assert [r["id"] for r in store.runs(doc.id)] == [first.run_id]
    assert store.runs(doc.id)[0]["superseded_by"] is None
    assert store.audit_verify().ok


# -- search ------------------------------------------------------------------------------------------


def test_search_finds_words(store: Store, full_doc: Callable[..., Document],
                            make_doc: Callable[..., Document]) -> None:
    nurse = full_doc()
    store.save(nurse)
    baker = make_doc("The baker closed his shop early because of the crowds.", source="baker", title="Bakery")
    store.save(baker)
    ru = make_doc("Вечером в нашем районе отключили электричество.", source="ru", lang="ru")
    store.save(ru)

    assert [r["doc_id"] for r in store.search("insulin")] == [nurse.id]
    assert [r["doc_id"] for r in store.search("baker shop")] == [baker.id]
    assert store.search("insulin baker") == []  # all words must occur
    assert [r["doc_id"] for r in store.search("soldier")] == [nurse.id]  # stemmed: "soldiers"
    assert [r["doc_id"] for r in store.search("электричество")] == [ru.id]
    hit = store.search("insulin")[0]
    assert "[insulin]" in hit["snippet"] and hit["title"] == "A nurse's account"
    assert hit["id"] == hit["doc_id"]
    assert store.search('"; DROP TABLE documents; --') == []
    assert store.search("   ") == []


# -- chronicle ---------------------------------------------------------------------------------------


def _doc_with_events(make_doc: Callable[..., Document], text: str, source: str,
                     events: list[tuple[str, str | None]]) -> Document:
    doc = make_doc(text, source=source)
    doc.events = [Event(**at(text, phrase), extractor="khronika.test@1", type="Protests",
                        subtype="Peaceful protest", date=day) for phrase, day in events]
    return doc


def test_chronicle_order_and_filters(store: Store, make_doc: Callable[..., Document]) -> None:
    a = _doc_with_events(make_doc, "Crowds gathered at noon; later a bank was looted.", "a",
                         [("looted", "2022-01-06"), ("gathered", "2022-01-04")])
    b = _doc_with_events(make_doc, "Police fired gas. Someone burned a car. People marched.", "b",
                         [("burned", None), ("fired", "2022-01-05"), ("marched", "2022-01-04")])
    for d in (a, b):
        store.save(d)
    # expected: by date (undated last), then document id, then offset
    rows: list[tuple[str | None, str, int, str]] = [
        (e.date, d.id, e.start, d.text[e.start:e.end]) for d in (a, b) for e in d.events]
    expected = sorted(rows, key=lambda r: (r[0] is None, r[0] or "", r[1], r[2]))
    got = store.chronicle()
    # without statements, the text of a row is its trigger
    assert [(r["date"], r["doc_id"], r["start"], r["text"]) for r in got] == expected
    assert got[-1]["date"] is None
    assert [r["date"] for r in store.chronicle(since="2022-01-05")] == ["2022-01-05", "2022-01-06"]
    assert [r["date"] for r in store.chronicle(until="2022-01-04")] == ["2022-01-04", "2022-01-04"]
    one_day = store.chronicle(since="2022-01-05T00:00", until="2022-01-05")
    assert [r["date"] for r in one_day] == ["2022-01-05"]


def test_chronicle_row_fields(store: Store, full_doc: Callable[..., Document]) -> None:
    doc = full_doc()
    store.save(doc)
    first = store.chronicle()[0]
    assert first["date"] == "2022-01-05"
    assert (first["type"], first["subtype"]) == ("Violence against civilians", "Attack")
    assert first["family"] == "acled"
    assert (first["place"], first["lat"], first["lon"]) == ("Republic Square", 43.2383, 76.9453)
    assert first["time"] == "January 5 at noon"
    assert first["speaker"] == "Aigerim" and first["evidence"] == "witnessed" and first["fatalities"] == 2
    assert first["text"] == "On January 5 at noon I saw soldiers shooting at people near Republic Square."
    assert first["event_id"] == doc.events[0].id and first["doc_id"] == doc.id


# -- board -------------------------------------------------------------------------------------------


def _obs_doc(make_doc: Callable[..., Document], text: str, source: str, *, service: str, state: str,
             begin: str | None, until: str | None = None, published: str = "2022-01-06",
             place: str | None = None) -> Document:
    doc = make_doc(text, source=source, published=published)
    ob = ServiceObservation(**at(text, text.split()[1]), extractor="khronika.test@1", confidence=0.8,
                            evidence="witnessed", service=service, state=state)
    if begin:
        tr = TimeRef(start=0, end=len(text), text=text, begin=begin, until=until, resolved=True)
        tr.assign_id(doc.id)
        doc.times = [tr]
        ob.time_id = tr.id
    if place:
        pr = PlaceRef(**at(text, place), text=place, name=place, lat=43.2, lon=76.8)
        pr.assign_id(doc.id)
        doc.places = [pr]
        ob.place_id = pr.id
    doc.services = [ob]
    return doc


def test_board_latest_state_and_conflicts(store: Store, make_doc: Callable[..., Document]) -> None:
    docs = {
        "a": _obs_doc(make_doc, "The internet went down at ten.", "a", service="internet", state="down",
                      begin="2022-01-05T04:00:00Z", until="2022-01-05T05:00:00Z", published="2022-01-05"),
        "b": _obs_doc(make_doc, "By morning internet access was back.", "b", service="internet",
                      state="restored", begin="2022-01-06T02:00:00Z", until="2022-01-06T06:00:00Z"),
        "c": _obs_doc(make_doc, "At nine internet was still dead.", "c", service="internet", state="down",
                      begin="2022-01-06T03:00:00Z", until="2022-01-06T04:00:00Z"),
        "e": _obs_doc(make_doc, "At 9:30 internet did not work.", "e", service="internet", state="down",
                      begin="2022-01-06T03:30:00Z"),
        "d": _obs_doc(make_doc, "The lights were on in Auezov District.", "d", service="electricity",
                      state="working", begin=None, place="Auezov District"),
    }
    for d in docs.values():
        store.save(d)

    board = {(r["service"], r["place"]): r for r in store.board()}
    assert set(board) == {("internet", None), ("electricity", "Auezov District")}
    net = board[("internet", None)]
    # latest report (e, 03:30Z) says down; c agrees for that period, b said restored for it
    assert net["state"] == "down" and net["doc_id"] == docs["e"].id
    assert net["n_sources"] == 2
    assert [(c["state"], c["doc_id"]) for c in net["conflicts"]] == [("restored", docs["b"].id)]
    assert net["since"] == "2022-01-06T03:00:00Z"  # c started the current run of "down"
    assert [h["doc_id"] for h in net["history"]] == [docs[k].id for k in ("a", "b", "c", "e")]
    assert net["evidence"] == "witnessed"

    # without a time the observation covers the day the document was published (Almaty, UTC+6)
    light = board[("electricity", "Auezov District")]
    assert light["state"] == "working" and light["conflicts"] == [] and light["n_sources"] == 1
    assert (light["period_begin"], light["period_end"]) == ("2022-01-05T18:00:00Z", "2022-01-06T18:00:00Z")

    # as of noon on the 5th, Almaty time: only a's report exists, and the electricity one not yet
    early = store.board(at="2022-01-05T12:00")
    assert [(r["service"], r["state"], r["n_sources"], r["conflicts"]) for r in early] == [
        ("internet", "down", 1, [])]
    # between b and c: restored
    mid = store.board(at="2022-01-06T02:30:00+00:00")
    assert {r["service"]: r["state"] for r in mid} == {"internet": "restored", "electricity": "working"}
    # a bare date covers the whole day
    assert len(store.board(at="2022-01-06")) == 2
    with pytest.raises(StoreError):
        store.board(at="yesterday")
    with pytest.raises(StoreError):
        store.board(at="2022-13-45")
    # place filter, case-insensitive
    scoped = store.board(place="auezov district")
    assert [r["service"] for r in scoped if r["state"] != "unknown"] == ["electricity"]


# -- schema ------------------------------------------------------------------------------------------


def test_migration_matches_schema_module(store_url: str, store: Store) -> None:
    def include(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
        return not (name or "").startswith(("documents_fts", "tsv", "ix_documents_tsv", "alembic_version"))

    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"include_object": include, "compare_type": False})
            diffs = compare_metadata(ctx, metadata)
    finally:
        engine.dispose()
    assert diffs == []


def test_sqlite_pragmas(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    with Store(url) as s, s.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_url_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KHRONIKA_DB", raising=False)
    assert resolve_url(None) == "sqlite:///khronika.db"
    monkeypatch.setenv("KHRONIKA_DB", "sqlite:///elsewhere.db")
    assert resolve_url(None) == "sqlite:///elsewhere.db"
    assert resolve_url("sqlite:///given.db") == "sqlite:///given.db"
    assert resolve_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert resolve_url("postgresql+psycopg://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
