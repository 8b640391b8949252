"""Telegram Desktop channel export (result.json) -> one document per message, with attachments."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from channel_fixtures import photo

from khronika.attachments import attachments_for
from khronika.ingest import jobs_from_paths, run_jobs
from khronika.intake.channels import ChannelJob, finish
from khronika.intake.channels.meta import load_meta
from khronika.intake.channels.telegram import message_text
from khronika.store.tables_channels import attachments


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KHRONIKA_INSTALL_KEY", "test-key-telegram")


def _epoch(y: int, mo: int, d: int, h: int, mi: int) -> str:
    return str(int(datetime(y, mo, d, h, mi, tzinfo=UTC).timestamp()))


def write_export(folder: Path) -> dict[str, Any]:
    (folder / "photos").mkdir(parents=True)
    pic = photo(taken=datetime(2022, 1, 5, 16, 40), lat=43.24, lon=76.95)
    (folder / "photos" / "photo_1@05-01-2022_16-41-00.jpg").write_bytes(pic)
    export = {
        "name": "Test Square Watch",
        "type": "public_channel",
        "id": 1700000001,
        "messages": [
            {"id": 10, "type": "service", "date": "2022-01-05T10:00:00", "actor": "Test Square Watch",
             "action": "pin_message", "text": ""},
            {"id": 11, "type": "message", "date": "2022-01-05T16:41:00",
             "date_unixtime": _epoch(2022, 1, 5, 10, 41),
             "from": "Test Square Watch", "from_id": "channel1700000001",
             "photo": "photos/photo_1@05-01-2022_16-41-00.jpg", "width": 32, "height": 24,
             "text": "Internet is down across Almaty, ATMs do not work near the square."},
            {"id": 12, "type": "message", "date": "2022-01-05T18:05:00",
             "from": "Test Square Watch", "from_id": "channel1700000001",
             "forwarded_from": "Other Local News", "reply_to_message_id": 11,
             "text": ["Queues at bakeries in ", {"type": "bold", "text": "Almaty"},
                      " since the morning, ", {"type": "link", "text": "see the post"}, "."]},
            {"id": 13, "type": "message", "date": "2022-01-05T19:00:00", "from": "Test Square Watch",
             "photo": "(File not included. Change data exporting settings to download.)", "text": ""},
        ],
    }
    (folder / "result.json").write_text(json.dumps(export, ensure_ascii=False), encoding="utf-8")
    return export


def test_message_text_string_or_entities() -> None:
    assert message_text("plain") == "plain"
    assert message_text(["a ", {"type": "bold", "text": "b"}, " c"]) == "a b c"
    assert message_text(None) == ""


def test_export_to_documents(tmp_path: Path, store: Any) -> None:
    write_export(tmp_path / "export")
    jobs = jobs_from_paths([str(tmp_path / "export")], published=None, lang=None, source=None, fmt="auto")
    assert len(jobs) == 2  # the service message and the text-less photo are skipped
    summary = run_jobs(jobs, store)
    assert summary.stored == 2 and summary.failed == 0
    assert finish(store, jobs) == 1
    by_id = {}
    for job in jobs:
        assert isinstance(job, ChannelJob)
        doc = store.load_document(job.doc_id())
        by_id[doc.provenance.message_id] = doc
    first, second = by_id["11"], by_id["12"]
    assert first.published == "2022-01-05T16:41:00"  # date_unixtime 10:41 UTC = 16:41 in Almaty
    assert second.published == "2022-01-05T18:05:00"
    assert second.text == "Queues at bakeries in Almaty since the morning, see the post."
    assert first.provenance.channel == "telegram" and first.provenance.source == "Test Square Watch"
    assert first.provenance.sender and first.provenance.sender.startswith("tg:")
    assert "channel1700000001" not in first.provenance.sender
    assert first.provenance.received_at
    meta = load_meta(store, second.id)
    assert meta["forwarded_from"] == "Other Local News" and meta["reply_to_message_id"] == 11
    att = attachments_for(store, first.id)
    pic = (tmp_path / "export/photos/photo_1@05-01-2022_16-41-00.jpg").read_bytes()
    assert [a["sha256"] for a in att] == [hashlib.sha256(pic).hexdigest()]
    assert att[0]["name"] == "photos/photo_1@05-01-2022_16-41-00.jpg"
    assert att[0]["check"]["time"]["days_apart"] == 0 and att[0]["check"]["mismatch"] is False
    assert attachments_for(store, second.id) == []
    # Again: nothing new stored, the photo still stored once.
    again = jobs_from_paths([str(tmp_path / "export" / "result.json")], published=None, lang=None,
                            source=None, fmt="telegram")
    assert run_jobs(again, store).seen == 2
    finish(store, again)
    with store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(attachments)).scalar() == 1


def test_bad_export_is_one_error(tmp_path: Path) -> None:
    bad = tmp_path / "result.json"
    bad.write_text('{"name": "x"}', encoding="utf-8")
    jobs = jobs_from_paths([str(bad)], published=None, lang=None, source=None, fmt="telegram")
    assert len(jobs) == 1 and jobs[0].source is not None and jobs[0].source.error is not None
    assert "no 'messages' list" in str(jobs[0].source.error)


def test_media_path_outside_the_export_is_ignored(tmp_path: Path) -> None:
    folder = tmp_path / "exp"
    folder.mkdir()
    (tmp_path / "secret.txt").write_text("not yours", encoding="utf-8")
    msg = {"id": 1, "type": "message", "date": "2022-01-05T10:00:00", "text": "hello from the square",
           "file": "../secret.txt"}
    (folder / "result.json").write_text(json.dumps({"name": "c", "messages": [msg]}), encoding="utf-8")
    jobs = jobs_from_paths([str(folder)], published=None, lang=None, source=None, fmt="auto")
    assert isinstance(jobs[0], ChannelJob) and jobs[0].attachments == []
