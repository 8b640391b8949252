"""Intake channels: Telegram exports, e-mail, saved web pages, CSV/JSONL batches, SMS and terse reports.

Each reader turns one file into `ChannelJob`s: ingest jobs that also carry the attachments to store and
the channel fields that have no column on `documents` (forwarded from, reply to, subject). After the
batch ran, `finish(store, jobs)` links attachments and those fields to the documents that were stored.

    jobs = jobs_for(["result.json"], fmt="auto", published=None, lang=None, source=None)
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import InputError
from ...ingest import IngestJob
from ...model import Document, Provenance
from ..files import RawSource

if TYPE_CHECKING:
    from ...store import Store

FORMATS = ("auto", "text", "telegram", "email", "mbox", "html", "csv", "jsonl")
_SUFFIX = {
    ".json": "telegram", ".eml": "email", ".mbox": "mbox", ".mbx": "mbox", ".html": "html", ".htm": "html",
    ".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl",
}


@dataclass
class Defaults:
    """What the command line says about every document of the batch."""

    published: str | None = None
    lang: str | None = None
    source: str | None = None
    tz: str = "Asia/Almaty"
    mapping: str | None = None  # CSV/JSONL column mapping: a YAML file or "text=body,published=date"


@dataclass
class ChannelJob(IngestJob):
    """An ingest job plus what is stored beside the document: attachments (name, path) and channel fields."""

    attachments: list[tuple[str, Path | bytes]] = field(default_factory=list)  # a file, or bytes in hand
    meta: dict[str, Any] = field(default_factory=dict)

    def doc_id(self) -> str | None:
        """The id the document will get: its bytes plus the identity part of its provenance."""
        if self.source is None or self.source.data is None:
            return None
        prov = Provenance(**{k: v for k, v in self.provenance.items() if v is not None})
        return Document.make_id(hashlib.sha256(self.source.data).hexdigest(), prov)


def text_job(
    name: str,
    text: str,
    *,
    channel: str,
    defaults: Defaults,
    published: str | None = None,
    sender: str | None = None,
    message_id: str | None = None,
    source: str | None = None,
    title: str | None = None,
    lang: str | None = None,
    attachments: list[tuple[str, Path | bytes]] | None = None,
    meta: dict[str, Any] | None = None,
) -> ChannelJob:
    """One message as a job; a terse field report fixes its language from its keywords."""
    from .terse import language_of

    data = text.encode("utf-8")
    return ChannelJob(
        RawSource(name, data),
        published=published or defaults.published,
        lang=lang or defaults.lang or language_of(text),
        tz=defaults.tz,
        provenance={"channel": channel, "source": source or defaults.source, "sender": sender,
                    "message_id": message_id},
        title=title,
        attachments=attachments or [],
        meta={k: v for k, v in (meta or {}).items() if v not in (None, "", [])},
    )


def failed_job(name: str, reason: str) -> IngestJob:
    """A job that reports its error when run: the batch goes on, the summary counts it as failed."""
    return IngestJob(RawSource(name, None, InputError(reason, path=name)))


def detect_format(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if os.path.isdir(path) and (Path(path) / "result.json").is_file():
        return "telegram"
    return _SUFFIX.get(suffix, "text")


def _readers() -> dict[str, Callable[[str, Defaults], list[IngestJob]]]:
    from . import batch, email, telegram, web

    return {
        "telegram": telegram.read,
        "email": email.read_eml,
        "mbox": email.read_mbox,
        "html": web.read,
        "csv": batch.read_csv,
        "jsonl": batch.read_jsonl,
    }


def jobs_for(paths: Sequence[str], fmt: str, defaults: Defaults) -> list[IngestJob]:
    """Jobs for each path in the given format ("auto": by suffix; plain text goes the usual way)."""
    from .. import expand

    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    if defaults.mapping:
        from .batch import parse_mapping

        parse_mapping(defaults.mapping)  # a bad mapping stops the command before anything is read
    readers = _readers()
    jobs: list[IngestJob] = []
    for path in paths:
        kind = fmt if fmt != "auto" else detect_format(path)
        if kind == "text" or path == "-":
            channel = "stdin" if path == "-" else "file"
            jobs.extend(
                IngestJob(src, published=defaults.published, lang=defaults.lang, tz=defaults.tz,
                          provenance={"channel": channel, "source": defaults.source})
                for src in expand([path])
            )
            continue
        try:
            jobs.extend(readers[kind](path, defaults))
        except InputError as e:
            jobs.append(IngestJob(RawSource(path, None, e)))
    return jobs


def finish(store: Store, jobs: Sequence[IngestJob]) -> int:
    """Store attachments and channel fields of the documents the batch stored; returns attachments linked."""
    from ...attachments import save_attachment
    from .meta import save_meta

    linked = 0
    for job in jobs:
        if not isinstance(job, ChannelJob):
            continue
        doc_id = job.doc_id()
        if doc_id is None or not store.has_document(doc_id):
            continue
        if job.meta:
            save_meta(store, doc_id, str(job.provenance.get("channel")), job.meta)
        for name, item in job.attachments:
            try:
                data = item if isinstance(item, bytes) else item.read_bytes()
            except OSError:
                continue  # an export without its media folder: the text is still worth keeping
            save_attachment(store, data, doc_id=doc_id, name=name)
            linked += 1
    return linked
