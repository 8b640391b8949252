"""The review layer on both engines: decisions, re-anchoring on reprocess, verification, link decisions."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from conftest import build_full_doc, span

from khronika.errors import InputError
from khronika.model import Document, Event
from khronika.store import Store
from khronika.store import reviews as rv


def _by_kind(doc: Document, kind: str) -> list[Any]:
    return [it for it in doc.items() if it.kind == kind]


def _event(doc: Document, trigger: str) -> Event:
    return next(e for e in doc.events if doc.text[e.start : e.end] == trigger)


def test_review_is_recorded_and_audited(store: Store) -> None:
    doc = build_full_doc()
    store.save(doc)
    ev = _event(doc, "shooting")
    row = rv.record_review(store, ev.id, "edit", reviewer="ana", edits={"fatalities": "3", "lat": 43.1,
                                                                         "lon": 76.9}, reason="count")
    assert row["edits"] == {"fatalities": 3, "lat": 43.1, "lon": 76.9}
    assert row["machine"]["fatalities"] == 2  # what the machine said is kept next to the correction
    latest = rv.latest_reviews(store, doc.id)
    assert latest[ev.id]["decision"] == "edit" and latest[ev.id]["reviewer"] == "ana"
    kinds = [e["kind"] for e in store.audit_entries()]
    assert "review" in kinds
    assert store.audit_verify().ok


@pytest.mark.parametrize(
    ("decision", "edits", "message"),
    [
        ("approve", {}, "decision must be"),
        ("edit", {}, "at least one"),
        ("edit", {"colour": "red"}, "not editable"),
        ("edit", {"lat": 95, "lon": 10}, "lat must be between"),
        ("edit", {"lat": 43.0}, "both lat and lon"),
        ("edit", {"fatalities": 1.5}, "whole number"),
        ("edit", {"date": "5 January"}, "YYYY-MM-DD"),
    ],
)
def test_bad_decisions_are_refused(store: Store, decision: str, edits: dict[str, Any], message: str) -> None:
    doc = build_full_doc()
    store.save(doc)
    with pytest.raises(InputError, match=message):
        rv.record_review(store, doc.events[0].id, decision, reviewer="ana", edits=edits)
    assert rv.latest_reviews(store) == {}


def test_unknown_item_is_refused(store: Store) -> None:
    with pytest.raises(InputError, match="no item"):
        rv.record_review(store, "nope", "accept", reviewer="ana")


def test_queue_puts_unreviewed_first_with_context(store: Store) -> None:
    doc = build_full_doc()
    store.save(doc)
    first = rv.review_queue(store)
    assert {q["kind"] for q in first} == {"event", "service", "claim", "victim", "need"}
    assert all(q["status"] == "unreviewed" for q in first)
    assert rv.pending_count(store) == len(first) == 6
    target = first[0]
    rv.record_review(store, target["item_id"], "accept", reviewer="ana")
    assert rv.pending_count(store) == 5
    assert target["item_id"] not in {q["item_id"] for q in rv.review_queue(store, include_reviewed=False)}
    queue = rv.review_queue(store)
    assert queue[-1]["item_id"] == target["item_id"] and queue[-1]["status"] == "accepted"
    assert queue[0]["status"] == "unreviewed"
    for q in queue:  # the context holds the item's own text at the offset it reports
        a = q["start"] - q["context_start"]
        assert q["context"][a : a + q["end"] - q["start"]] == doc.text[q["start"] : q["end"]]


def test_reprocess_keeps_applicable_decisions_and_flags_the_rest(store: Store) -> None:
    doc = build_full_doc()
    store.save(doc)
    shooting = _event(doc, "shooting")
    riots = _event(doc, "riots")
    service = doc.services[0]
    claim = doc.claims[0]
    victim = doc.victims[0]
    rv.record_review(store, shooting.id, "edit", reviewer="ana", edits={"fatalities": 3})
    rv.record_review(store, riots.id, "reject", reviewer="ana", reason="speculation")
    rv.record_review(store, service.id, "accept", reviewer="ana")
    rv.record_review(store, claim.id, "accept", reviewer="ana")
    rv.record_review(store, victim.id, "accept", reviewer="ana")

    # A new run of "the pipeline": the shooting trigger grows, the riots event is gone, the claim now
    # says something else, the service observation and the victim are unchanged.
    new = copy.deepcopy(doc)
    for it in new.items():
        it.id = ""
    grown = _event(new, "shooting")
    grown.start, grown.end = span(new.text, "soldiers shooting")
    new.events = [grown]
    new.claims[0].topic = "domestic_plot"
    new.assign_ids()
    result = store.save(new, reprocess=True)

    latest = rv.latest_reviews(store, doc.id)
    assert grown.id != shooting.id
    assert latest[grown.id]["decision"] == "edit" and latest[grown.id]["edits"] == {"fatalities": 3}
    assert (latest[grown.id]["start"], latest[grown.id]["end"]) == (grown.start, grown.end)
    assert latest[grown.id]["origin_item_id"] == shooting.id
    assert latest[grown.id]["run_id"] == result.run_id
    assert latest[new.services[0].id]["decision"] == "accept"
    assert latest[new.victims[0].id]["decision"] == "accept"
    stale = {r["origin_item_id"] for r in rv.stale_reviews(store, doc.id)}
    assert stale == {riots.id, claim.id}
    assert new.claims[0].id not in latest
    assert any(e["kind"] == "review.reanchor" for e in store.audit_entries())
    assert store.audit_verify().ok


def test_verification_latest_wins_and_history_is_kept(store: Store) -> None:
    assert rv.verification_state(store, "inc-x") == "unverified"
    rv.set_verification(store, "inc-x", "in_progress", analyst="ana")
    rv.set_verification(store, "inc-x", "disputed", analyst="bo", reason="two witnesses disagree",
                        sources=["call with witness", "", "photo archive"])
    assert rv.verification_state(store, "inc-x") == "disputed"
    hist = rv.verification_history(store, "inc-x")
    assert [h["state"] for h in hist] == ["in_progress", "disputed"]
    assert hist[-1]["sources"] == ["call with witness", "photo archive"]
    with pytest.raises(InputError, match="needs a reason"):
        rv.set_verification(store, "inc-x", "false", analyst="ana")
    with pytest.raises(InputError, match="state must be"):
        rv.set_verification(store, "inc-x", "true", analyst="ana")
    assert sum(e["kind"] == "verification" for e in store.audit_entries()) == 2


def _linked_pair(store: Store) -> tuple[str, list[str]]:
    """Two witnesses of the same shooting, linked into one incident by the real linker."""
    from khronika.link import link_after_save

    for source in ("witness-a", "witness-b"):
        doc = build_full_doc(source)
        doc.events = [e for e in doc.events if doc.text[e.start : e.end] == "shooting"]
        store.save(doc)
        link_after_save(store, doc)
    incs = [i for i in store.incidents() if i["n_members"] == 2]
    assert incs, "the linker should join two identical reports"
    return incs[0]["id"], [m["event_id"] for m in incs[0]["members"]]


def test_link_decisions_confirm_break_merge(store: Store) -> None:
    iid, members = _linked_pair(store)
    rv.apply_link_decision(store, "confirm", iid, analyst="ana")
    assert {lk["status"] for lk in store.incident_links()} == {"confirmed"}

    out = rv.apply_link_decision(store, "break", iid, analyst="ana", event_ids=[members[1]], reason="x")
    left, new_id = out["result"]["incidents"]
    by_id = {i["id"]: i for i in store.incidents()}
    assert [m["event_id"] for m in by_id[left]["members"]] == [members[0]]
    assert [m["event_id"] for m in by_id[new_id]["members"]] == [members[1]]
    assert {lk["status"] for lk in store.incident_links()} == {"rejected"}

    rv.apply_link_decision(store, "merge", left, analyst="ana", other_incident_id=new_id)
    by_id = {i["id"]: i for i in store.incidents()}
    assert new_id not in by_id
    assert sorted(m["event_id"] for m in by_id[left]["members"]) == sorted(members)
    assert [d["action"] for d in rv.link_decision_history(store, left)] == ["confirm", "break", "merge"]
    assert store.audit_verify().ok


def test_a_broken_link_survives_a_third_report_and_a_reprocess(store: Store) -> None:
    from khronika.link import link_after_save

    iid, members = _linked_pair(store)
    rv.apply_link_decision(store, "break", iid, analyst="ana", event_ids=[members[1]], reason="two shootings")
    # a third witness of "the same" shooting resembles both sides; it may join one, never bridge them
    third = build_full_doc("witness-c")
    third.events = [e for e in third.events if third.text[e.start : e.end] == "shooting"]
    store.save(third)
    link_after_save(store, third)
    # and re-linking one side (as a reprocess does) keeps the analyst's word
    docs = {d: {e.id for e in store.load_document(d).events} for d in store.document_ids()}
    first = next(d for d, events in docs.items() if members[0] in events)
    store.unlink_document(first)
    link_after_save(store, store.load_document(first))
    for inc in store.incidents():
        assert not set(members) <= {m["event_id"] for m in inc["members"]}
    rejected = [lk for lk in store.incident_links() if lk["status"] == "rejected"]
    assert {(lk["a_event"], lk["b_event"]) for lk in rejected} == {tuple(sorted(members))}


def test_split_needs_a_proper_subset(store: Store) -> None:
    iid, members = _linked_pair(store)
    with pytest.raises(InputError, match="some, but not all"):
        rv.apply_link_decision(store, "split", iid, analyst="ana", event_ids=members)
    with pytest.raises(InputError, match="not members"):
        rv.apply_link_decision(store, "split", iid, analyst="ana", event_ids=["zzz"])
    out = rv.apply_link_decision(store, "split", iid, analyst="ana", event_ids=[members[0]])
    assert len(out["result"]["incidents"]) == 2
    assert len({i["id"] for i in store.incidents()}) == 2


# -- the API on both engines ------------------------------------------------------------------------


@pytest.fixture
def api(store: Store) -> Any:
    """A TestClient factory on the app over `store`, logged in as a fresh user of the given role."""
    from fastapi.testclient import TestClient

    from khronika.store.accounts import create_user
    from khronika.web.app import create_app

    app = create_app(store=store)

    def client(role: str | None) -> TestClient:
        c = TestClient(app)
        if role is not None:
            create_user(store, f"u-{role}", role, "a-long-password")
            r = c.post("/api/auth/login", json={"name": f"u-{role}", "password": "a-long-password"})
            assert r.status_code == 200, r.text
            c.headers["X-CSRF-Token"] = c.cookies["khronika_csrf"]
        return c

    return client


def test_api_roles(api: Any, store: Store) -> None:
    doc = build_full_doc()
    store.save(doc)
    assert api(None).get("/api/documents").status_code == 401
    viewer = api("viewer")
    assert viewer.get("/api/documents").status_code == 200
    r = viewer.post(f"/api/review/{doc.events[0].id}", json={"decision": "accept"})
    assert r.status_code == 403
    assert rv.latest_reviews(store) == {}


def test_api_documents_search_reader_and_review(api: Any, store: Store) -> None:
    doc = build_full_doc()
    store.save(doc)
    analyst = api("analyst")
    listing = analyst.get("/api/documents").json()
    assert [d["id"] for d in listing["documents"]] == [doc.id]
    assert listing["documents"][0]["n_unreviewed"] == 6  # 2 events, 1 service, 1 claim, 1 victim, 1 need
    hits = analyst.get("/api/documents", params={"q": "insulin"}).json()["documents"]
    assert [h["id"] for h in hits] == [doc.id] and "insulin" in hits[0]["snippet"]
    assert analyst.get("/api/documents", params={"q": "zebra"}).json()["documents"] == []

    view = analyst.get(f"/api/documents/{doc.id}").json()
    assert "".join(s["text"] for s in view["segments"]) == doc.text
    shooting = _event(doc, "shooting")
    seg = next(s for s in view["segments"] if s["item_id"] == shooting.id)
    assert "event" in seg["classes"] and "ev-witnessed" in seg["classes"]
    item = next(i for i in view["items"] if i["id"] == shooting.id)
    assert item["status"] == "unreviewed" and item["fields"]["fatalities"] == 2

    r = analyst.post(f"/api/review/{shooting.id}", json={"decision": "edit", "edits": {"fatalities": 4}})
    assert r.status_code == 201, r.text
    bad_edit = {"decision": "edit", "edits": {"lat": 91, "lon": 1}}
    bad = analyst.post(f"/api/review/{shooting.id}", json=bad_edit)
    assert bad.status_code == 400
    view = analyst.get(f"/api/documents/{doc.id}").json()
    item = next(i for i in view["items"] if i["id"] == shooting.id)
    assert item["status"] == "edited" and item["review"]["edits"] == {"fatalities": 4}
    queue = analyst.get("/api/review/queue").json()["items"]
    assert queue[-1]["item_id"] == shooting.id and queue[0]["status"] == "unreviewed"


def test_api_viewer_gets_redacted_reader(api: Any, store: Store) -> None:
    doc = build_full_doc()
    store.save(doc)
    body = api("viewer").get(f"/api/documents/{doc.id}").text
    assert "Aigerim" not in body  # the witness's name never reaches a viewer
    assert "Republic Square" in body


def test_api_incident_verification_and_links(api: Any, store: Store) -> None:
    iid, members = _linked_pair(store)
    analyst = api("analyst")
    assert analyst.post("/api/incidents/inc-nope/verification", json={"state": "verified", "reason": "x"}
                        ).status_code == 404
    r = analyst.post(f"/api/incidents/{iid}/verification",
                     json={"state": "false", "reason": "staged video", "sources": ["reverse image search"]})
    assert r.status_code == 201, r.text
    listed = {i["id"]: i for i in analyst.get("/api/incidents").json()}
    assert listed[iid]["verification"] == "false" and listed[iid]["n_unreviewed"] == 2
    rv.record_review(store, members[0], "accept", reviewer="ana")
    assert {i["id"]: i for i in analyst.get("/api/incidents").json()}[iid]["n_unreviewed"] == 1
    r = analyst.post(f"/api/incidents/{iid}/links", json={"action": "confirm"})
    assert r.status_code == 201, r.text
    one = analyst.get(f"/api/incidents/{iid}").json()
    assert [d["action"] for d in one["link_decisions"]] == ["confirm"]
    assert sorted(m["event_id"] for m in one["members"]) == sorted(members)
    assert analyst.post(f"/api/incidents/{iid}/links", json={"action": "explode"}).status_code == 400


def test_reader_segments_cover_the_text_with_nested_marks() -> None:
    from khronika.web.reader import Mark, segments

    text = "We saw tanks on Abay Avenue at noon."
    a = text.index("tanks")
    c, d = span(text, "Abay Avenue")
    marks = [
        Mark("st", "statement", 0, len(text), "relayed"),
        Mark("ev", "event", a, d),
        Mark("pl", "place", c, d),
        Mark("x", "time", 500, 600),  # out of range: ignored
    ]
    segs = segments(text, marks)
    assert "".join(s.text for s in segs) == text
    by_text = {s.text: s for s in segs}
    assert by_text["Abay Avenue"].classes == ["ev-relayed", "event", "place"]
    assert by_text["Abay Avenue"].item_id == "pl"  # the innermost item is what a click opens
    assert by_text["tanks on "].item_id == "ev"
    assert by_text[" at noon."].item_id == "st" and by_text[" at noon."].classes == ["ev-relayed"]
    assert segments("", marks) == []


def test_documents_page_pages_through_the_list(api: Any, store: Store) -> None:
    from conftest import new_doc

    for n in range(52):
        store.save(new_doc(f"Testimony number {n} about the square.", source=f"s{n}", title=f"T{n:02d}"))
    analyst = api("analyst")
    first = analyst.get("/documents").text
    assert "1–50 of 52" in first and "Older" in first and "T51" in first and "T01" not in first
    second = analyst.get("/documents", params={"offset": 50}).text
    assert "51–52 of 52" in second and "T01" in second and "T00" in second and "Older" not in second


def test_verification_follows_the_incident_when_a_new_report_joins(store: Store) -> None:
    from khronika.link import link_after_save

    iid, _ = _linked_pair(store)
    rv.set_verification(store, iid, "verified", analyst="ana", reason="two hospital records")
    third = build_full_doc("witness-c")
    third.events = [e for e in third.events if third.text[e.start : e.end] == "shooting"]
    store.save(third)
    link_after_save(store, third)
    (grown,) = [i for i in store.incidents() if i["n_members"] == 3]
    assert grown["id"] != iid  # ids are made from members
    assert rv.verification_state(store, grown["id"]) == "verified"
    assert store.audit_verify().ok
