"""Browser-test infrastructure: a live Khronika server and a real headless Chromium.

- `live_server`: uvicorn on a free loopback port, in a thread of this process (so the pipeline, loaded
  once, serves both the seeding and the server), over a temporary SQLite store seeded with the users
  admin / analyst / viewer and a few testimonies written for these tests.
- `browser` / `page`: Debian's /usr/bin/chromium driven by Playwright from PyPI (never `playwright
  install`), with the flags the project requires. Each `page` has its own cookies, records every
  JavaScript dialog in `page.dialogs` (a fired dialog means injected script ran) and page errors in
  `page.errors`.
- `shot(page, name)`: a screenshot in test-artifacts/ at the repository root (git-ignored).

Without chromium or playwright the browser tests are skipped with a clear message;
KHRONIKA_REQUIRE_BROWSER=1 (set by .ci/run) turns that skip into a failure.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .live import serve_in_thread

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-gpu"
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORDS = {"admin": "admin-pass-123", "analyst": "analyst-pass-123", "viewer": "viewer-pass-123"}

# Written for these tests. Two witnesses of one shooting (disagreeing on the toll) and an SMS-like note.
SAMPLES = {
    "driver": (
        "Daniyar, a taxi driver:\n"
        "On January 5 in the evening I saw soldiers shooting at the crowd near Republic Square. "
        "Three people were killed in front of me.\n"
        "My sister says the internet was down in the whole city that night.\n"
    ),
    "pharmacist": (
        "Gulnara, a pharmacist:\n"
        "On January 5 we heard shooting at Republic Square, I saw soldiers firing at the protesters. "
        "Five people were killed there.\n"
        "The ATMs were not working and we could not pay by card.\n"
    ),
}


@dataclass
class LiveServer:
    url: str
    db_url: str
    docs: dict[str, str]  # sample name -> document id

    def store(self) -> Any:
        """A second Store on the same database, to check what the browser did."""
        from khronika.store import Store

        return Store(self.db_url)


def seed(store: Any, samples: dict[str, str], published: str = "2022-01-07") -> dict[str, str]:
    """Ingest texts through the same path as the browser's ingest form; returns name -> document id."""
    from khronika.web.routes.documents import ingest_text

    out = {}
    for name, text in samples.items():
        res = ingest_text(store, text.encode("utf-8"), name=f"{name}.txt", published=published, source=name,
                          lang="en")
        out[name] = res["doc_id"]
    return out


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from khronika.store import Store
    from khronika.store.accounts import create_user
    from khronika.web.app import create_app

    os.environ.setdefault("KHRONIKA_HOME", str(tmp_path_factory.mktemp("khome")))
    db_url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'khronika.db'}"
    store = Store(db_url)
    for role, password in PASSWORDS.items():
        create_user(store, role, role, password)
    docs = seed(store, SAMPLES)
    try:
        with serve_in_thread(create_app(store=store)) as base:
            yield LiveServer(base, db_url, docs)
    finally:
        store.close()


def _browser_missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed in the venv"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium)"
    return None


@pytest.fixture(scope="session")
def ingest(live_server: LiveServer) -> Callable[..., dict[str, str]]:
    """Store more texts in the live server's database: ingest({"name": text}, published=...)."""

    def do(samples: dict[str, str], published: str = "2022-01-07") -> dict[str, str]:
        store = live_server.store()
        try:
            return seed(store, samples, published)
        finally:
            store.close()

    return do


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    missing = _browser_missing()
    if missing:
        msg = f"BROWSER TESTS NOT RUN: {missing}"
        if os.environ.get("KHRONIKA_REQUIRE_BROWSER") == "1":
            pytest.fail(msg + " [KHRONIKA_REQUIRE_BROWSER=1]")
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 860})
    pg = context.new_page()
    pg.dialogs = []
    pg.errors = []

    def on_dialog(dialog: Any) -> None:
        pg.dialogs.append(dialog.message)
        dialog.dismiss()

    pg.on("dialog", on_dialog)
    pg.on("pageerror", lambda err: pg.errors.append(str(err)))
    pg.set_default_timeout(20_000)
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def login(live_server: LiveServer) -> Callable[[Any, str], None]:
    """Log a page in through the login form as admin, analyst or viewer."""

    def do(pg: Any, role: str) -> None:
        pg.goto("/login")
        pg.fill("#login-name", role)
        pg.fill("#login-password", PASSWORDS[role])
        with pg.expect_navigation():  # the form logs in, then moves on to the workbench
            pg.click("#login-form button[type=submit]")
        assert "/login" not in pg.url, f"login as {role} failed"

    return do


@pytest.fixture
def shot() -> Callable[[Any, str], Path]:
    def take(pg: Any, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        pg.evaluate("window.scrollTo(0, 0)")  # else the sticky top bar lands mid-page in the image
        pg.screenshot(path=str(path), full_page=True)
        return path

    return take
