"""Hostile testimony text renders as text on every page, in real Chromium: no dialog fires, the literal
text is visible where the page shows that text, and no element is created from it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from khronika.store import reviews as rv

SCRIPT = "<script>alert('xss-script')</script>"
IMG = "<img src=x onerror=alert('xss-img')>"
LINK = "<a href=\"javascript:alert('xss-link')\">details</a>"
SOURCE = "<svg onload=alert('xss-source')>"
# Written for this test: a testimony that carries the three payloads inside its statements.
HOSTILE = (
    f"Marat {SCRIPT}, a courier:\n"
    f"On January 5 I saw soldiers shooting at the crowd near Republic Square {IMG}. "
    f"Two people were killed there {LINK}.\n"
    f"The internet was down in the whole city {SCRIPT}.\n"
)
PAGES = ["/", "/documents", "/documents?q=courier", "/review", "/review?kind=event", "/incidents",
         "/map", "/timeline", "/board", "/gazetteer", "/narratives"]
# Elements the payloads would create if they were parsed as HTML.
INJECTED = ", ".join([
    "img[src='x']",
    "[onerror]",
    "[onload]",
    "a[href^='javascript:' i]",
    "script:not([src]):not([type='application/json'])",
])


@pytest.fixture(scope="module")
def hostile(live_server: Any, ingest: Callable[..., dict[str, str]]) -> dict[str, Any]:
    doc_id = ingest({SOURCE: HOSTILE}, published="2022-01-06")[SOURCE]  # also the source's name
    store = live_server.store()
    try:
        doc = store.load_document(doc_id)
        # Reviewers' words are hostile too: they reach the JS-built detail panel and the incident page.
        rv.record_review(store, doc.events[0].id, "edit", reviewer="analyst", edits={"place": IMG},
                         reason=LINK)
        incident = next(
            i["id"] for i in store.incidents() if any(m["doc_id"] == doc_id for m in i["members"])
        )
    finally:
        store.close()
    assert doc.events, "the hostile testimony must yield events, or the pages would not show its text"
    return {"doc_id": doc_id, "incident": incident}


def _assert_inert(page: Any, where: str) -> None:
    assert page.dialogs == [], f"{where}: a dialog fired: {page.dialogs}"
    assert page.locator(INJECTED).count() == 0, f"{where}: an element was created from testimony text"
    assert page.errors == [], f"{where}: page errors {page.errors}"


@pytest.mark.parametrize("role", ["analyst", "viewer"])
def test_hostile_text_is_inert_on_every_page(page: Any, login: Any, hostile: dict[str, Any], role: str,
                                             shot: Any) -> None:
    login(page, role)
    pages = [*PAGES, f"/documents/{hostile['doc_id']}", f"/incidents/{hostile['incident']}"]
    for path in pages:
        response = page.goto(path)
        assert response is not None and response.status == 200, f"{role} {path}: status {response}"
        page.wait_for_load_state("networkidle")
        _assert_inert(page, f"{role} {path}")
    page.goto(f"/documents/{hostile['doc_id']}")
    for item in page.locator("#items li").all():  # the detail panel is built by JS: click every item
        item.click()
        _assert_inert(page, f"{role} reader item")
    if role == "analyst":
        shot(page, "reader-hostile")


def test_hostile_text_is_shown_literally(page: Any, login: Any, hostile: dict[str, Any]) -> None:
    login(page, "analyst")
    page.goto(f"/documents/{hostile['doc_id']}")
    text = page.locator("#reader-text").inner_text()
    for payload in (SCRIPT, IMG, LINK):
        assert payload in text
    page.goto("/documents")
    row = page.locator(f'tr[data-doc="{hostile["doc_id"]}"]').inner_text()
    assert SCRIPT in row and SOURCE in row  # the title and the source
    page.goto("/review")
    queue = page.locator("#queue").inner_text()
    assert IMG in queue or LINK in queue or SCRIPT in queue
    page.goto(f"/documents/{hostile['doc_id']}")
    page.locator("#items li[data-kind=event]").first.click()
    detail = page.locator("#item-detail").inner_text()
    assert IMG in detail and LINK in detail  # the correction and the reason, built by JS
    page.goto(f"/incidents/{hostile['incident']}")
    assert any(p in page.locator("#members").inner_text() for p in (SCRIPT, IMG, LINK))
    _assert_inert(page, "literal check")
