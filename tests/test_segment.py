"""khronika.segment: speakers (testimonies), sentence splitting, the component contract.

The texts are written for these tests (an invented week of unrest in Karaganda); expected values
are read off the texts themselves.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from khronika import model, registry, vocab
from khronika.model import Document
from khronika.segment import segment
from khronika.segment.speakers import find_testimonies, heading_line, lexicon
from khronika.segment.statements import split_sentences

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"  # ../shared beside the repo

EN_HEADINGS = """Night of fires in Karaganda: residents describe three days of chaos

Karaganda residents told us how their city lived through the unrest. Shops in the centre stayed shut.

Baker Dana Orlova

We closed the bakery on Tuesday and slept on the floor of the shop. I saw two cars burning.

Timur Beks, taxi driver

In the morning an SMS arrived: stay indoors. The banks did not open.

Surgeon Kamila Nurova:

Some believe that the riots were organised in advance.

Paramedic and volunteer Ruslan Ospanov

According to my cousin, the crowd came from the suburbs in buses.
"""

EN_QUOTES_QA = """Queues and rumours on the left bank

The left bank woke up without gas on Thursday.
"We boiled snow for tea," said Marat Ismailov, a plumber.
The akimat has promised repairs within a week.
— The bridge is closed again, — said Aliya Serikova.
We spoke to pharmacist Zarina Akhmetova about the week.
Q: What did you see on Wednesday?
A: I saw a crowd break the pharmacy window. We hid in the storeroom.
Q: Did anyone help?
A: Nobody came. The police did not answer the phone.
"""

EN_INLINE = """Voices from the bus station

Gulnar Abenova, cashier: We sold tickets until the power went out.
Erzhan Tulegenov, courier: The roads to the airport were empty by six.
Nobody knew when the buses would run again.
"""

RU_HEADINGS = """Три дня без света: жители Караганды о беспорядках

Мы собрали рассказы горожан о том, как они пережили неделю.

Учительница Гульнара Сейтова

Мы стояли в очереди за хлебом два часа. Я видела, как горели машины у рынка.

Асхат Ермеков, программист

Пришло СМС: оставайтесь дома. По телевизору показали горящий акимат.

Пенсионерка Раиса Омарова:

Соседка рассказала, что на мосту стоят военные.
"""

RU_QUOTES_DIALOGUE = """Город без связи

В четверг в Караганде отключили интернет.
— Мы три дня не выходили из дома, — сказала медсестра Динара Алиева.
Власти обещают вернуть связь к выходным.
«Очереди у банкоматов огромные», — рассказал Асхат Ермеков.
На вопросы ответил таксист Ерлан Сапаров.
— Где вы были в среду?
— Дома. Мы не выходили.
— А что видели из окна?
— Дым над площадью и толпу.
"""

RU_QA_LABELS = """Интервью с волонтёром

Волонтёр Айгерим Касымова раздавала воду у вокзала.
Вопрос: Сколько людей к вам приходило?
Ответ: Сотни. Мы работали до ночи.
"""


def _doc(text: str, lang: str) -> Document:
    d = Document(text=text, lang=lang, id="doc-test")
    segment(d)
    return d


def _speakers(d: Document) -> list[tuple[str | None, str | None]]:
    return [(t.speaker, t.role) for t in d.testimonies if not t.is_author]


def _testimony_of(d: Document, phrase: str) -> model.Testimony:
    pos = d.text.index(phrase)
    for t in d.testimonies:
        if t.start <= pos < t.end:
            return t
    raise AssertionError(f"no testimony covers {phrase!r}")


# --- speakers -----------------------------------------------------------------------------------


def test_heading_layouts_en() -> None:
    d = _doc(EN_HEADINGS, "en")
    assert _speakers(d) == [
        ("Dana Orlova", "baker"),
        ("Timur Beks", "taxi driver"),
        ("Kamila Nurova", "surgeon"),
        ("Ruslan Ospanov", "paramedic and volunteer"),
    ]
    assert _testimony_of(d, "Karaganda residents told us").is_author
    assert _testimony_of(d, "Night of fires").speaker is None
    assert _testimony_of(d, "I saw two cars").speaker == "Dana Orlova"
    assert _testimony_of(d, "The banks did not open").speaker == "Timur Beks"


def test_heading_span_and_statements_skip_header() -> None:
    d = _doc(EN_HEADINGS, "en")
    t = next(t for t in d.testimonies if t.speaker == "Timur Beks")
    assert t.header_start is not None and t.header_end is not None
    assert d.text[t.header_start:t.header_end] == "Timur Beks, taxi driver"
    texts = [d.span_text(s) for s in d.statements if s.testimony_id == t.id]
    assert texts == ["In the morning an SMS arrived: stay indoors.", "The banks did not open."]


def test_quotes_and_qa_transcript_en() -> None:
    d = _doc(EN_QUOTES_QA, "en")
    assert _testimony_of(d, "We boiled snow").speaker == "Marat Ismailov"
    assert _testimony_of(d, "We boiled snow").role == "plumber"
    assert _testimony_of(d, "The bridge is closed").speaker == "Aliya Serikova"
    assert _testimony_of(d, "The akimat has promised").is_author
    # Questions are the journalist's; answers belong to the interviewee the lede introduces.
    assert _testimony_of(d, "What did you see").is_author
    for phrase in ("I saw a crowd", "Nobody came"):
        t = _testimony_of(d, phrase)
        assert (t.speaker, t.role, t.is_author) == ("Zarina Akhmetova", "pharmacist", False)
    answer = _testimony_of(d, "I saw a crowd")
    assert d.text[answer.header_start:answer.header_end].startswith("A:")


def test_inline_labels_en() -> None:
    d = _doc(EN_INLINE, "en")
    assert _speakers(d) == [("Gulnar Abenova", "cashier"), ("Erzhan Tulegenov", "courier")]
    first = [d.span_text(s) for s in d.statements if s.testimony_id == d.testimonies[1].id]
    assert first == ["We sold tickets until the power went out."]


def test_heading_layouts_ru() -> None:
    d = _doc(RU_HEADINGS, "ru")
    assert _speakers(d) == [
        ("Гульнара Сейтова", "учительница"),
        ("Асхат Ермеков", "программист"),
        ("Раиса Омарова", "пенсионерка"),
    ]
    assert _testimony_of(d, "Мы собрали рассказы").is_author


def test_quotes_and_dialogue_ru() -> None:
    d = _doc(RU_QUOTES_DIALOGUE, "ru")
    t = _testimony_of(d, "Мы три дня не выходили")
    assert (t.speaker, t.role) == ("Динара Алиева", "медсестра")
    assert _testimony_of(d, "Очереди у банкоматов").speaker == "Асхат Ермеков"
    assert _testimony_of(d, "Власти обещают").is_author
    assert _testimony_of(d, "Где вы были").is_author
    for phrase in ("Дома. Мы не выходили", "Дым над площадью"):
        t = _testimony_of(d, phrase)
        assert (t.speaker, t.role) == ("Ерлан Сапаров", "таксист")


def test_qa_labels_ru() -> None:
    d = _doc(RU_QA_LABELS, "ru")
    t = _testimony_of(d, "Сотни.")
    assert (t.speaker, t.role) == ("Айгерим Касымова", "волонтёр")
    assert _testimony_of(d, "Сколько людей").is_author


@pytest.mark.parametrize("line", [
    "Shops Closed Early Across the City",  # title case, but no role word
    "The teacher went home early",  # a sentence: lower-case words that are not roles
    "Teachers stayed at home.",  # final period
    "Residents of the left bank, representatives of many trades, about the week",
    "Doctor Who",  # a role and a non-name
    "In Almaty: a night of looting",
])
def test_not_headings(line: str) -> None:
    assert heading_line(line, lexicon("en")) is None


@pytest.mark.parametrize("line,name,role", [
    ("Chess Coach Ilyas Dauletov", "Ilyas Dauletov", "chess coach"),
    ("Ilyas Dauletov, chess coach", "Ilyas Dauletov", "chess coach"),
    ("Retired engineer Bolat Sadykov:", "Bolat Sadykov", "retired engineer"),
    ("Asel Nurlan kyzy, student", "Asel Nurlan kyzy", "student"),
])
def test_headings(line: str, name: str, role: str) -> None:
    p = heading_line(line, lexicon("en"))
    assert p is not None and (p.name, p.role) == (name, role)


def test_document_without_speakers_is_one_author_testimony() -> None:
    text = "We are sitting in the dark on Abay street. The shop downstairs is closed.\n"
    d = _doc(text, "en")
    assert len(d.testimonies) == 1 and d.testimonies[0].is_author and d.testimonies[0].speaker is None
    # A first-person post: its author is the witness, even where a sentence has no "I"/"we".
    assert [s.evidence for s in d.statements] == ["witnessed", "witnessed"]


def test_news_note_without_first_person_is_media() -> None:
    d = _doc("Power was cut in three districts of the city on Friday. Schools are closed.\n", "en")
    assert [s.evidence for s in d.statements] == ["media", "media"]


def test_news_attribution_to_an_institution_is_no_speaker() -> None:
    text = ("Curfew extended in Karaganda\n\nThe curfew will last until Monday. Police said the roads stay "
            "closed. \"Stay at home,\" the officials said. Iraq's envoy was not there, said Mr. Sadykov.\n")
    d = _doc(text, "en")
    assert _speakers(d) == [("Sadykov", None)]  # a title is not a name, nor is a possessive


def test_testimonies_cover_every_line_once() -> None:
    for text, lang in ((EN_HEADINGS, "en"), (EN_QUOTES_QA, "en"), (RU_QUOTES_DIALOGUE, "ru")):
        blocks = find_testimonies(text, lang)
        for a, b in itertools.pairwise(blocks):
            assert a.end <= b.start
        covered = "".join(text[b.start:b.end] for b in blocks)
        assert "".join(covered.split()) == "".join(text.split())


# --- sentences ------------------------------------------------------------------------------------


def test_sentence_splitter_en() -> None:
    text = "Dr. Sadykov came at 17.00. He said: “Stay here.” Then A. Nurova left… We waited.\nNew line"
    spans = [text[s.start:s.end] for s in split_sentences(text, 0, len(text), "en")]
    assert spans == ["Dr. Sadykov came at 17.00.", "He said: “Stay here.”", "Then A. Nurova left…",
                     "We waited.", "New line"]


def test_sentence_splitter_ru() -> None:
    text = "Мы жили на ул. Абая, д. 5. Свет дали в 17.00! Что дальше?"
    spans = [text[s.start:s.end] for s in split_sentences(text, 0, len(text), "ru")]
    assert spans == ["Мы жили на ул. Абая, д. 5.", "Свет дали в 17.00!", "Что дальше?"]


# --- component contract ------------------------------------------------------------------------------


def test_component_registered_and_items_well_formed() -> None:
    info = registry.get("khronika.segment")
    assert (info.version, info.assigns) == ("1", ("testimonies", "statements"))
    run = info.factory()
    d = Document(text=EN_HEADINGS, lang="en", id="doc-x")
    run(d)
    levels = set(vocab.ids("evidence"))
    ids = {t.id for t in d.testimonies}
    assert d.statements
    for st in d.statements:
        assert st.extractor == "khronika.segment@1" and 0 < st.confidence <= 1
        assert st.evidence in levels and st.testimony_id in ids
        assert d.text[st.start:st.end].strip() == d.text[st.start:st.end]
        assert not st.id  # ids are the pipeline's job
    for t in d.testimonies:
        assert t.extractor == "khronika.segment@1"


@pytest.fixture
def seed_text() -> str:
    files = sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []
    if not files:
        pytest.skip("seed testimony not available under ../shared/seeds")
    return files[0].read_text(encoding="utf-8")


def test_seed_six_speakers_with_roles(seed_text: str) -> None:
    d = _doc(seed_text, "en")
    speakers = _speakers(d)
    assert len(speakers) == 6
    assert all(name and role for name, role in speakers)
    for t in d.testimonies[1:]:
        header = d.text[t.header_start:t.header_end]
        # A heading line of its own that holds both the name and the role.
        assert t.speaker is not None and t.role is not None
        assert t.speaker in header and t.role.lower() in header.lower()
        assert "\n" not in header and len(header.split()) <= 8
    # The framing before the first speaker is the author's.
    assert d.testimonies[0].is_author and d.testimonies[0].start == 0
    assert sum(1 for t in d.testimonies if t.is_author) == 1


def test_empty_and_blank_documents() -> None:
    for text in ("", "\n\n   \n"):
        d = _doc(text, "en")
        assert d.testimonies == [] and d.statements == []


def test_a_place_in_a_headline_is_not_a_speaker() -> None:
    text = ("Trader at the Central Market: \"We hid in the cellar\"\n\n"
            "A trader spoke to us on Sunday. \"We heard shooting near the square and hid.\"\n")
    d = _doc(text, "en")
    assert all(t.speaker != "Central Market" for t in d.testimonies)


def test_an_interview_answerer_named_in_the_lede() -> None:
    text = ("\"The lifts stopped on the first night\": talking to a Taraz doctor\n\n"
            "Notes of a call on 9 January. The doctor asked us to use only his first name, Serik.\n\n"
            "Q: Where were you?\nA: In the emergency ward, until Sunday.\n")
    d = _doc(text, "en")
    answers = [t for t in d.testimonies if "emergency ward" in d.text[t.start:t.end]]
    assert [t.speaker for t in answers] == ["Serik"]
    assert all(t.speaker != "Notes" for t in d.testimonies)
