"""The Map page in real Chromium: markers when zoomed in, server clusters at low zoom, filters, and
hostile place names and statements rendered as text."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

try:  # tests/web is a package once it has an __init__.py; until then its folder is on sys.path
    from .f2_live import HOSTILE_IMG, HOSTILE_SCRIPT, F2Server, new_page, running
except ImportError:
    from f2_live import HOSTILE_IMG, HOSTILE_SCRIPT, F2Server, new_page, running  # type: ignore[no-redef]


@pytest.fixture(scope="module")
def f2(tmp_path_factory: pytest.TempPathFactory) -> Iterator[F2Server]:
    with running(tmp_path_factory.mktemp("f2map")) as server:
        yield server


def _open_map(pg: Any, view: str) -> None:
    pg.goto(f"/map#{view}")
    pg.wait_for_selector("body[data-map-ready='1']")
    pg.wait_for_function("document.getElementById('map').dataset.total !== undefined")


def _located_events(f2: F2Server) -> int:
    with f2.store() as s:
        return sum(1 for e in s.chronicle() if e["lat"] is not None)


def test_markers_when_zoomed_in_and_hostile_text_stays_text(
    browser: Any, f2: F2Server, shot: Callable[[Any, str], Path]
) -> None:
    with new_page(browser, f2, "analyst") as pg:
        _open_map(pg, "43.2490,76.9450,14")  # Republic Square, Astana Square and the hostile market
        assert pg.get_attribute("#map", "data-mode") == "markers"
        assert int(pg.get_attribute("#map", "data-total") or 0) >= 3
        assert pg.locator(".ev-pin").count() + pg.locator(".marker-cluster").count() >= 2
        pg.click(".leaflet-marker-icon[title='Battles']")  # the hostile document's one event
        popup = pg.locator(".leaflet-popup-content")
        popup.wait_for()
        assert HOSTILE_IMG in popup.inner_text()  # the place name, shown as typed
        assert HOSTILE_SCRIPT in popup.inner_text()  # the statement
        assert pg.locator("img[src='x']").count() == 0
        assert pg.locator(".leaflet-popup-content a[href^='javascript']").count() == 0
        shot(pg, "map")
        assert pg.dialogs == [] and pg.errors == []


def test_server_sends_clusters_at_low_zoom(browser: Any, f2: F2Server) -> None:
    with new_page(browser, f2, "viewer") as pg:
        _open_map(pg, "47.0,70.0,5")  # all of Kazakhstan: every sample place is in Almaty
        assert pg.get_attribute("#map", "data-mode") == "clusters"
        clusters = pg.locator(".server-cluster")
        assert clusters.count() == 1
        assert int(clusters.first.inner_text()) == _located_events(f2)
        assert pg.locator(".ev-pin").count() == 0
        assert pg.dialogs == [] and pg.errors == []


def test_type_filter_narrows_the_map(browser: Any, f2: F2Server) -> None:
    with new_page(browser, f2, "analyst") as pg:
        _open_map(pg, "43.2490,76.9450,14")
        before = int(pg.get_attribute("#map", "data-total") or 0)
        pg.check("#f-types input[value='Battles']")
        pg.wait_for_function("document.getElementById('map').dataset.total === '1'")
        assert pg.locator(".ev-pin").count() == 1 and before > 1
        pg.click("#f-reset")
        pg.wait_for_function(f"document.getElementById('map').dataset.total === '{before}'")


def test_hostile_statement_on_the_timeline_is_text(browser: Any, f2: F2Server,
                                                   shot: Callable[[Any, str], Path]) -> None:
    with new_page(browser, f2, "analyst") as pg:
        pg.goto("/timeline")
        items = pg.locator(".tl-item")
        assert items.count() >= 3
        assert HOSTILE_SCRIPT in pg.locator("main").inner_text()
        assert pg.locator("main script").count() == 0
        assert pg.locator("img[src='x']").count() == 0
        pg.select_option("select[name=type]", "Battles")
        pg.click(".tl-filters button[type=submit]")
        pg.wait_for_url("**/timeline?*")
        assert pg.locator(".tl-item").count() == 1
        pg.goto("/timeline")
        shot(pg, "timeline")
        assert pg.dialogs == [] and pg.errors == []
