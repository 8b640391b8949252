"""Documents for the redaction, export and round-trip tests: texts written for these tests (the names are
invented), with every person-name field filled, names that occur only inside statements, a private
channel with a sender, exact coordinates, and hostile markup.

`SECRET_NAMES` must never appear in a redacted export; `VICTIM_NAMES` only where the policy keeps
victims; `EXACT_COORDS` never (every policy but "none" blurs them).
"""

from __future__ import annotations

import copy
import hashlib
from functools import lru_cache
from typing import Any

from khronika.model import (
    Actor,
    Document,
    Entity,
    Event,
    PlaceRef,
    Provenance,
    ServiceObservation,
    Statement,
    Testimony,
    TimeRef,
    Victim,
)

EX = "tests.export@1"

# -- document 1: a teacher's testimony, built by hand so every field is known ----------------------

TEACHER = (
    "Gulnara Seitkali, schoolteacher:\n"
    "On 5 January at noon I walked with my niece Dinara to Republic Square. "
    "Soldiers fired at the crowd and Sanzhar Ermekov was killed. "
    "My neighbour Kanat Ibraimov told me that the police detained forty people at Astana Square. "
    "Since that evening the internet has been down in our flat in Auezov. "
    "Dinara still cannot sleep, and Gulnara's sister keeps calling."
)
# Coordinates deliberately off every grid line, with five decimals (no gazetteer row has them).
SQUARE = (43.23871, 76.94562)
ASTANA_SQ = (43.25733, 76.94481)
FLAT = (43.22186, 76.85127)
KIOSK = (43.22314, 76.84373)

# -- document 2: text messages from a private number -------------------------------------------------

SMS = (
    "6 Jan 09:10 - no internet in Auezov since yesterday. My husband Ruslan Bekov went to look for cash, "
    "the kiosk by our block only takes cash. Saule"
)
SMS_SENDER = "+77015550101"

# -- document 3: a hostile report (markup in every text field the report might show) ----------------

HOSTILE = "<script>alert('x')</script> Witnesses saw a car burning at <b>the square</b>."
HOSTILE_TITLE = "<script>alert('title')</script>"
HOSTILE_SOURCE = "Radio <b>Free</b> Steppe"
HOSTILE_PLACE = "<img src=x onerror=alert(1)>"
HOSTILE_COORDS = (43.24417, 76.93329)

# -- documents 4 and 5: run through the real pipeline ---------------------------------------------

PIPELINE_EN = (
    "Voices from the square\n\n"
    "Timur Akhmetov, student: On 6 January the internet was down in Auezov district all day. "
    "My friend Arman Dauletov was shot dead near the akimat. My cousin Yerzhan told me the police "
    "detained forty protesters at Astana Square.\n"
)
PIPELINE_RU = (
    "Рассказывает Марат Жумабаев, водитель.\n"
    "5 января вечером я видел, как военные стреляли у здания акимата. Мы с подругой Айжан Касымовой "
    "спрятались во дворе. Брат Марата видел, как на площади Республики горела машина.\n"
)

# Names no redacted export may contain: witnesses, relayers, relatives and companions named only in
# statements, senders. First names alone too (a part of a name is enough to identify someone).
SECRET_NAMES = (
    "Gulnara Seitkali", "Gulnara", "Seitkali", "Dinara", "Kanat Ibraimov", "Ibraimov", "Kanat",
    "Saule", "Ruslan Bekov", "Ruslan", "Bekov", SMS_SENDER, "Timur Akhmetov", "Akhmetov", "Yerzhan",
    "Марат Жумабаев", "Жумабаев", "Марат", "Айжан", "Касымов",
)
VICTIM_NAMES = ("Sanzhar Ermekov", "Ermekov", "Arman Dauletov", "Dauletov")
EXACT_COORDS = (SQUARE, ASTANA_SQ, FLAT, KIOSK, HOSTILE_COORDS)


def _doc(text: str, *, source: str | None, channel: str = "article", sender: str | None = None,
         title: str | None = None, published: str = "2022-01-07") -> Document:
    raw = text.encode("utf-8")
    prov = Provenance(channel=channel, source=source, sender=sender, filename=f"{abs(hash(text))}.txt")
    doc = Document(text=text, raw=raw, lang="en", lang_confidence=0.9, published=published, title=title,
                   provenance=prov, pipeline=[EX])
    doc.sha256 = hashlib.sha256(raw).hexdigest()
    doc.id = Document.make_id(doc.sha256, prov)
    return doc


def _at(text: str, phrase: str, nth: int = 0) -> dict[str, int]:
    pos = -1
    for _ in range(nth + 1):
        pos = text.index(phrase, pos + 1)
    return {"start": pos, "end": pos + len(phrase)}


def _sentence(text: str, first: str) -> dict[str, int]:
    a = text.index(first)
    return {"start": a, "end": text.index(".", a) + 1}


def _place(text: str, phrase: str, name: str, coords: tuple[float, float], pid: str, prec: str) -> PlaceRef:
    return PlaceRef(**_at(text, phrase), extractor=EX, text=phrase, name=name, place_id=pid,
                    lat=coords[0], lon=coords[1], precision=prec, country="KZ", admin1="Almaty Qalasy")


def teacher_doc() -> Document:
    t = TEACHER
    doc = _doc(t, source="Almaty Voices", title="A teacher at the square")
    tes = Testimony(start=0, end=len(t), extractor=EX, speaker="Gulnara Seitkali", role="schoolteacher",
                    header_start=0, header_end=t.index("\n"))
    tes.assign_id(doc.id)
    firsts = ["On 5 January", "Soldiers fired", "My neighbour", "Since that evening", "Dinara still"]
    sts = []
    for first in firsts:
        relayed = first == "My neighbour"
        st = Statement(**_sentence(t, first), extractor=EX, testimony_id=tes.id,
                       evidence="relayed" if relayed else "witnessed",
                       relayer="Kanat Ibraimov" if relayed else None, cue="told me" if relayed else None)
        st.assign_id(doc.id)
        sts.append(st)
    noon = TimeRef(**_at(t, "5 January at noon"), extractor=EX, text="5 January at noon",
                   value="2022-01-05T12", begin="2022-01-05T06:00:00Z", until="2022-01-05T07:00:00Z",
                   tz="Asia/Almaty", precision="hour", resolved=True)
    evening = TimeRef(**_at(t, "that evening"), extractor=EX, text="that evening", value="2022-01-05TEV",
                      begin="2022-01-05T12:00:00Z", until="2022-01-05T18:00:00Z", tz="Asia/Almaty",
                      precision="part_of_day", resolved=True)
    square = _place(t, "Republic Square", "Republic Square", SQUARE, "local:almaty:republic-square", "point")
    astana = _place(t, "Astana Square", "Astana Square", ASTANA_SQ, "local:almaty:astana-square", "point")
    flat = _place(t, "Auezov", "Auezov District", FLAT, "local:almaty:auezov", "district")
    for it in (noon, evening, square, astana, flat):
        it.assign_id(doc.id)
    doc.testimonies, doc.statements = [tes], sts
    doc.times, doc.places = [noon, evening], [square, astana, flat]
    loc = {"name": "Republic Square", "lat": SQUARE[0], "lon": SQUARE[1], "precision": "point",
           "country": "KZ", "admin1": "Almaty Qalasy", "place_id": "local:almaty:republic-square"}
    loc2 = {"name": "Astana Square", "lat": ASTANA_SQ[0], "lon": ASTANA_SQ[1], "precision": "point",
            "country": "KZ", "admin1": "Almaty Qalasy", "place_id": "local:almaty:astana-square"}
    doc.events = [
        Event(**_at(t, "fired"), extractor=EX, statement_id=sts[1].id, evidence="witnessed",
              type="Violence against civilians", subtype="Attack", date="2022-01-05", time_id=noon.id,
              place_id=square.id, location=loc, fatalities=1,
              actors=[Actor(name="Military Forces of Kazakhstan", inter=1),
                      Actor(name="Civilians (Kazakhstan)", inter=7)]),
        Event(**_at(t, "detained"), extractor=EX, statement_id=sts[2].id, evidence="relayed",
              type="Strategic developments", subtype="Arrests", date="2022-01-05", place_id=astana.id,
              location=loc2, actors=[Actor(name="Police Forces of Kazakhstan", inter=1)]),
    ]
    doc.services = [ServiceObservation(**_at(t, "internet has been down"), extractor=EX,
                                       statement_id=sts[3].id, evidence="witnessed", service="internet",
                                       state="down", time_id=evening.id, place_id=flat.id)]
    doc.victims = [Victim(**_at(t, "Sanzhar Ermekov"), extractor=EX, statement_id=sts[1].id,
                          evidence="witnessed", name="Sanzhar Ermekov", fate="killed", time_id=noon.id,
                          place_id=square.id, perpetrator="soldiers",
                          circumstances="Soldiers fired at the crowd and Sanzhar Ermekov was killed.")]
    doc.entities = [Entity(**_at(t, n, k), extractor=EX, label="PER", text=n)
                    for n, k in (("Gulnara Seitkali", 0), ("Dinara", 0), ("Sanzhar Ermekov", 0),
                                 ("Kanat Ibraimov", 0))]
    return doc


def sms_doc() -> Document:
    t = SMS
    doc = _doc(t, source="Saule", channel="sms", sender=SMS_SENDER, published="2022-01-06T09:12:00")
    tes = Testimony(start=0, end=len(t), extractor=EX, speaker="Saule", is_author=True)
    tes.assign_id(doc.id)
    st = Statement(**_sentence(t, "6 Jan"), extractor=EX, testimony_id=tes.id, evidence="witnessed")
    st.assign_id(doc.id)
    kiosk = _place(t, "Auezov", "Auezov District", KIOSK, "local:almaty:auezov", "district")
    kiosk.assign_id(doc.id)
    doc.testimonies, doc.statements, doc.places = [tes], [st], [kiosk]
    doc.services = [ServiceObservation(**_at(t, "no internet"), extractor=EX, statement_id=st.id,
                                       evidence="witnessed", service="internet", state="down",
                                       place_id=kiosk.id),
                    ServiceObservation(**_at(t, "only takes cash"), extractor=EX, statement_id=st.id,
                                       evidence="witnessed", service="card_payments", state="down",
                                       place_id=kiosk.id)]
    doc.entities = [Entity(**_at(t, "Ruslan Bekov"), extractor=EX, label="PER", text="Ruslan Bekov")]
    return doc


def hostile_doc() -> Document:
    t = HOSTILE
    doc = _doc(t, source=HOSTILE_SOURCE, title=HOSTILE_TITLE, published="2022-01-06")
    tes = Testimony(start=0, end=len(t), extractor=EX, is_author=True)
    tes.assign_id(doc.id)
    st = Statement(**_sentence(t, "Witnesses saw"), extractor=EX, testimony_id=tes.id, evidence="hearsay")
    st.assign_id(doc.id)
    doc.testimonies, doc.statements = [tes], [st]
    loc = {"name": HOSTILE_PLACE, "lat": HOSTILE_COORDS[0], "lon": HOSTILE_COORDS[1], "precision": "point",
           "country": "KZ", "admin1": "Almaty Qalasy"}
    doc.events = [Event(**_at(t, "burning"), extractor=EX, statement_id=st.id, evidence="hearsay",
                        type="Riots", subtype="Violent demonstration", date="2022-01-06", location=loc)]
    return doc


@lru_cache(maxsize=1)
def _pipeline_docs() -> tuple[Document, ...]:
    from khronika.intake import make_document
    from khronika.pipeline import default_pipeline

    pipe = default_pipeline()
    out = []
    texts = ((PIPELINE_EN, "en", "Steppe Voices"), (PIPELINE_RU, "ru", "Городской вестник"))
    for text, lang, source in texts:
        doc = make_document(text.encode("utf-8"), name=f"{lang}.txt", published="2022-01-07", lang=lang,
                            provenance=Provenance(channel="article", source=source, filename=f"{lang}.txt"))
        pipe(doc)
        out.append(doc)
    return tuple(out)


def all_docs(*, pipeline: bool = True) -> list[Document]:
    docs = [teacher_doc(), sms_doc(), hostile_doc()]
    if pipeline:
        docs += [copy.deepcopy(d) for d in _pipeline_docs()]
    return docs


def fill(store: Any, *, pipeline: bool = True) -> list[Document]:
    """Save and link every fixture document into `store`."""
    from khronika.link import link_after_save

    docs = all_docs(pipeline=pipeline)
    for d in docs:
        store.save(d)
        link_after_save(store, d)
    return docs


def coord_strings(coords: tuple[float, float]) -> list[str]:
    """How an exact coordinate could be spelt in an export."""
    out = []
    for v in coords:
        out += [repr(v), f"{v:.4f}", f"{v:.5f}"]
    return out
