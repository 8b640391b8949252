"""The pipeline: registry checks, language gating, stable ids, and data packs that load."""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources

import pytest
import yaml

from khronika import lang, registry, vocab
from khronika.intake import make_document
from khronika.model import Document, Provenance
from khronika.pipeline import DEFAULT, Pipeline, PipelineError

TEXT = (
    "Teacher Aigul Bekova\n\n"
    "Yesterday at about 18:00 I saw the crowd set fire to the city hall. The ATMs gave no cash. "
    "People say the police left the square.\n"
)


def _doc(text: str = TEXT, lang_: str | None = None) -> Document:
    return make_document(
        text.encode(), name="t", provenance=Provenance(source="test"), published="2022-01-08", lang=lang_
    )


def test_order_is_checked_when_built() -> None:
    @registry.component("test.needs_events", version="1", requires=("events",), assigns=("claims",))
    def _make() -> Callable[[Document], None]:
        return lambda doc: None

    with pytest.raises(PipelineError, match="requires"):
        Pipeline(["test.needs_events", "khronika.events"])


def test_every_default_component_is_registered_with_a_version() -> None:
    pipe = Pipeline(DEFAULT)
    assert [t.split("@")[0] for t in pipe.tags] == list(DEFAULT)
    assert all(t.split("@")[1] for t in pipe.tags)


def test_ids_are_stable_across_runs() -> None:
    pipe = Pipeline()
    a, b = pipe(_doc()), pipe(_doc())
    assert a.items() and [i.id for i in a.items()] == [i.id for i in b.items()]
    assert len({i.id for i in a.items()}) == len(a.items()), "two items share an id"


def test_items_carry_provenance_and_inherit_evidence() -> None:
    doc = Pipeline()(_doc())
    for it in doc.items():
        assert "@" in it.extractor and 0.0 <= it.confidence <= 1.0
        assert 0 <= it.start < it.end <= len(doc.text)
    for ev in doc.events:
        st = doc.statement_at(ev.start)
        assert st is not None and ev.evidence == st.evidence


def test_unsupported_language_is_stored_not_extracted() -> None:
    doc = Pipeline()(_doc("Кеше кешке қаланың орталығында әкімдік ғимараты өртеніп жатты.", None))
    assert doc.lang == "kk"
    assert doc.pipeline == [] and doc.items() == []


@pytest.mark.parametrize(
    "name",
    [
        p.name.removesuffix(".yaml")
        for p in resources.files("khronika.vocab").iterdir()
        if p.name.endswith(".yaml")
    ],
)
def test_vocabularies_have_ids_and_definitions(name: str) -> None:
    entries = vocab.load(name)
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids)), f"duplicate ids in {name}"
    assert all(e.get("definition") for e in entries), f"an entry of {name} has no definition"


def test_language_packs_parse_and_pair_up() -> None:
    root = resources.files("khronika.lang")
    packs = {
        code: {p.name for p in root.joinpath(code).iterdir() if p.name.endswith(".yaml")}
        for code in lang.SUPPORTED
    }
    for code, names in packs.items():
        for n in names:
            assert isinstance(yaml.safe_load(root.joinpath(code, n).read_text(encoding="utf-8")), dict)
    assert packs["en"] == packs["ru"], "every pack exists in every supported language"
