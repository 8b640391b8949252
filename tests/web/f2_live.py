"""A live server of its own for the map, timeline, board, gazetteer and narratives browser tests.

Separate from conftest's shared `live_server`: these tests add hostile and many-place documents, which
must not change what the other pages' tests count. Texts are written for these tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from khronika.model import Document, Event, PlaceRef, ServiceObservation, Victim

try:
    from .live import serve_in_thread
except ImportError:  # imported as a top-level module
    from live import serve_in_thread  # type: ignore[no-redef]

PASSWORDS = {"analyst": "f2-analyst-pass-1", "viewer": "f2-viewer-pass-12"}

HOSTILE_SCRIPT = "<script>alert('x1')</script>"
HOSTILE_IMG = '<img src=x onerror="alert(2)">'
HOSTILE_URL = "javascript:alert(3)"

# Ingested through the pipeline. Places the shipped gazetteer knows; one statement carries markup.
SAMPLES = {
    "teacher": (
        "Aliya, a school teacher:\n"
        "On January 5 at about 4 pm I saw soldiers shooting at protesters on Republic Square. "
        "Two people were killed next to me.\n"
        "Some say the riots were organised from abroad.\n"
        "That evening the internet was down in the whole city.\n"
    ),
    "nurse": (
        "Marat, a nurse:\n"
        "On January 6 in the morning I saw looters burning cars at Astana Square. "
        f"Someone had painted {HOSTILE_SCRIPT} on the wall.\n"
        "People say the riots were organised from abroad by foreign fighters.\n"
        "The ATMs were not working near the akimat.\n"
    ),
}

HOSTILE_PLACE = f"Market {HOSTILE_IMG} {HOSTILE_URL}"
HOSTILE_VICTIM = "Erlan <b onmouseover=alert(4)>Bold</b>"


def hostile_document(make_doc: Any = None) -> Document:
    """A stored document whose place name and statement are markup (as a hostile source could send)."""
    import hashlib

    from khronika.model import Provenance

    text = (f"Report from {HOSTILE_PLACE}: the internet is down. {HOSTILE_VICTIM} was killed. "
            f"Shots fired there {HOSTILE_SCRIPT}")
    raw = text.encode()
    prov = Provenance(channel="file", source=f"src {HOSTILE_URL}", filename="hostile.txt")
    doc = Document(text=text, raw=raw, lang="en", lang_confidence=0.9, published="2022-01-06", title=None,
                   provenance=prov, pipeline=["tests@1"])
    doc.sha256 = hashlib.sha256(raw).hexdigest()
    doc.id = Document.make_id(doc.sha256, prov)
    a = text.index(HOSTILE_PLACE)
    place = PlaceRef(start=a, end=a + len(HOSTILE_PLACE), extractor="tests@1", confidence=0.9,
                     text=HOSTILE_PLACE, name=HOSTILE_PLACE, place_id="user:hostile-market", lat=43.2601,
                     lon=76.9455, precision="point", country="KZ")
    place.assign_id(doc.id)
    s = text.index("Shots fired")
    o = text.index("the internet is down")
    doc.places = [place]
    doc.events = [Event(start=s, end=len(text), extractor="tests@1", confidence=0.7, evidence="witnessed",
                        type="Battles", subtype="Armed clash", date="2022-01-06", place_id=place.id)]
    doc.services = [ServiceObservation(start=o, end=o + 20, extractor="tests@1", confidence=0.8,
                                       evidence="witnessed", service="internet", state="down",
                                       place_id=place.id)]
    v = text.index(HOSTILE_VICTIM)
    doc.victims = [Victim(start=v, end=v + len(HOSTILE_VICTIM) + 11, extractor="tests@1", confidence=0.8,
                          evidence="witnessed", name=HOSTILE_VICTIM, fate="killed", place_id=place.id)]
    return doc


def seed(store: Any, samples: dict[str, str], published: str = "2022-01-07") -> dict[str, str]:
    """Ingest through the Documents page's path (the pipeline, then linking)."""
    from khronika.web.routes.documents import ingest_text

    return {name: ingest_text(store, text.encode(), name=f"{name}.txt", published=published, source=name,
                              lang="en")["doc_id"]
            for name, text in samples.items()}


@dataclass
class F2Server:
    url: str
    db_url: str
    docs: dict[str, str]

    def store(self) -> Any:
        from khronika.store import Store

        return Store(self.db_url)


@contextmanager
def running(tmp: Path) -> Iterator[F2Server]:
    from khronika.link import link_after_save
    from khronika.store import Store
    from khronika.store.accounts import create_user
    from khronika.web.app import create_app

    db_url = f"sqlite:///{tmp / 'f2.db'}"
    store = Store(db_url)
    for role, password in PASSWORDS.items():
        create_user(store, role, role, password)
    docs = seed(store, SAMPLES)
    bad = hostile_document()
    store.save(bad)
    link_after_save(store, bad)
    docs["hostile"] = bad.id
    try:
        with serve_in_thread(create_app(store=store), "khronika-f2-server") as base:
            yield F2Server(base, db_url, docs)
    finally:
        store.close()


@contextmanager
def new_page(browser: Any, server: F2Server, role: str) -> Iterator[Any]:
    """A logged-in page on the F2 server that records dialogs and page errors (see conftest.page)."""
    context = browser.new_context(base_url=server.url, viewport={"width": 1366, "height": 860})
    pg = context.new_page()
    pg.dialogs = []
    pg.errors = []

    def on_dialog(dialog: Any) -> None:
        pg.dialogs.append(dialog.message)
        dialog.dismiss()

    pg.on("dialog", on_dialog)
    pg.on("pageerror", lambda err: pg.errors.append(str(err)))
    pg.set_default_timeout(45_000)  # generous: the CI machine may be busy
    pg.goto("/login")
    pg.fill("#login-name", role)
    pg.fill("#login-password", PASSWORDS[role])
    pg.click("#login-form button[type=submit]")
    pg.wait_for_function("document.cookie.includes('khronika_csrf=')")
    pg.wait_for_url(lambda url: "/login" not in url)  # the login page moves on to the home page
    pg.wait_for_load_state()
    try:
        yield pg
    finally:
        context.close()
