"""CSV and JSONL batches with a column mapping; bad rows reported and skipped, the batch goes on."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from khronika.cli import app
from khronika.errors import InputError
from khronika.ingest import jobs_from_paths, run_jobs
from khronika.intake.channels import ChannelJob
from khronika.intake.channels.batch import parse_mapping
from khronika.intake.channels.pseudonym import pseudonym

ROWS = [
    {"body": "Mobile internet has been cut in our district since the afternoon.", "date": "2022-01-05T15:00",
     "author": "Neighbourhood chat", "phone": "+7 701 000 11 22"},
    {"body": "", "date": "2022-01-05T16:00", "author": "x", "phone": ""},
    {"body": "The bakery on our corner sold out of bread before ten.", "date": "2022-01-06",
     "author": "Neighbourhood chat", "phone": "87010001122"},
]


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KHRONIKA_INSTALL_KEY", "test-key-batch")


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def test_mapping_forms(tmp_path: Path) -> None:
    assert parse_mapping("text=body, published=date")["published"] == "date"
    yml = tmp_path / "m.yaml"
    yml.write_text("text: body\nsource: author\n", encoding="utf-8")
    assert parse_mapping(str(yml)) == {"text": "body", "source": "author"}
    with pytest.raises(InputError, match="unknown field"):
        parse_mapping("txet=body")
    with pytest.raises(InputError, match="not field=column"):
        parse_mapping("text")


def test_csv_with_mapping(tmp_path: Path, store: Any) -> None:
    path = tmp_path / "reports.csv"
    write_csv(path, ROWS)
    mapping = "text=body,published=date,source=author,sender=phone"
    jobs = jobs_from_paths([str(path)], published=None, lang=None, source=None, fmt="auto", mapping=mapping)
    assert len(jobs) == 3
    summary = run_jobs(jobs, store)
    assert (summary.stored, summary.failed) == (2, 1)  # the empty row is reported, the batch goes on
    bad = jobs[1].source
    assert bad is not None and bad.error is not None and "row 3" in str(bad.error)  # line 3 of the file
    docs = [store.load_document(j.doc_id()) for j in jobs if isinstance(j, ChannelJob)]
    assert [d.published for d in docs] == ["2022-01-05T15:00:00", "2022-01-06"]
    assert {d.provenance.source for d in docs} == {"Neighbourhood chat"}
    # One number written two ways is one pseudonymous sender; the number itself is not stored.
    assert docs[0].provenance.sender == docs[1].provenance.sender == pseudonym("+77010001122")
    assert all(d.provenance.channel == "batch" for d in docs)


def test_csv_missing_text_column_names_the_row(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    write_csv(path, ROWS)
    jobs = jobs_from_paths([str(path)], published=None, lang=None, source=None, fmt="csv",
                           mapping="text=message")
    assert len(jobs) == 1 and jobs[0].source is not None and jobs[0].source.error is not None
    assert "row 1" in str(jobs[0].source.error) and "'message'" in str(jobs[0].source.error)


def test_jsonl_bad_rows_skipped(tmp_path: Path, store: Any) -> None:
    path = tmp_path / "r.jsonl"
    lines = [
        json.dumps({"msg": "Water is off in the whole building since the morning.", "when": "2022-01-07"}),
        "{not json",
        json.dumps({"when": "2022-01-07"}),
        json.dumps(["a", "list"]),
        "",
        json.dumps({"msg": "Вода есть, света нет уже второй день.", "when": "2022-01-07", "id": "m9"}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    jobs = jobs_from_paths([str(path)], published=None, lang=None, source="batch-test", fmt="auto",
                           mapping="text=msg,published=when,message_id=id")
    summary = run_jobs(jobs, store)
    assert (summary.stored, summary.failed) == (2, 3)
    errors = [str(j.source.error) for j in jobs if j.source is not None and j.source.error is not None]
    assert any("row 2 is not JSON" in e for e in errors)
    assert any("row 3 has no text column 'msg'" in e for e in errors)
    assert any("row 4 is not a JSON object" in e for e in errors)
    docs = [store.load_document(j.doc_id()) for j in jobs if isinstance(j, ChannelJob)]
    assert [d.provenance.message_id for d in docs] == ["1", "m9"]
    assert docs[1].lang == "ru"


def test_cli_ingest_formats(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'k.db'}"
    path = tmp_path / "reports.csv"
    write_csv(path, ROWS)
    runner = CliRunner()
    res = runner.invoke(app, ["ingest", str(path), "--mapping", "text=body,published=date", "--db", db])
    assert res.exit_code == 0, res.output
    assert "2 stored" in res.output and "1 failed" in res.output
    res = runner.invoke(app, ["ingest", str(path), "--format", "docx", "--db", db])
    assert res.exit_code == 2 and "unknown format" in res.output
    res = runner.invoke(app, ["ingest", str(path), "--mapping", "bogus=body", "--db", db])
    assert res.exit_code == 2 and "unknown field" in res.output
