"""The channel commands: gateway add, attachments (with public copies), terse; ingest of a Telegram export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from test_channels_telegram import write_export
from typer.testing import CliRunner

from khronika.cli import app
from khronika.store import Store
from khronika.store.accounts import principal_for_token

runner = CliRunner()


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KHRONIKA_INSTALL_KEY", "test-key-cli")


def test_gateway_add_prints_a_working_secret(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'k.db'}"
    res = runner.invoke(app, ["gateway", "add", "gw-east", "--url", "http://10.0.0.2:8000/", "--db", db])
    assert res.exit_code == 0, res.output
    assert "Sync URL http://10.0.0.2:8000/api/sms" in res.output
    secret = res.output.split("secret (shown once): ")[1].strip()
    with Store(db) as store:
        p = principal_for_token(store, secret)
    assert p is not None and p.role == "ingest" and p.name == "gw-east"
    again = runner.invoke(app, ["gateway", "add", "gw-east", "--db", db])
    assert again.exit_code == 2 and "already exists" in again.output


def test_ingest_export_then_attachments(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'k.db'}"
    write_export(tmp_path / "export")
    res = runner.invoke(app, ["ingest", str(tmp_path / "export"), "--db", db])
    assert res.exit_code == 0, res.output
    assert "2 stored" in res.output
    with Store(db) as store:
        docs = {d["id"]: d for d in store.documents()}
        with_photo = [i for i in docs if "Internet is down" in store.load_document(i).text]
    (doc_id,) = with_photo
    res = runner.invoke(app, ["attachments", doc_id[:10], "--db", db, "--public-dir", str(tmp_path / "pub")])
    assert res.exit_code == 0, res.output
    assert "image/jpeg" in res.output and "taken 2022-01-05T16:40:00" in res.output
    assert "MISMATCH" not in res.output
    (copy,) = list((tmp_path / "pub").iterdir())
    assert not Image.open(copy).getexif()
    js = runner.invoke(app, ["attachments", doc_id, "--json", "--db", db])
    rows = json.loads(js.output)
    assert rows[0]["meta"]["gps"]["lat"] == pytest.approx(43.24, abs=1e-3)
    missing = runner.invoke(app, ["attachments", "zzzz", "--db", db])
    assert missing.exit_code == 2


def test_terse_command() -> None:
    ok = runner.invoke(app, ["terse", "АЛМАТЫ 17:00 ИНТЕРНЕТ НЕТ; БАНКОМАТ ЛИМИТ 10000"])
    assert ok.exit_code == 0 and "lang ru" in ok.output
    assert "mobile_internet + home_internet: down" in ok.output
    bad = runner.invoke(app, ["terse", "ALMATY BLAH"])
    assert bad.exit_code == 2 and "no service or need keyword" in bad.output
    js = runner.invoke(app, ["terse", "--json", "ASTANA 08:00 WATER OK"])
    assert json.loads(js.output)["observations"][0]["services"] == ["water"]
