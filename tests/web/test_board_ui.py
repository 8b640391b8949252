"""Board, narratives and gazetteer pages in real Chromium, the empty states, and hostile text as text."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

try:  # tests/web is a package once it has an __init__.py; until then its folder is on sys.path
    from .f2_live import (
        HOSTILE_IMG,
        HOSTILE_PLACE,
        HOSTILE_SCRIPT,
        HOSTILE_VICTIM,
        F2Server,
        new_page,
        running,
    )
except ImportError:
    from f2_live import (  # type: ignore[no-redef]
        HOSTILE_IMG,
        HOSTILE_PLACE,
        HOSTILE_SCRIPT,
        HOSTILE_VICTIM,
        F2Server,
        new_page,
        running,
    )


@pytest.fixture(scope="module")
def f2(tmp_path_factory: pytest.TempPathFactory) -> Iterator[F2Server]:
    from khronika.geo.gazetteer import Gazetteer
    from khronika.paths import data_home

    # Places added through the page go to KHRONIKA_HOME/gazetteer.csv: a home of this module's own,
    # with the built world index copied over (building it again takes a while).
    home = tmp_path_factory.mktemp("f2home")
    if (data_home() / "cache").is_dir():
        shutil.copytree(data_home() / "cache", home / "cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KHRONIKA_HOME", str(home))
        mp.setattr(Gazetteer, "_shared", None)  # loaded again from this home, and forgotten afterwards
        with running(tmp_path_factory.mktemp("f2board")) as server:
            yield server


def _no_injection(pg: Any) -> None:
    assert pg.dialogs == [] and pg.errors == []
    assert pg.locator("main b[onmouseover]").count() == 0
    assert pg.locator("img[src='x']").count() == 0
    assert pg.locator("main script").count() == 0
    assert pg.locator("main a[href^='javascript']").count() == 0


def test_board_shows_services_by_place_and_the_register(browser: Any, f2: F2Server,
                                                        shot: Callable[[Any, str], Path]) -> None:
    from khronika.register import register

    with f2.store() as s:
        expected = {(e["service"], e["place"]) for e in s.board()}
        victims = register(s.victim_rows())
    assert ("internet", HOSTILE_PLACE) in expected
    with new_page(browser, f2, "analyst") as pg:
        pg.goto("/board")
        rows = pg.locator(".board-table tbody tr")
        assert rows.count() == len(expected)
        hostile = pg.locator(".board-table tbody tr", has_text="Market")
        assert hostile.count() == 1
        cells = hostile.locator("td").all_inner_texts()
        assert cells[0] == "internet" and cells[1] == HOSTILE_PLACE and cells[2] == "down"
        assert pg.locator(".board-matrix th[scope=row]", has_text=HOSTILE_IMG).count() == 1
        assert pg.locator(".register-table tbody tr").count() == len(victims) >= 1
        assert pg.locator(".register-table td", has_text=HOSTILE_VICTIM).count() == 1
        _no_injection(pg)
        shot(pg, "board")


def test_board_for_a_viewer_is_redacted_but_readable(browser: Any, f2: F2Server) -> None:
    with new_page(browser, f2, "viewer") as pg:
        pg.goto("/board")
        assert pg.locator(".board-table tbody tr").count() >= 1
        data = json.loads(pg.evaluate("fetch('/api/board').then(r => r.text())"))
        assert all("sources" not in e for e in data["entries"])  # source keys name senders: never shown
        _no_injection(pg)


def test_narratives_group_claims_with_holders(browser: Any, f2: F2Server,
                                              shot: Callable[[Any, str], Path]) -> None:
    with f2.store() as s:
        narratives = s.narratives()
    with new_page(browser, f2, "analyst") as pg:
        pg.goto("/narratives")
        assert pg.locator("section.narr").count() == len(narratives)
        if narratives:  # both samples hold that "the riots were organised from abroad"
            biggest = max(narratives, key=lambda n: n["n_claims"])
            assert pg.locator(".claims li").count() == sum(n["n_claims"] for n in narratives)
            first = pg.locator("section.narr").first
            assert biggest["label"] in first.inner_text()
        else:
            assert "No narratives yet" in pg.locator("main").inner_text()
        _no_injection(pg)
        shot(pg, "narratives")


def test_gazetteer_add_by_clicking_the_map_then_edit(browser: Any, f2: F2Server,
                                                     shot: Callable[[Any, str], Path]) -> None:
    name = f"Kiosk {HOSTILE_SCRIPT}"
    with new_page(browser, f2, "analyst") as pg:
        pg.goto("/gazetteer")
        pg.wait_for_selector("body[data-map-ready='1']")
        box = pg.locator("#gaz-map").bounding_box()
        assert box is not None
        pg.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        lat = float(pg.input_value("#gaz-form input[name=lat]"))
        lon = float(pg.input_value("#gaz-form input[name=lon]"))
        assert 42 < lat < 45 and 75 < lon < 79  # the map opens on Almaty
        pg.fill("#gaz-form input[name=name]", name)
        pg.fill("#gaz-form input[name=source]", "site visit")
        pg.click("#gaz-save")
        pg.wait_for_function("document.getElementById('gaz-save').textContent === 'Save changes'")
        assert pg.locator("#gaz-results li .name").first.inner_text() == name
        pg.fill("#gaz-form input[name=lat]", "43.2222")
        pg.click("#gaz-save")
        pg.wait_for_function(
            "document.querySelector('#gaz-results li .small').textContent.includes('43.2222')")
        _no_injection(pg)
        shot(pg, "gazetteer")
    with f2.store() as s:
        entries = [json.loads(e["payload"]) for e in s.audit_entries() if e["kind"] == "gazetteer"]
    assert [(e["action"], e["place"]["name"], e["by"]) for e in entries] == [
        ("add", name, "analyst"), ("edit", name, "analyst")]
    assert entries[1]["place"]["lat"] == pytest.approx(43.2222)


def test_gazetteer_is_read_only_for_viewers(browser: Any, f2: F2Server) -> None:
    with new_page(browser, f2, "viewer") as pg:
        pg.goto("/gazetteer")
        pg.wait_for_selector("body[data-map-ready='1']")
        assert pg.locator("#gaz-form").count() == 0
        pg.fill("#gaz-q", "Republic")
        pg.press("#gaz-q", "Enter")
        pg.wait_for_selector("#gaz-results li .name:text('Republic Square')")
        status = pg.evaluate("""fetch('/api/gazetteer', {method: 'POST', headers: {'Content-Type':
            'application/json', 'X-CSRF-Token': K.cookie('khronika_csrf')}, body: JSON.stringify(
            {name: 'X', lat: 43, lon: 76})}).then(r => r.status)""")
        assert status == 403


def test_pages_teach_when_the_store_is_empty(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from khronika.store import Store
    from khronika.store.accounts import create_token, create_user
    from khronika.web.app import create_app

    with Store(f"sqlite:///{tmp_path / 'empty.db'}") as store:
        create_user(store, "ana", "analyst", "empty-store-pass-1")
        headers = {"Authorization": f"Bearer {create_token(store, 'ana', 'test')}"}
        client = TestClient(create_app(store=store))
        for path, hint in (("/map", "No events yet"), ("/timeline", "No incidents yet"),
                           ("/board", "No service reports yet"), ("/narratives", "No narratives yet")):
            html = client.get(path, headers=headers).text
            assert hint in html and "khronika ingest" in html, path
        assert client.get("/api/map?zoom=5", headers=headers).json() == {
            "mode": "clusters", "total": 0, "cell_degrees": pytest.approx(2.8125), "clusters": []}
        assert client.get("/map", follow_redirects=False).headers["location"].startswith("/login")
