"""End-to-end in headless Chromium: log in, ingest, review, verify, confirm a link; a screenshot per page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from khronika.store import reviews as rv


def _multi_incident(live: Any) -> dict[str, Any]:
    store = live.store()
    try:
        incs = [i for i in store.incidents() if i["n_members"] >= 2]
    finally:
        store.close()
    if not incs:
        pytest.fail("the seeded witnesses should share at least one incident")
    return incs[0]


def test_login_form_and_pages(page: Any, login: Any, live_server: Any, shot: Any) -> None:
    page.goto("/documents")
    assert "/login" in page.url  # anonymous visitors are sent to the login page
    shot(page, "login")
    login(page, "analyst")
    page.goto("/")
    assert page.locator(".user-name").inner_text() == "analyst"
    shot(page, "home")
    page.goto("/documents")
    assert page.locator("#documents tbody tr").count() >= len(live_server.docs)
    assert page.locator(".badge.unreviewed").count() >= 1  # "unreviewed" markers on the list
    shot(page, "documents")
    page.fill("input[name=q]", "pharmacist")
    page.click(".searchbar button[type=submit]")
    rows = page.locator("#documents tbody tr")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-doc") == live_server.docs["pharmacist"]
    page.goto("/documents?q=zzzqqq")
    assert "Nothing matches" in page.locator(".empty").inner_text()
    shot(page, "documents-empty-search")
    assert page.errors == []


def test_reader_highlights_and_item_detail(
    page: Any, login: Any, live_server: Any, shot: Any
) -> None:
    login(page, "analyst")
    doc_id = live_server.docs["pharmacist"]
    page.goto(f"/documents/{doc_id}")
    text = page.locator("#reader-text")
    assert "Gulnara, a pharmacist" in text.inner_text()
    assert page.locator("#reader-text .hl.speaker").count() >= 1
    assert page.locator("#reader-text .hl.ev-witnessed").count() >= 1
    assert page.locator("#reader-text .hl.event").count() >= 1
    assert page.locator("#reader-text .hl.place").count() >= 1
    first_event = page.locator("#items li[data-kind=event]").first
    first_event.click()
    detail = page.locator("#item-detail")
    assert detail.locator(".badge.unreviewed").count() == 1
    assert detail.locator("dt", has_text="subtype").count() == 1
    assert detail.locator("[data-action=accept]").count() == 1
    shot(page, "reader")
    assert page.errors == []


def test_ingest_through_the_ui(page: Any, login: Any, live_server: Any, shot: Any) -> None:
    login(page, "analyst")
    page.goto("/documents")
    text = ("Saule, a teacher:\nOn January 6 I saw armoured vehicles on Abay Avenue and soldiers shooting "
            "in the air. Our school was closed.\n")
    page.fill("#ingest-text", text)
    page.fill("#ingest-published", "2022-01-08")
    page.fill("#ingest-source", "school chat")
    page.click("#ingest-submit")
    page.wait_for_url(re.compile(r"/documents/[0-9a-f]{24}$"), timeout=120_000)
    doc_id = page.url.rsplit("/", 1)[1]
    assert "Saule, a teacher" in page.locator("#reader-text").inner_text()
    store = live_server.store()
    try:
        stored = store.load_document(doc_id)
        assert stored.text == text and stored.published == "2022-01-08"
        assert stored.provenance.source == "school chat"
        assert any(e["kind"] == "web.ingest" for e in store.audit_entries())
    finally:
        store.close()
    shown = ("event", "place", "time", "service", "claim", "victim", "need")
    assert page.locator("#items li").count() == len([i for i in stored.items() if i.kind in shown])


def test_review_an_event_accept_and_edit(page: Any, login: Any, live_server: Any, shot: Any) -> None:
    login(page, "analyst")
    page.goto("/review?kind=event&pending=true")
    shot(page, "review")
    page.goto("/review?kind=event&pending=true")
    cards = page.locator(".queue-item[data-status=unreviewed]")
    assert cards.count() >= 2
    first_id = cards.nth(0).get_attribute("data-item")
    second_id = cards.nth(1).get_attribute("data-item")
    cards.nth(0).locator("[data-action=accept]").click()
    page.wait_for_selector(f'.queue-item[data-item="{first_id}"][data-status=accepted]')
    second = page.locator(f'.queue-item[data-item="{second_id}"]')
    second.locator("[data-action=edit]").click()
    second.locator("input[name=fatalities]").fill("4")
    picker = second.locator(".pick-map.leaflet-container")
    picker.wait_for()
    picker.click(position={"x": 60, "y": 50})  # the place, picked on the map
    lat = float(second.locator("input[name=lat]").input_value())
    lon = float(second.locator("input[name=lon]").input_value())
    assert 40 < lat < 56 and 46 < lon < 88  # a point of the shipped region (Kazakhstan)
    second.locator("input[name=reason]").fill("toll from the morgue list")
    second.scroll_into_view_if_needed()
    shot(page, "review-edit")
    second.locator("[data-action=save-edit]").click()
    page.wait_for_selector(f'.queue-item[data-item="{second_id}"][data-status=edited]')
    store = live_server.store()
    try:
        latest = rv.latest_reviews(store)
    finally:
        store.close()
    assert latest[first_id]["decision"] == "accept" and latest[first_id]["reviewer"] == "analyst"
    assert latest[second_id]["edits"] == {"fatalities": 4, "lat": lat, "lon": lon}
    assert latest[second_id]["reason"] == "toll from the morgue list"
    page.goto("/review")  # reviewed items go to the end, with their status
    assert page.locator(".queue-item").last.get_attribute("data-status") != "unreviewed"
    assert page.errors == []


def test_verify_an_incident_and_confirm_a_link(
    page: Any, login: Any, live_server: Any, shot: Any
) -> None:
    inc = _multi_incident(live_server)
    login(page, "analyst")
    page.goto("/incidents")
    row = page.locator(f'#incidents tr[data-incident="{inc["id"]}"]')
    assert row.locator("[data-verification=unverified]").count() == 1
    shot(page, "incidents")
    row.locator("a").first.click()
    page.wait_for_url(f"**/incidents/{inc['id']}")
    assert page.locator("#members .member").count() == inc["n_members"]
    shot(page, "incident")
    page.select_option("#verify-state", "verified")
    page.fill("#verify-reason", "both witnesses reached by phone")
    page.fill("#verify-sources", "call with Gulnara\nhospital list")
    page.click("#verify-form button[type=submit]")
    page.wait_for_selector("h1 [data-verification=verified]")
    page.click("[data-link=confirm]")
    page.wait_for_selector("#link-history li")
    assert "confirm" in page.locator("#link-history").inner_text()
    shot(page, "incident-verified")
    store = live_server.store()
    try:
        assert rv.verification_state(store, inc["id"]) == "verified"
        hist = rv.verification_history(store, inc["id"])
        assert hist[-1]["sources"] == ["call with Gulnara", "hospital list"]
        assert hist[-1]["analyst"] == "analyst"
        members = {m["event_id"] for m in inc["members"]}
        confirmed = {(lk["a_event"], lk["b_event"]) for lk in store.incident_links("confirmed")}
        assert any(a in members and b in members for a, b in confirmed)
        assert store.audit_verify().ok
    finally:
        store.close()
    page.goto(f"/documents/{inc['members'][0]['doc_id']}")  # the badge follows the incident everywhere
    assert page.locator("#items [data-verification=verified]").count() >= 1
    page.goto("/review?kind=event")
    assert page.locator("#queue [data-verification=verified]").count() >= 1
    page.goto("/incidents?state=verified")
    assert page.locator(f'#incidents tr[data-incident="{inc["id"]}"]').count() == 1
    page.goto("/")
    shot(page, "home-after-review")
    assert page.errors == []


def test_viewer_reads_but_cannot_write(page: Any, login: Any, live_server: Any, shot: Any) -> None:
    login(page, "viewer")
    page.goto("/documents")
    assert page.locator("#ingest-form").count() == 0
    page.goto("/review")
    assert page.locator("[data-action=accept]").count() == 0
    page.goto(f"/documents/{live_server.docs['driver']}")
    assert page.locator(".badge", has_text="redacted view").count() == 1
    shot(page, "reader-viewer")
    status = page.evaluate(
        "async () => (await fetch('/api/review/x', {method: 'POST', headers: "
        "{'Content-Type': 'application/json', 'X-CSRF-Token': K.cookie('khronika_csrf')},"
        " body: JSON.stringify({decision: 'accept'})})).status"
    )
    assert status == 403


def test_break_a_link(page: Any, login: Any, live_server: Any) -> None:
    inc = _multi_incident(live_server)
    out = inc["members"][-1]["event_id"]
    login(page, "analyst")
    page.goto(f"/incidents/{inc['id']}")
    page.check(f'.member[data-event="{out}"] input.pick')
    with page.expect_navigation():
        page.click("[data-link=break]")
    assert page.locator(f'.member[data-event="{out}"]').count() == 0
    assert page.locator("#members .member").count() == inc["n_members"] - 1
    store = live_server.store()
    try:
        by_id = {i["id"]: i for i in store.incidents()}
    finally:
        store.close()
    assert out not in {m["event_id"] for m in by_id[inc["id"]]["members"]}
    assert any([m["event_id"] for m in i["members"]] == [out] for i in by_id.values())
    assert page.errors == []


def test_ingest_a_file_and_refuse_empty_input(page: Any, login: Any, live_server: Any) -> None:
    login(page, "analyst")
    page.goto("/documents")
    page.fill("#ingest-published", "2022-01-09")
    page.click("#ingest-submit")
    page.wait_for_selector("#toast.error:not([hidden])")
    assert "give a text or a file" in page.locator("#toast").inner_text()
    text = "Yerlan, a baker:\nOn January 7 the bread ran out in every shop on Tole Bi Street.\n"
    page.set_input_files("#ingest-file", files=[
        {"name": "baker.txt", "mimeType": "text/plain", "buffer": text.encode("utf-8")}
    ])
    page.click("#ingest-submit")
    page.wait_for_url(re.compile(r"/documents/[0-9a-f]{24}$"), timeout=120_000)
    assert "Yerlan, a baker" in page.locator("#reader-text").inner_text()
    store = live_server.store()
    try:
        doc = store.load_document(page.url.rsplit("/", 1)[1])
    finally:
        store.close()
    assert doc.text == text and doc.provenance.filename == "baker.txt" and doc.published == "2022-01-09"
