"""Named entities: natasha for Russian, toponyms as LOC for English (sentences written for the tests)."""

from __future__ import annotations

from khronika.model import Document
from khronika.registry import get


def _run(text: str, lang: str) -> Document:
    import khronika.extract.entities  # noqa: F401  (registers the component)

    doc = Document(text=text, lang=lang)
    get("khronika.entities").factory()(doc)
    return doc


def test_russian_per_org_loc() -> None:
    text = "Министр иностранных дел Казахстана Мухтар Тлеуберди встретился в Москве с Сергеем Лавровым."
    doc = _run(text, "ru")
    got = {(e.label, e.text) for e in doc.entities}
    assert ("PER", "Мухтар Тлеуберди") in got
    assert ("LOC", "Москве") in got
    for e in doc.entities:
        assert text[e.start:e.end] == e.text and e.extractor == "khronika.entities@1"


def test_org_extent_takes_following_place() -> None:
    text = "Сотрудники акимата Алматы провели встречу, а пресс-служба МВД Казахстана её подтвердила."
    doc = _run(text, "ru")
    orgs = {e.text for e in doc.entities if e.label == "ORG"}
    assert "МВД Казахстана" in orgs


def test_english_loc_from_toponyms() -> None:
    doc = _run("Soldiers arrived in Almaty from Russia.", "en")
    assert {e.text for e in doc.entities if e.label == "LOC"} == {"Almaty", "Russia"}


def test_other_language_is_skipped() -> None:
    assert _run("Алматы қаласында жиналыс өтті.", "kk").entities == []
