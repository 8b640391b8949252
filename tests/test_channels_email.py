"""E-mail: .eml files and mbox archives through the standard library; attachments stored by hash."""

from __future__ import annotations

import hashlib
import mailbox
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from channel_fixtures import photo

from khronika.attachments import attachments_for
from khronika.ingest import jobs_from_paths, run_jobs
from khronika.intake.channels import ChannelJob, finish
from khronika.intake.channels.meta import load_meta
from khronika.intake.channels.pseudonym import pseudonym


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KHRONIKA_INSTALL_KEY", "test-key-email")


def message(subject: str, body: str, *, html: str | None = None,
            date: str = "Wed, 05 Jan 2022 09:15:00 +0000",
            sender: str = "Aigerim T. <witness.one@example.org>", attach: bytes | None = None,
            msg_id: str = "<m1@example.org>") -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "desk@example.net", subject
    msg["Date"], msg["Message-ID"] = date, msg_id
    if body:
        msg.set_content(body)
        if html:
            msg.add_alternative(html, subtype="html")
    elif html:
        msg.set_content(html, subtype="html")
    if attach is not None:
        msg.add_attachment(attach, maintype="image", subtype="jpeg", filename="square.jpg")
    return msg


def _docs(store: Any, jobs: list[Any]) -> list[Any]:
    return [store.load_document(j.doc_id()) for j in jobs if isinstance(j, ChannelJob)]


def test_eml_plain_body_date_sender_attachment(tmp_path: Path, store: Any) -> None:
    pic = photo(taken=datetime(2022, 1, 5, 14, 0), lat=43.25, lon=76.92)
    body = "At nine the ATMs on Abay Avenue gave no cash and the mobile internet was off."
    path = tmp_path / "report.eml"
    msg = message("Report from Abay Avenue", body, html="<p>IGNORED HTML</p>", attach=pic)
    path.write_bytes(msg.as_bytes())
    jobs = jobs_from_paths([str(path)], published=None, lang=None, source="mailbox test", fmt="auto")
    assert run_jobs(jobs, store).stored == 1
    assert finish(store, jobs) == 1
    (doc,) = _docs(store, jobs)
    assert doc.text.strip() == body  # plain text preferred over the HTML alternative
    assert doc.title == "Report from Abay Avenue"
    assert doc.published == "2022-01-05T15:15:00"  # 09:15 UTC in Almaty (+06:00)
    assert doc.provenance.channel == "email" and doc.provenance.message_id == "m1@example.org"
    assert doc.provenance.sender == pseudonym("Witness.One@example.org", kind="mail")  # case-insensitive
    assert "witness" not in (doc.provenance.sender or "")
    assert load_meta(store, doc.id)["subject"] == "Report from Abay Avenue"
    (att,) = attachments_for(store, doc.id)
    assert att["sha256"] == hashlib.sha256(pic).hexdigest() and att["name"] == "square.jpg"


def test_html_only_body_goes_through_trafilatura(tmp_path: Path, store: Any) -> None:
    html = ("<html><body><nav>Home | About</nav><article><p>The bakery on Tole Bi street had a queue of two "
            "hours and sold only for cash.</p><p>Card terminals did not work anywhere nearby.</p></article>"
            "<footer>Subscribe</footer></body></html>")
    path = tmp_path / "html.eml"
    path.write_bytes(message("Bakery", "", html=html).as_bytes())
    jobs = jobs_from_paths([str(path)], published=None, lang=None, source=None, fmt="email")
    run_jobs(jobs, store)
    (doc,) = _docs(store, jobs)
    assert "queue of two hours" in doc.text and "Card terminals" in doc.text
    assert "<p>" not in doc.text


def test_mbox_each_message_a_document(tmp_path: Path, store: Any) -> None:
    path = tmp_path / "inbox.mbox"
    box = mailbox.mbox(str(path))
    box.add(message("one", "First letter: the water is off in our block since morning.", msg_id="<a@x>"))
    box.add(message("two", "Second letter: bread was sold out by noon in the market.", msg_id="<b@x>",
                    sender="other@example.org", date="Thu, 06 Jan 2022 08:00:00 +0600"))
    box.flush()
    box.close()
    jobs = jobs_from_paths([str(path)], published=None, lang=None, source=None, fmt="auto")
    assert len(jobs) == 2
    assert run_jobs(jobs, store).stored == 2
    docs = _docs(store, jobs)
    assert [d.title for d in docs] == ["one", "two"]
    assert docs[1].published == "2022-01-06T08:00:00"
    assert docs[0].provenance.sender != docs[1].provenance.sender


def test_not_an_email(tmp_path: Path) -> None:
    path = tmp_path / "x.eml"
    path.write_bytes(b"\n\njust words")
    jobs = jobs_from_paths([str(path)], published=None, lang=None, source=None, fmt="email")
    assert len(jobs) == 1 and jobs[0].source is not None and jobs[0].source.error is not None
