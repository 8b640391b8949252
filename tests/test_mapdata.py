"""Map clustering and filters, the timeline grouping, and editing user gazetteer places.

Clusters computed by the database (SQLite and PostgreSQL) must equal the pure Python grid rule on the
same points; expected counts come from the points each test places.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from typing import Any

import pytest
import sqlalchemy as sa

from khronika.errors import InputError
from khronika.model import Document, Event
from khronika.web import mapdata
from khronika.web.mapdata import BBox, MapQuery

# (lat, lon, type, evidence, day): three near Republic Square, two in the north of Almaty, one in Astana.
POINTS: list[tuple[float, float, str, str, str]] = [
    (43.2383, 76.9453, "Protests", "witnessed", "2022-01-05"),
    (43.2390, 76.9460, "Riots", "hearsay", "2022-01-05"),
    (43.2375, 76.9440, "Protests", "witnessed", "2022-01-06"),
    (43.3300, 76.9300, "Riots", "relayed", "2022-01-06"),
    (43.3310, 76.9320, "Protests", "witnessed", "2022-01-07"),
    (51.1694, 71.4491, "Protests", "official", "2022-01-07"),
]


def doc_with_events(make_doc: Callable[..., Document], points: Sequence[tuple[float, float, str, str, str]],
                    source: str = "map-test") -> Document:
    """One document, one sentence and one located event per point (an unlocated event at the end)."""
    sentences = [f"Report {i}: something happened at this spot." for i in range(len(points) + 1)]
    text = " ".join(sentences)
    doc = make_doc(text, source=source)
    pos = 0
    events = []
    for i, sentence in enumerate(sentences):
        start = text.index(sentence, pos)
        pos = start + len(sentence)
        if i < len(points):
            lat, lon, typ, ev, day = points[i]
            loc: dict[str, Any] | None = {"name": f"spot {i}", "lat": lat, "lon": lon, "precision": "point"}
        else:
            typ, ev, day, loc = "Protests", "witnessed", "2022-01-05", None
        events.append(Event(start=start, end=pos, extractor="test@1", confidence=0.8, evidence=ev, type=typ,
                            subtype="Peaceful protest" if typ == "Protests" else "Violent demonstration",
                            date=day, location=loc))
    doc.events = events
    return doc


@pytest.fixture
def filled(store: Any, make_doc: Callable[..., Document]) -> Any:
    store.save(doc_with_events(make_doc, POINTS))
    return store


def test_cell_size_halves_with_each_zoom() -> None:
    assert mapdata.cell_degrees(10) == pytest.approx(2 * mapdata.cell_degrees(11))
    assert mapdata.cell_degrees(0) == pytest.approx(360 * mapdata.CELL_PX / mapdata.TILE_PX)


def test_grid_cluster_groups_near_points_and_splits_far_ones() -> None:
    pts = [(p[0], p[1]) for p in POINTS]
    low = mapdata.grid_cluster(pts, zoom=4)  # cells of ~5.6°: Almaty together, Astana apart
    assert sorted(c.n for c in low) == [1, 5]
    almaty = next(c for c in low if c.n == 5)
    assert almaty.lat == pytest.approx(sum(p[0] for p in pts[:5]) / 5)
    assert almaty.bounds == [pytest.approx(43.2375), pytest.approx(76.9300), pytest.approx(43.3310),
                             pytest.approx(76.9460)]
    size = mapdata.cell_degrees(11)  # ~0.04°: around the middles of two neighbouring cells
    row, col = mapdata.cell_of(43.25, 76.95, size)
    lat0, lon0 = (row + 0.5) * size - 90, (col + 0.5) * size - 180
    near = [(lat0, lon0), (lat0 + size / 4, lon0 - size / 4), (lat0 - size / 4, lon0 + size / 4),
            (lat0, lon0 + size), (lat0 + size / 3, lon0 + size)]
    mid = mapdata.grid_cluster(near, zoom=11)
    assert [c.n for c in mid] == [3, 2]
    assert mid[1].cell == (mid[0].cell[0], mid[0].cell[1] + 1)


def test_bbox_parse_refuses_swapped_boxes() -> None:
    assert BBox.parse("43,76,44,77") == BBox(43, 76, 44, 77)
    for bad in ("44,76,43,77", "43,77,44,76", "1,2,3", "a,b,c,d"):
        with pytest.raises(ValueError):
            BBox.parse(bad)


def test_sql_clusters_equal_the_python_rule(filled: Any) -> None:
    from khronika.web.pagekit import read

    pts = [(p[0], p[1]) for p in POINTS]
    with read(filled) as conn:
        for zoom in (3, 4, 8, 11, 12):
            got = mapdata.clusters(conn, MapQuery(zoom=zoom))
            want = mapdata.grid_cluster(pts, zoom)
            assert [(c.cell, c.n) for c in got] == [(c.cell, c.n) for c in want], zoom
            assert [c.lat for c in got] == pytest.approx([c.lat for c in want])


def test_map_view_clusters_at_low_zoom_and_markers_when_zoomed_in(filled: Any) -> None:
    from khronika.web.pagekit import read

    with read(filled) as conn:
        low = mapdata.map_view(conn, MapQuery(zoom=5))
        high = mapdata.map_view(conn, MapQuery(zoom=15, bbox=BBox(43.2, 76.9, 43.3, 77.0)))
    assert low["mode"] == "clusters" and low["total"] == 6  # the unlocated event is not on the map
    assert sum(c["n"] for c in low["clusters"]) == 6
    assert high["mode"] == "markers" and high["total"] == 3
    assert {m["place"] for m in high["markers"]} == {"spot 0", "spot 1", "spot 2"}
    assert all(m["verification"] == "unverified" for m in high["markers"])


def test_map_filters_by_type_evidence_dates_and_area(filled: Any) -> None:
    from khronika.web.pagekit import read

    def total(**kw: Any) -> int:
        with read(filled) as conn:
            return mapdata.count_events(conn, MapQuery(**kw))

    assert total(types=("Riots",)) == 2
    assert total(evidence=("witnessed", "official")) == 4
    assert total(since="2022-01-06") == 4
    assert total(since="2022-01-06", until="2022-01-06") == 2
    assert total(bbox=BBox(43.3, 76.9, 43.4, 77.0)) == 2
    assert total(types=("Protests",), bbox=BBox(43.0, 76.0, 44.0, 78.0), until="2022-01-06") == 2


def test_superseded_runs_leave_the_map(store: Any, make_doc: Callable[..., Document]) -> None:
    from khronika.web.pagekit import read

    doc = doc_with_events(make_doc, POINTS[:2])
    store.save(doc)
    doc.events = doc.events[:1]
    store.save(doc, reprocess=True)
    with read(store) as conn:
        assert mapdata.count_events(conn, MapQuery()) == 1


def test_verification_filter_reads_the_latest_decision(filled: Any) -> None:
    from khronika.link import link_after_save
    from khronika.web.pagekit import read

    table = mapdata.verification_table()
    if table is None:
        pytest.skip("no verification table in this schema yet")
    doc = filled.load_document(filled.document_ids()[0])
    link_after_save(filled, doc)
    with read(filled) as conn:
        markers = mapdata.markers(conn, MapQuery())
    target = next(m for m in markers if m["place"] == "spot 5")["incident_id"]
    assert target
    base = {"incident_id": target, "reason": "", "sources": [], "analyst": "tester"}
    with filled._writer.begin() as conn:
        conn.execute(sa.insert(table), [
            {"id": "v1", "state": "in_progress", "created_at": "2026-01-01T00:00:00Z", **base},
            {"id": "v2", "state": "verified", "created_at": "2026-01-02T00:00:00Z", **base},
        ])
    with read(filled) as conn:
        verified = mapdata.markers(conn, MapQuery(verification=("verified",)))
        unverified = mapdata.count_events(conn, MapQuery(verification=("unverified",)))
        stale = mapdata.count_events(conn, MapQuery(verification=("in_progress",)))
        states = mapdata.incident_states(conn, [target])
    assert [m["place"] for m in verified] == ["spot 5"]
    assert unverified == 5 and stale == 0
    assert states == {target: "verified"}


def test_timeline_groups_by_local_day_and_hour() -> None:
    incidents = [
        {"id": "a", "type": "Protests", "first_day": "2022-01-05", "last_day": "2022-01-05",
         "best_evidence": "witnessed", "members": [{"event_id": "e1"}, {"event_id": "e2"}]},
        {"id": "b", "type": "Riots", "first_day": "2022-01-05", "last_day": "2022-01-05",
         "best_evidence": "hearsay", "members": [{"event_id": "e3"}]},
        {"id": "c", "type": "Riots", "first_day": "2022-01-06", "last_day": "2022-01-06",
         "best_evidence": "witnessed", "members": [{"event_id": "e4"}]},
        {"id": "d", "type": "Riots", "first_day": None, "last_day": None, "best_evidence": None,
         "members": []},
    ]
    # Almaty was UTC+6 in 2022: 09:00Z is 15:00 local, 04:30Z is 10:30 local.
    times = {"e1": "2022-01-05T09:00:00Z", "e2": "2022-01-05T04:30:00Z", "e4": "2022-01-06T03:00:00Z"}
    days = mapdata.timeline(incidents, times, {"c": "verified"}, MapQuery())
    assert [d["day"] for d in days] == ["2022-01-05", "2022-01-06", None]
    by_hour = [(h["hour"], [i["id"] for i in h["incidents"]]) for h in days[0]["hours"]]
    assert by_hour == [(10, ["a"]), (None, ["b"])]
    assert days[1]["hours"][0]["incidents"][0]["verification"] == "verified"
    assert days[0]["hours"][0]["incidents"][0]["verification"] == "unverified"
    only = mapdata.timeline(incidents, times, {"c": "verified"}, MapQuery(verification=("verified",)))
    assert [i["id"] for d in only for h in d["hours"] for i in h["incidents"]] == ["c"]
    dated = mapdata.timeline(incidents, times, {}, MapQuery(since="2022-01-06", evidence=("witnessed",)))
    assert [d["day"] for d in dated] == ["2022-01-06"]


def test_update_user_place_rewrites_its_row(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from khronika.geo import gazetteer as gz

    monkeypatch.setenv("KHRONIKA_HOME", str(tmp_path))
    loaded = gz.Gazetteer([], {})  # a small loaded gazetteer: the edit must reach it too
    monkeypatch.setattr(gz.Gazetteer, "_shared", loaded)
    first = gz.add({"name": "Fountain by the theatre", "lat": 43.25, "lon": 76.95, "precision": "point"})
    gz.add({"name": "Bus depot", "lat": 43.3, "lon": 76.9})
    moved = gz.update(first.id, {"name": "Fountain by the opera", "lat": 43.2512, "lon": 76.9466,
                                 "precision": "point", "aliases": "opera fountain"})
    assert moved.id == first.id and moved.lat == 43.2512
    rows = list(csv.DictReader((tmp_path / "gazetteer.csv").read_text(encoding="utf-8").splitlines()))
    assert [(r["id"], r["name"]) for r in rows] == [(first.id, "Fountain by the opera"),
                                                    ("user:bus-depot", "Bus depot")]
    assert rows[0]["aliases"] == "opera fountain"
    assert [p.lat for p in loaded.lookup("opera fountain")] == [43.2512]
    assert loaded.lookup("Fountain by the theatre") == []
    assert [p.name for p in loaded.lookup("Bus depot")] == ["Bus depot"]
    with pytest.raises(InputError):
        gz.update("local:almaty:akimat", {"name": "x", "lat": 1, "lon": 1})
    with pytest.raises(InputError):
        gz.update(first.id, {"name": "x", "lat": 91, "lon": 1})


def test_cached_clusters_follow_new_documents(filled: Any, make_doc: Callable[..., Document]) -> None:
    from khronika.web.pagekit import read

    cache = mapdata.VersionedCache()
    box = BBox(43.0, 76.0, 44.0, 78.0)
    with read(filled) as conn:
        before = mapdata.map_view(conn, MapQuery(zoom=5, bbox=box), cache)
    filled.save(doc_with_events(make_doc, POINTS[:2], source="another"))
    with read(filled) as conn:
        after = mapdata.map_view(conn, MapQuery(zoom=5, bbox=box), cache)
    assert before["total"] == 5 and after["total"] == 7  # Astana is outside the box


def test_markers_carry_their_review_status(filled: Any) -> None:
    from khronika.web.pagekit import read

    table = mapdata.metadata.tables.get("reviews")
    if table is None:
        pytest.skip("no reviews table in this schema yet")
    with read(filled) as conn:
        first = mapdata.map_view(conn, MapQuery(zoom=15, bbox=BBox(43.2, 76.9, 43.3, 77.0)), None)["markers"]
    assert {m["status"] for m in first} == {"unreviewed"}
    target = first[0]
    run_id = filled.runs(target["doc_id"])[-1]["id"]

    def review(rid: str, decision: str, when: str, stale: int = 0) -> dict[str, Any]:
        return {"id": rid, "item_id": target["id"], "kind": "event", "doc_id": target["doc_id"],
                "run_id": run_id, "start": 0, "end": 1, "decision": decision, "edits": {}, "machine": {},
                "reviewer": "t", "reason": None, "created_at": when, "stale": stale,
                "origin_item_id": target["id"]}

    with filled._writer.begin() as conn:
        conn.execute(sa.insert(table), [review("r1", "reject", "2026-01-01T00:00:00Z"),
                                        review("r2", "accept", "2026-01-02T00:00:00Z"),
                                        review("r3", "edit", "2026-01-03T00:00:00Z", stale=1)])
    with read(filled) as conn:
        after = mapdata.map_view(conn, MapQuery(zoom=15, bbox=BBox(43.2, 76.9, 43.3, 77.0)), None)["markers"]
    status = {m["id"]: m["status"] for m in after}
    assert status.pop(target["id"]) == "accepted"
    assert set(status.values()) == {"unreviewed"}


def test_coarser_clusters_merge_from_finer_ones() -> None:
    pts = [(p[0], p[1]) for p in POINTS] + [(43.21, 76.85), (43.3, 77.02), (47.1, 51.9)]
    fine = mapdata.grid_cluster(pts, 12)
    for zoom in (3, 5, 8, 11, 12):
        want = mapdata.grid_cluster(pts, zoom)
        got = mapdata.merge(fine, 12, zoom)
        assert [(c.cell, c.n) for c in got] == [(c.cell, c.n) for c in want], zoom
        assert [c.lat for c in got] == pytest.approx([c.lat for c in want])
        assert [c.bounds for c in got] == [pytest.approx(c.bounds) for c in want]
    with pytest.raises(ValueError):
        mapdata.merge(fine, 5, 12)


# -- the cached grid: the same clusters as the database and the Python rule, cheaper -------------------

# Scattered points over Almaty and Kazakhstan (fixed seed), some of them sharing cells at fine zooms.
SPREAD = [(43.25 + ((i * 37) % 101 - 50) * 0.0011, 76.93 + ((i * 53) % 97 - 48) * 0.0013) for i in range(300)]
SPREAD += [(41.0 + (i * 0.173) % 14, 50.0 + (i * 0.311) % 37) for i in range(60)]


def _same(got: Sequence[mapdata.Cluster], want: Sequence[mapdata.Cluster]) -> None:
    assert [(c.cell, c.n) for c in got] == [(c.cell, c.n) for c in want]
    assert [c.lat for c in got] == pytest.approx([c.lat for c in want])
    assert [c.lon for c in got] == pytest.approx([c.lon for c in want])
    assert [c.bounds for c in got] == [pytest.approx(c.bounds) for c in want]


def test_grid_of_points_follows_the_python_rule() -> None:
    import numpy as np

    lat, lon = np.array([p[0] for p in SPREAD]), np.array([p[1] for p in SPREAD])
    fine = mapdata.Grid.of_points(lat, lon, mapdata.FINE_ZOOM)
    for zoom in (4, 9, 12, 13, 15):
        _same(fine.coarser(zoom).clusters(), mapdata.grid_cluster(SPREAD, zoom))


def test_grid_cut_to_a_box_keeps_the_clusters_centred_in_it() -> None:
    import numpy as np

    fine = mapdata.Grid.of_points(np.array([p[0] for p in SPREAD]), np.array([p[1] for p in SPREAD]),
                                  mapdata.FINE_ZOOM)
    boxes = [BBox(43.2, 76.88, 43.27, 76.95), BBox(43.24, 76.9, 43.26, 76.96), BBox(40, 49, 56, 88)]
    shown = 0
    for box in boxes:
        for zoom in (6, 11, 14):
            want = [c for c in mapdata.grid_cluster(SPREAD, zoom)
                    if box.south <= c.lat <= box.north and box.west <= c.lon <= box.east]
            _same(fine.around(box, zoom).coarser(zoom).clusters(box), want)
            shown += len(want)
    assert shown > 100  # the cases show clusters, or they test nothing


def test_cached_map_equals_the_database_clusters(filled: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from khronika.web.pagekit import read

    monkeypatch.setattr(mapdata, "MAX_MARKERS", 2)  # so a street-level box of three events clusters
    queries = [MapQuery(zoom=5), MapQuery(zoom=11, bbox=BBox(43.0, 76.0, 44.0, 78.0)),
               MapQuery(zoom=11, since="2022-01-06"), MapQuery(zoom=14, bbox=BBox(43.2, 76.9, 43.3, 77.0)),
               MapQuery(zoom=14, types=("Protests",), bbox=BBox(43.2, 76.9, 43.4, 77.0))]
    with read(filled) as conn:
        for q in queries:
            cached = mapdata.map_view(conn, q, mapdata.VersionedCache())
            direct = mapdata.map_view(conn, q, None)
            assert cached["mode"] == direct["mode"] == "clusters", q
            assert cached["total"] == direct["total"] and cached["cell_degrees"] == direct["cell_degrees"], q
            got, want = cached["clusters"], direct["clusters"]
            assert [c["n"] for c in got] == [c["n"] for c in want], q
            for key in ("lat", "lon", "bounds"):  # sums in another order: equal to rounding
                assert [c[key] for c in got] == [pytest.approx(c[key]) for c in want], q
    pts = [(p[0], p[1]) for p in POINTS]
    street = [c.n for c in mapdata.grid_cluster(pts, 14) if 43.2 <= c.lat <= 43.3 and 76.9 <= c.lon <= 77.0]
    with read(filled) as conn:
        view = mapdata.map_view(conn, queries[3], mapdata.VersionedCache())
    assert [c["n"] for c in view["clusters"]] == street and view["total"] == 3


def test_a_missing_view_is_computed_once_while_others_wait() -> None:
    import threading
    import time

    cache = mapdata.VersionedCache()
    calls: list[int] = []
    second_asking, release = threading.Event(), threading.Event()

    def compute() -> int:
        calls.append(1)
        second_asking.wait(10)
        time.sleep(0.05)  # lets the second thread reach the cache (a handshake, not a timing assertion)
        release.wait(10)
        return 42

    got: list[int] = []
    first = threading.Thread(target=lambda: got.append(cache.get("k", ("db", 1), compute)))
    first.start()

    def ask() -> None:
        second_asking.set()
        got.append(cache.get("k", ("db", 1), compute))

    second = threading.Thread(target=ask)
    second.start()
    release.set()
    first.join(10)
    second.join(10)
    assert got == [42, 42] and len(calls) == 1
    assert cache.get("k", ("db", 2), lambda: 7) == 7  # a new version computes again
