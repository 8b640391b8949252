"""E-mail: single `.eml` files and mbox archives, read with the standard library (policy=default).

Date becomes the publication time, From a pseudonymous sender, Subject the title, Message-ID the message
id. The plain-text body is preferred; an HTML-only body goes through trafilatura. Attachments are
stored under their SHA-256 beside the document.
"""

from __future__ import annotations

import mailbox
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from ...errors import InputError
from ...ingest import IngestJob
from ..files import MAX_BYTES
from . import Defaults, failed_job, text_job
from ._time import local_iso
from .pseudonym import pseudonym
from .web import html_to_text

CHANNEL = "email"


def _header(msg: EmailMessage, name: str) -> Any:
    try:
        return msg[name]
    except (ValueError, IndexError, TypeError):  # a malformed header must not lose the message
        return None


def _published(msg: EmailMessage, tz: str) -> str | None:
    date = _header(msg, "Date")
    moment = getattr(date, "datetime", None)
    return local_iso(moment, tz) if moment else None


def _sender(msg: EmailMessage) -> str | None:
    header = _header(msg, "From")
    addresses = getattr(header, "addresses", ())
    if addresses:
        return pseudonym(addresses[0].addr_spec, kind="mail")
    return pseudonym(str(header), kind="mail") if header else None


def body_text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    text = content if isinstance(content, str) else content.decode("utf-8", "replace")
    if part.get_content_subtype() == "html":
        return html_to_text(text)[0]
    return text


def _attachments(msg: EmailMessage) -> list[tuple[str, Path | bytes]]:
    """Attachments as bytes, stored by hash once the message is stored."""
    out: list[tuple[str, Path | bytes]] = []
    for n, part in enumerate(msg.iter_attachments(), 1):
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or not data:
            continue
        out.append((Path(part.get_filename() or f"attachment-{n}").name, data))
    return out


def message_job(msg: EmailMessage, name: str, defaults: Defaults) -> IngestJob:
    text = body_text(msg).strip()
    if not text:
        return failed_job(name, "the message has no text body")
    subject = _header(msg, "Subject")
    message_id = _header(msg, "Message-ID")
    return text_job(
        name, text, channel=CHANNEL, defaults=defaults, published=_published(msg, defaults.tz),
        sender=_sender(msg), message_id=str(message_id).strip("<> ") if message_id else None,
        title=str(subject) if subject else None, attachments=_attachments(msg),
        meta={"subject": str(subject) if subject else None,
              "in_reply_to": str(_header(msg, "In-Reply-To") or "") or None},
    )


def parse(data: bytes) -> EmailMessage:
    msg = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(msg, EmailMessage)  # policy.default always builds EmailMessage
    return msg


def read_eml(path: str, defaults: Defaults) -> list[IngestJob]:
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}", path=path) from e
    if len(data) > MAX_BYTES * 10:
        raise InputError("e-mail file too large", path=path)
    msg = parse(data)
    if not msg.keys():
        raise InputError("not an e-mail message (no headers)", path=path)
    return [message_job(msg, path, defaults)]


def read_mbox(path: str, defaults: Defaults) -> list[IngestJob]:
    if not Path(path).is_file():
        raise InputError("no such mbox file", path=path)
    box = mailbox.mbox(path, create=False)
    jobs: list[IngestJob] = []
    try:
        for n, raw in enumerate(box, 1):
            name = f"{path}#{n}"
            try:
                jobs.append(message_job(parse(raw.as_bytes()), name, defaults))
            except (ValueError, LookupError, UnicodeError) as e:
                jobs.append(failed_job(name, f"unreadable message: {e}"))
    finally:
        box.close()
    if not jobs:
        raise InputError("no messages in the mbox file", path=path)
    return jobs
