"""Shared fixtures: stores on real SQLite and real PostgreSQL, and documents built in code.

PostgreSQL: `KHRONIKA_PG_URL`, else the database `scripts/pg-up.sh` creates. When it cannot be reached
the PG cases are skipped with a warning, unless `KHRONIKA_REQUIRE_PG=1`, which makes that a failure.
Every PG test gets its own schema (search_path set in the URL), dropped afterwards.
"""

from __future__ import annotations

import hashlib
import os
import uuid
import warnings
from collections.abc import Callable, Iterator
from typing import Any, TypedDict

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from khronika.model import (
    Actor,
    Claim,
    Document,
    Entity,
    Event,
    Need,
    PlaceRef,
    Provenance,
    ServiceObservation,
    Statement,
    Testimony,
    TimeRef,
    Victim,
)

DEFAULT_PG_URL = "postgresql+psycopg://khronika_test:khronika_test@127.0.0.1:5432/khronika_test"


# -- PostgreSQL -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_url() -> str:
    url = os.environ.get("KHRONIKA_PG_URL") or DEFAULT_PG_URL
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as e:
        where = make_url(url).render_as_string(hide_password=True)
        msg = (f"POSTGRESQL UNREACHABLE at {where} ({type(e).__name__}: {str(e).splitlines()[0]}); "
               "PG tests NOT RUN. Start it with: export KHRONIKA_PG_URL=$(scripts/pg-up.sh | tail -n1)")
        if os.environ.get("KHRONIKA_REQUIRE_PG") == "1":
            pytest.fail(msg + " [KHRONIKA_REQUIRE_PG=1]")
        warnings.warn(msg, stacklevel=1)
        pytest.skip(msg)
    return url


def _admin(url: str, sql: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(sql))
    finally:
        engine.dispose()


@pytest.fixture
def pg_schema_url(pg_url: str) -> Iterator[str]:
    """A URL whose connections live in a fresh, empty schema."""
    schema = "t_" + uuid.uuid4().hex[:16]
    _admin(pg_url, f'CREATE SCHEMA "{schema}"')
    url = make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        _admin(pg_url, f'DROP SCHEMA "{schema}" CASCADE')


# -- stores -----------------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def store_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'khronika.db'}"
    return str(request.getfixturevalue("pg_schema_url"))


@pytest.fixture
def store(store_url: str) -> Iterator[Any]:
    from khronika.store import Store

    s = Store(store_url)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def raw_sql(store_url: str) -> Iterator[Callable[..., Any]]:
    """Run SQL straight on the database, behind the store's back (for tamper tests)."""
    engine = sa.create_engine(store_url)

    def run(sql: str, **params: Any) -> list[Any]:
        with engine.begin() as conn:
            res = conn.execute(sa.text(sql), params)
            return list(res) if res.returns_rows else []

    yield run
    engine.dispose()


# -- documents --------------------------------------------------------------------------------------

# Written for these tests; not taken from any corpus.
FULL_TEXT = (
    "Told by Aigerim, a nurse from Auezov district.\n"
    "On January 5 at noon I saw soldiers shooting at people near Republic Square. "
    "Two young men were killed there. "
    "My brother says the internet was down in the whole city that evening. "
    "Some say the riots were organised from abroad. "
    "We urgently need insulin for the hospital."
)


def span(text: str, phrase: str, nth: int = 0) -> tuple[int, int]:
    """Offsets of the nth occurrence of `phrase` in `text` (fails loudly when absent)."""
    pos = -1
    for _ in range(nth + 1):
        pos = text.index(phrase, pos + 1)
    return pos, pos + len(phrase)


def new_doc(text: str, *, source: str = "test", published: str | None = "2022-01-08", lang: str = "en",
            title: str | None = None) -> Document:
    raw = text.encode("utf-8")
    prov = Provenance(channel="file", source=source, filename=f"{source}.txt")
    doc = Document(text=text, raw=raw, lang=lang, lang_confidence=0.93, published=published, title=title,
                   provenance=prov, pipeline=["khronika.segment@1", "khronika.events@1"])
    doc.sha256 = hashlib.sha256(raw).hexdigest()
    doc.id = Document.make_id(doc.sha256, prov)
    return doc


def build_full_doc(source: str = "test") -> Document:
    """A document with at least one item in every layer, cross-referenced by id."""
    text = FULL_TEXT
    doc = new_doc(text, source=source, title="A nurse's account")
    ex = "khronika.test@1"
    t = Testimony(start=0, end=len(text), extractor=ex, confidence=0.9, speaker="Aigerim", role="nurse",
                  header_start=0, header_end=text.index("\n"))
    t.assign_id(doc.id)
    sentences = ["On January 5 at noon", "Two young men", "My brother says", "Some say", "We urgently"]
    levels = ["witnessed", "witnessed", "relayed", "belief", "witnessed"]
    stmts = []
    for first, level in zip(sentences, levels, strict=True):
        s0 = text.index(first)
        s1 = text.index(".", s0) + 1
        st = Statement(start=s0, end=s1, extractor=ex, confidence=0.8, testimony_id=t.id, evidence=level,
                       relayer="My brother" if level == "relayed" else None,
                       cue="says" if level == "relayed" else None)
        st.assign_id(doc.id)
        stmts.append(st)
    noon = TimeRef(**_s(text, "January 5 at noon"), extractor=ex, confidence=0.7, text="January 5 at noon",
                   value="2022-01-05T12", begin="2022-01-05T06:00:00Z", until="2022-01-05T07:00:00Z",
                   tz="Asia/Almaty", precision="hour", resolved=True)
    evening = TimeRef(**_s(text, "that evening"), extractor=ex, confidence=0.6, text="that evening",
                      value="2022-01-05TEV", begin="2022-01-05T12:00:00Z", until="2022-01-05T18:00:00Z",
                      tz="Asia/Almaty", precision="part_of_day", resolved=True)
    square = PlaceRef(**_s(text, "Republic Square"), extractor=ex, confidence=0.9, text="Republic Square",
                      name="Republic Square", place_id="almaty-republic-square", lat=43.2383, lon=76.9453,
                      precision="point", country="Kazakhstan", admin1="Almaty")
    district = PlaceRef(**_s(text, "Auezov district"), extractor=ex, confidence=0.8, text="Auezov district",
                        name="Auezov District", place_id="almaty-auezov", lat=43.235, lon=76.85,
                        precision="district", country="Kazakhstan", admin1="Almaty")
    for it in (noon, evening, square, district):
        it.assign_id(doc.id)
    doc.testimonies = [t]
    doc.statements = stmts
    doc.times = [noon, evening]
    doc.places = [square, district]
    doc.events = [
        Event(**_s(text, "shooting"), extractor=ex, confidence=0.75, statement_id=stmts[0].id,
              evidence="witnessed", type="Violence against civilians", subtype="Attack", date="2022-01-05",
              time_id=noon.id, place_id=square.id,
              location={"name": "Republic Square", "lat": 43.2383, "lon": 76.9453, "precision": "point"},
              actors=[Actor(name="Military Forces of Kazakhstan", inter=1),
                      Actor(name="Civilians (Kazakhstan)", inter=7)],
              fatalities=2, salience=0.8),
        Event(**_s(text, "riots"), extractor=ex, confidence=0.4, statement_id=stmts[3].id, evidence="belief",
              type="Riots", subtype="Violent demonstration", family="acled"),
    ]
    doc.services = [
        ServiceObservation(**_s(text, "internet was down"), extractor=ex, confidence=0.85,
                           statement_id=stmts[2].id, evidence="relayed", service="internet", state="down",
                           qualifiers={"scope": "city"}, time_id=evening.id),
    ]
    doc.claims = [Claim(**_s(text, "the riots were organised from abroad"), extractor=ex, confidence=0.5,
                        statement_id=stmts[3].id, holder="some", hedge="say",
                        proposition="the riots were organised from abroad", topic="foreign_involvement")]
    doc.victims = [Victim(**_s(text, "Two young men were killed"), extractor=ex, confidence=0.7,
                          statement_id=stmts[1].id, evidence="witnessed", count=2, fate="killed",
                          time_id=noon.id, place_id=square.id, perpetrator="soldiers", needs=["burial"])]
    doc.needs = [Need(**_s(text, "insulin"), extractor=ex, confidence=0.9, statement_id=stmts[4].id,
                      evidence="witnessed", need="medicine", time_id=None, place_id=None)]
    doc.entities = [Entity(**_s(text, "Aigerim"), extractor=ex, confidence=0.95, label="PER", text="Aigerim"),
                    Entity(**_s(text, "Republic Square"), extractor=ex, confidence=0.9, label="LOC",
                           text="Republic Square")]
    return doc


class Span(TypedDict):
    start: int
    end: int


def _s(text: str, phrase: str) -> Span:
    a, b = span(text, phrase)
    return {"start": a, "end": b}


@pytest.fixture
def full_doc() -> Callable[..., Document]:
    return build_full_doc


@pytest.fixture
def make_doc() -> Callable[..., Document]:
    return new_doc
