"""SMS from an SMSSync-style gateway: validate the form, pseudonymise the sender, ingest once per message id.

The web route (`khronika.web.routes.sms`) authenticates the gateway and calls `receive`; this module
knows nothing of HTTP, so a test or another transport can use it directly.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from rich.console import Console

from ...errors import InputError, StoreError
from ...store.tables_channels import gateway_messages
from . import ChannelJob, Defaults, text_job
from ._time import from_epoch
from .pseudonym import pseudonym

if TYPE_CHECKING:
    from ...store import Store

CHANNEL = "sms"
MAX_MESSAGE = 4000  # a long concatenated SMS; anything longer is not an SMS
MAX_FIELD = 255


@dataclass(frozen=True)
class Sms:
    sender: str
    message: str
    message_id: str
    sent_timestamp: str | None = None


@dataclass(frozen=True)
class Outcome:
    stored: bool  # False: a retry of a message already stored
    doc_id: str | None


def validate(fields: dict[str, str]) -> Sms:
    """The SMSSync form fields, checked; InputError names the first bad one."""
    def need(name: str, limit: int = MAX_FIELD) -> str:
        value = (fields.get(name) or "").strip()
        if not value:
            raise InputError(f"missing field {name!r}")
        if len(value) > limit:
            raise InputError(f"field {name!r} is longer than {limit} characters")
        return value

    sms = Sms(need("from"), need("message", MAX_MESSAGE), need("message_id"),
              (fields.get("sent_timestamp") or "").strip() or None)
    if sms.sent_timestamp is not None and not sms.sent_timestamp.isdigit():
        raise InputError("sent_timestamp must be milliseconds (or seconds) since 1970")
    return sms


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def seen(store: Store, gateway: str, message_id: str) -> bool:
    q = sa.select(gateway_messages.c.doc_id).where(
        gateway_messages.c.gateway == gateway, gateway_messages.c.message_id == message_id)
    with store.read() as conn:
        return conn.execute(q).first() is not None


def _record(store: Store, gateway: str, message_id: str, doc_id: str | None) -> None:
    try:
        with store.write() as conn:
            if conn.execute(sa.select(gateway_messages.c.doc_id).where(
                    gateway_messages.c.gateway == gateway,
                    gateway_messages.c.message_id == message_id)).first() is None:
                conn.execute(sa.insert(gateway_messages).values(
                    gateway=gateway, message_id=message_id, doc_id=doc_id, received_at=_now()))
    except StoreError:
        if not seen(store, gateway, message_id):  # lost a race with the same retry: fine; else a real error
            raise


def job(sms: Sms, gateway_name: str, tz: str = "Asia/Almaty") -> ChannelJob:
    published = from_epoch(sms.sent_timestamp, tz) if sms.sent_timestamp else None
    return text_job(
        f"sms:{gateway_name}:{sms.message_id}", sms.message, channel=CHANNEL, defaults=Defaults(tz=tz),
        published=published, sender=pseudonym(sms.sender, kind="tel"), message_id=sms.message_id,
        source=f"gateway:{gateway_name}",
    )


def receive(
    store: Store, sms: Sms, *, gateway_id: str, gateway_name: str, tz: str = "Asia/Almaty"
) -> Outcome:
    """Ingest one SMS; a message id this gateway already delivered is acknowledged and not stored again."""
    from ...ingest import run_jobs

    if seen(store, gateway_id, sms.message_id):
        return Outcome(False, None)
    the_job = job(sms, gateway_name, tz)
    log = io.StringIO()
    summary = run_jobs([the_job], store, console=Console(file=log, width=200))
    if summary.failed:
        raise InputError(log.getvalue().strip().removeprefix("error: ") or "the message could not be stored")
    doc_id = the_job.doc_id()
    _record(store, gateway_id, sms.message_id, doc_id)
    return Outcome(summary.stored > 0, doc_id)
