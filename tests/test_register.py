"""The casualty register: one person per entry, across scripts, without merging namesakes."""

from __future__ import annotations

from pathlib import Path

import pytest

from khronika.ingest import jobs_from_paths, run_jobs
from khronika.register import VictimRow, register
from khronika.store import Store

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def row(
    doc: str,
    name: str | None,
    fate: str = "killed",
    date: str | None = "2022-01-06",
    place: str | None = "Almaty",
    n: int = 0,
) -> VictimRow:
    return VictimRow(doc_id=doc, item_id=f"{doc}-{n}", name=name, fate=fate, date=date, place=place)


def names(entries: list[dict]) -> list[list[str]]:
    return sorted(sorted(e["variants"]) for e in entries)


def test_scripts_and_case_forms_merge() -> None:
    reg = register(
        [row("a", "Saken Bitaev"), row("b", "Сакен Битаев"), row("c", "Сакена Битаева", date="2022-01-07")]
    )
    assert len(reg) == 1
    assert reg[0]["name"] == "Saken Bitaev" and reg[0]["n_documents"] == 3
    assert reg[0]["date"] is None and reg[0]["dates"] == ["2022-01-06", "2022-01-07"], (
        "a date conflict is shown"
    )


def test_namesakes_stay_apart_and_a_lone_surname_does_not_bridge_them() -> None:
    reg = register([row("a", "Saken Bitaev"), row("b", "Serik Bitaev"), row("c", "Bitayev")])
    assert names(reg) == [["Bitayev"], ["Saken Bitaev"], ["Serik Bitaev"]]


def test_lone_surname_merges_within_its_document_or_when_date_and_place_agree() -> None:
    same_doc = register([row("a", "Saken Bitaev", n=1), row("a", "Bitayev", date=None, place=None, n=2)])
    assert len(same_doc) == 1
    agree = register([row("a", "Saken Bitaev"), row("b", "Bitayev")])
    assert len(agree) == 1
    disagree = register([row("a", "Saken Bitaev"), row("b", "Bitayev", date="2022-01-09")])
    assert len(disagree) == 2


def test_gravest_fate_wins_and_others_are_kept() -> None:
    reg = register([row("a", "Dana Ospanova", fate="injured"), row("b", "Дана Оспанова", fate="killed")])
    assert reg[0]["fate"] == "killed" and reg[0]["other_fates"] == ["injured"]


def test_unnamed_victims_are_kept_apart() -> None:
    reg = register([row("a", None), row("b", None)])
    assert len(reg) == 2


def test_store_register_end_to_end(tmp_path: Path) -> None:
    (tmp_path / "en.txt").write_text(
        "Nurse Gaukhar Temirova\n\nThe day before yesterday my neighbour Ruslan Omarov was shot dead "
        "by looters near the bazaar. His family cannot get his body back because no police came "
        "to record the death.\n",
        encoding="utf-8",
    )
    (tmp_path / "ru.txt").write_text(
        "Позавчера мародёры застрелили моего соседа Руслана Омарова у базара.\n", encoding="utf-8"
    )
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    run_jobs(jobs_from_paths([str(tmp_path)], published="2022-01-08", lang=None, source=None), store)
    reg = register(store.victim_rows())
    omarov = [e for e in reg if e["name"] and "Omarov" in e["name"]]
    assert len(omarov) == 1, reg
    assert omarov[0]["fate"] == "killed" and omarov[0]["n_documents"] == 2
    assert omarov[0]["dates"] == ["2022-01-06"]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is absent: the seed register is not checked")
def test_seed_register(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    run_jobs(jobs_from_paths([str(SEEDS)], published="2022-01-08", lang=None, source=None), store)
    reg = register(store.victim_rows())
    killed = [e for e in reg if e["fate"] == "killed" and e["name"]]
    assert len(killed) == 1
    victim = killed[0]
    assert victim["date"] == "2022-01-06"  # "the day before yesterday", written on the 8th
    assert "body_release" in victim["needs"]
    assert victim["perpetrator"] and "looter" in victim["perpetrator"]
    # the victim is named in the seed's own text
    assert victim["name"] in next(SEEDS.glob("*.txt")).read_text(encoding="utf-8")
