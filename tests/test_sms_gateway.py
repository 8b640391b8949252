"""POST /api/sms (SMSSync form): secrets, replays, malformed bodies; over TestClient and real loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
import uvicorn
from fastapi.testclient import TestClient

from khronika.intake.channels.pseudonym import install_key, normalise_phone, pseudonym
from khronika.store import Store
from khronika.store.accounts import create_token, create_user
from khronika.store.schema import documents
from khronika.store.tables_channels import gateway_messages
from khronika.web.app import create_app

NUMBER = "+7 701 555 12 34"
REPORT = "ALMATY 17:00 INTERNET DOWN; ATM LIMIT 10000"


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KHRONIKA_INSTALL_KEY", "test-key-sms")


def gateway(store: Store, name: str = "gw-north") -> str:
    create_user(store, name, "ingest", None)
    return create_token(store, name, "smssync phone")


def form(secret: str, **over: str) -> dict[str, str]:
    base = {"from": NUMBER, "message": REPORT, "sent_timestamp": "1641470400000",  # 2022-01-06 12:00 UTC
            "message_id": "msg-1", "secret": secret}
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


def count(store: Store, table: sa.Table) -> int:
    with store.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store=store)) as c:
        yield c


def test_good_message_stored_with_pseudonym(client: TestClient, store: Store) -> None:
    secret = gateway(store)
    res = client.post("/api/sms", data=form(secret))
    assert res.status_code == 200, res.text
    assert res.json()["payload"] == {"success": True, "error": None, "duplicate": False}
    (doc_id,) = store.document_ids()
    doc = store.load_document(doc_id)
    assert doc.text == REPORT and doc.provenance.channel == "sms"
    assert doc.provenance.sender == pseudonym("87015551234", kind="tel")  # the same number, written otherwise
    assert doc.provenance.message_id == "msg-1" and doc.provenance.source == "gateway:gw-north"
    assert doc.published == "2022-01-06T18:00:00"  # sent_timestamp in Almaty time
    assert doc.provenance.received_at
    raw = store.raw_bytes(doc_id)
    with store.read() as conn:
        row = conn.execute(sa.select(documents).where(documents.c.id == doc_id)).one()
    assert "5551234" not in repr(tuple(row)) and b"5551234" not in raw  # the number is nowhere in the row
    found = {(s.service, s.state) for s in doc.services}
    assert found >= {("mobile_internet", "down"), ("atm_cash", "degraded")}


def test_replay_stored_once(client: TestClient, store: Store) -> None:
    secret = gateway(store)
    assert client.post("/api/sms", data=form(secret)).json()["payload"]["duplicate"] is False
    again = client.post("/api/sms", data=form(secret))
    assert again.status_code == 200 and again.json()["payload"] == {"success": True, "error": None,
                                                                    "duplicate": True}
    assert len(store.document_ids()) == 1 and count(store, gateway_messages) == 1
    other = client.post("/api/sms", data=form(secret, message_id="msg-2", message="ALMATY WATER OK"))
    assert other.json()["payload"]["duplicate"] is False and len(store.document_ids()) == 2


@pytest.mark.parametrize("secret", ["", "khr_not-a-real-token", "wrong"])
def test_bad_secret_rejected_nothing_stored(client: TestClient, store: Store, secret: str) -> None:
    gateway(store)
    res = client.post("/api/sms", data=form(secret))
    assert res.status_code == 401 and res.json()["payload"]["success"] is False
    assert store.document_ids() == [] and count(store, gateway_messages) == 0


def test_viewer_token_is_not_a_gateway(client: TestClient, store: Store) -> None:
    create_user(store, "vera", "viewer", "a-long-password-1")
    token = create_token(store, "vera", "browser")
    assert client.post("/api/sms", data=form(token)).status_code == 401
    assert store.document_ids() == []


@pytest.mark.parametrize("change", [
    {"message": ""}, {"from": ""}, {"message_id": ""}, {"sent_timestamp": "yesterday"},
    {"message": "x" * 5000},
])
def test_malformed_fields_4xx_nothing_stored(
    client: TestClient, store: Store, change: dict[str, str]
) -> None:
    secret = gateway(store)
    res = client.post("/api/sms", data=form(secret, **change))
    assert 400 <= res.status_code < 500 and res.json()["payload"]["success"] is False
    assert res.json()["payload"]["error"]
    assert store.document_ids() == [] and count(store, gateway_messages) == 0


def test_malformed_bodies_4xx(client: TestClient, store: Store) -> None:
    secret = gateway(store)
    as_json = client.post("/api/sms", json=form(secret))
    assert as_json.status_code == 415
    garbage = client.post("/api/sms", content=b"\xff\xfe%%%&&&=", headers={
        "content-type": "application/x-www-form-urlencoded"})
    assert 400 <= garbage.status_code < 500
    huge = client.post("/api/sms", content=b"a=" + b"b" * 20000, headers={
        "content-type": "application/x-www-form-urlencoded"})
    assert huge.status_code == 413
    assert store.document_ids() == []


def test_bearer_header_also_authenticates(client: TestClient, store: Store) -> None:
    secret = gateway(store)
    res = client.post("/api/sms", data=form(""), headers={"Authorization": f"Bearer {secret}"})
    assert res.status_code == 200 and len(store.document_ids()) == 1


def test_pseudonym_key_file_made_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KHRONIKA_INSTALL_KEY")
    monkeypatch.setenv("KHRONIKA_HOME", str(tmp_path / "home"))
    key = install_key()
    assert (tmp_path / "home" / "install.key").read_bytes().strip() == key
    assert (tmp_path / "home" / "install.key").stat().st_mode & 0o077 == 0  # private to the user
    first = pseudonym(NUMBER)
    assert pseudonym("+77015551234") == first and first is not None and "555" not in first
    monkeypatch.setenv("KHRONIKA_HOME", str(tmp_path / "other"))
    assert pseudonym(NUMBER) != first  # another installation, another pseudonym
    assert normalise_phone("8 (701) 555-12-34") == normalise_phone("00 7 701 555 12 34") == "+77015551234"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_over_real_loopback(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'gw.db'}"
    store = Store(url)
    secret = gateway(store, "gw-loop")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(store=store), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=60) as http:
            good = http.post("/api/sms", data=form(secret, message_id="loop-1"))
            replay = http.post("/api/sms", data=form(secret, message_id="loop-1"))
            bad = http.post("/api/sms", data=form("khr_wrong", message_id="loop-2"))
            broken = http.post("/api/sms", data=form(secret, message_id="loop-3", message=""))
        assert good.status_code == 200 and good.json()["payload"]["success"] is True
        assert replay.json()["payload"]["duplicate"] is True
        assert bad.status_code == 401 and broken.status_code == 400
        assert len(store.document_ids()) == 1
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        store.close()


def test_same_message_id_from_two_gateways_is_two_messages(client: TestClient, store: Store) -> None:
    a, b = gateway(store, "gw-a"), gateway(store, "gw-b")
    for secret in (a, b):
        assert client.post("/api/sms", data=form(secret)).json()["payload"]["duplicate"] is False
    assert count(store, gateway_messages) == 2


def test_answer_shape_for_smssync(client: TestClient, store: Store) -> None:
    body: dict[str, Any] = client.post("/api/sms", data=form("nope")).json()
    assert set(body) == {"payload"} and set(body["payload"]) >= {"success", "error"}
