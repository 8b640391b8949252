"""The command line end to end, on a real SQLite store (and PostgreSQL where the fixture provides it)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from khronika.cli import app

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
SCHEMA = json.loads((ROOT / "docs" / "document.schema.json").read_text(encoding="utf-8"))

# Our own short testimonies (written for these tests).
MSG_EN = (
    "Dana, a nurse:\n"
    "Yesterday at about 18:00 I saw a crowd set fire to the city hall on Republic Square. "
    "The ATMs on our street gave no cash, and the shops took cash only.\n"
)
MSG_RU = "Вчера вечером я видел, как толпа подожгла акимат. Банкоматы не работали, интернет отключили.\n"

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, list(args))
    return res.exit_code, res.output


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'k.db'}"


@pytest.fixture
def texts(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    (d / "en.txt").write_text(MSG_EN, encoding="utf-8")
    (d / "ru.txt").write_text(MSG_RU, encoding="utf-8")
    return d


def test_extract_json_validates_and_carries_provenance(texts: Path) -> None:
    code, output = run("extract", str(texts / "en.txt"), "--published", "2022-01-08", "--json")
    assert code == 0, output
    doc = json.loads(output)
    jsonschema.validate(doc, SCHEMA)
    assert doc["lang"] == "en"
    items = [
        it
        for layer in ("testimonies", "statements", "events", "times", "places", "services")
        for it in doc[layer]
    ]
    assert items, "the pipeline found nothing in a text full of events"
    for it in items:
        assert 0 <= it["start"] < it["end"] <= len(doc["text"])
        assert "@" in it["extractor"] and 0 <= it["confidence"] <= 1 and it["id"]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is absent: seed extraction not checked")
def test_extract_seed_validates() -> None:
    seed = sorted(SEEDS.glob("*.txt"))[0]
    code, output = run("extract", str(seed), "--published", "2022-01-08", "--json")
    assert code == 0, output
    jsonschema.validate(json.loads(output), SCHEMA)


def test_ingest_twice_stores_once(db: str, texts: Path) -> None:
    code, output = run("ingest", str(texts), "--published", "2022-01-08", "--db", db)
    assert code == 0, output
    assert "2 stored" in output
    code, output = run("ingest", str(texts), "--published", "2022-01-08", "--db", db)
    assert "0 stored" in output and "2 already stored" in output
    code, output = run("documents", "--db", db, "--json")
    assert len(json.loads(output)) == 2


def test_two_sources_same_words_are_two_documents(db: str, texts: Path) -> None:
    run("ingest", str(texts / "en.txt"), "--source", "Aigerim", "--db", db)
    _, output = run("ingest", str(texts / "en.txt"), "--source", "Bolat", "--db", db)
    assert "1 stored" in output
    assert len(json.loads(run("documents", "--db", db, "--json")[1])) == 2


def test_bad_files_are_named_and_the_batch_goes_on(db: str, texts: Path) -> None:
    (texts / "empty.txt").write_text("")
    (texts / "latin1.txt").write_bytes("Сломанная кодировка".encode("cp1251"))
    code, output = run("ingest", str(texts), "--db", db)
    assert code == 0
    assert "empty.txt" in output and "latin1.txt" in output
    assert "2 stored" in output and "2 failed" in output
    assert len(json.loads(run("documents", "--db", db, "--json")[1])) == 2


def test_chronicle_board_show(db: str, texts: Path) -> None:
    run("ingest", str(texts), "--published", "2022-01-08", "--db", db)
    code, output = run("chronicle", "--db", db, "--json")
    assert code == 0
    rows = json.loads(output)
    assert rows, "the chronicle of two eventful texts is empty"
    assert any(r.get("date") == "2022-01-07" for r in rows), "'yesterday' did not resolve to the 7th"
    code, output = run("board", "--db", db, "--json")
    assert code == 0 and json.loads(output)
    doc_id = json.loads(run("documents", "--db", db, "--json")[1])[0]["id"]
    code, output = run("show", doc_id[:10], "--db", db, "--json")
    assert code == 0 and json.loads(output)["id"] == doc_id


def test_audit_verify_catches_edit_behind_the_back(db: str, texts: Path) -> None:
    run("ingest", str(texts), "--published", "2022-01-08", "--db", db)
    code, output = run("audit", "verify", "--db", db)
    assert code == 0, output
    path = db.removeprefix("sqlite:///")
    with sqlite3.connect(path) as con:
        con.execute("UPDATE items SET confidence = 0.01 WHERE id = (SELECT min(id) FROM items)")
    code, output = run("audit", "verify", "--db", db)
    assert code == 1
    assert "BROKEN" in output


def test_reprocess_keeps_the_chain_valid(db: str, texts: Path) -> None:
    run("ingest", str(texts), "--published", "2022-01-08", "--db", db)
    code, output = run("ingest", "--reprocess", "--published", "2022-01-09", "--db", db)
    assert code == 0 and "2 reprocessed" in output, output
    assert run("audit", "verify", "--db", db)[0] == 0
    rows = json.loads(run("chronicle", "--db", db, "--json")[1])
    assert any(r.get("date") == "2022-01-08" for r in rows), "reprocess did not use the new publication date"


def test_stdin_and_console_script(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    exe = Path(sys.executable).parent / "khronika"
    res = subprocess.run(
        [str(exe), "ingest", "-", "--published", "2022-01-08", "--db", db],
        input=MSG_RU.encode(),
        capture_output=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr.decode()
    assert b"1 stored" in res.stdout


def test_unknown_file_is_a_clear_error(db: str) -> None:
    code, output = run("ingest", "/nonexistent/file.txt", "--db", db)
    assert code == 1
    assert "/nonexistent/file.txt" in output and "no such file" in output


def test_ingest_on_postgresql(pg_schema_url: str, texts: Path) -> None:
    pg_url = pg_schema_url
    code, output = run("ingest", str(texts), "--published", "2022-01-08", "--db", pg_url)
    assert code == 0, output
    assert run("audit", "verify", "--db", pg_url)[0] == 0
    assert json.loads(run("chronicle", "--db", pg_url, "--json")[1])


def test_train_writes_to_the_user_folder_not_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KHRONIKA_HOME", str(tmp_path / "home"))
    examples = ROOT / "khronika" / "data" / "events" / "examples.csv"
    code, output = run("train", str(examples))
    assert code == 0, output
    model = Path(json.loads(output)["model"])
    assert model.is_file() and (tmp_path / "home") in model.parents


def test_train_refuses_a_csv_without_acled_columns(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nsomething happened,Riots\n", encoding="utf-8")
    code, output = run("train", str(bad), "--out", str(tmp_path / "m"))
    assert code == 2 and "bad.csv" in output and "notes" in output
