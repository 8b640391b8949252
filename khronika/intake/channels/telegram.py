"""Telegram Desktop channel exports: `result.json` (Export chat history, JSON), one document per message.

A message's `date` is its publication time (`date_unixtime`, UTC seconds, is preferred: `date` is in the
exporting computer's zone). `text` is a string or a list of strings and entity objects
({"type": "link", "text": ...}); the entities' text is the message's text. `photo` and `file` are paths
relative to the export folder. Service messages (pins, joins) and messages without text are skipped.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from ...errors import InputError
from ...ingest import IngestJob
from . import Defaults, failed_job, text_job
from ._time import from_epoch, local_iso
from .pseudonym import pseudonym

CHANNEL = "telegram"
_MEDIA_KEYS = ("photo", "file", "thumbnail")


def message_text(value: Any) -> str:
    """The plain text of a message: a string, or the concatenation of a list of strings and entities."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in value
                       if isinstance(p, str | dict))
    return ""


def _published(msg: dict[str, Any], tz: str) -> str | None:
    if msg.get("date_unixtime"):
        return from_epoch(msg["date_unixtime"], tz)
    if msg.get("date"):
        return local_iso(datetime.fromisoformat(str(msg["date"])), tz)
    return None


def _attachments(msg: dict[str, Any], folder: Path) -> list[tuple[str, Path | bytes]]:
    out: list[tuple[str, Path | bytes]] = []
    for key in _MEDIA_KEYS:
        rel = msg.get(key)
        # Telegram writes "(File not included. ...)" when media were left out of the export.
        if isinstance(rel, str) and rel and not rel.startswith("("):
            path = (folder / rel).resolve()
            if folder.resolve() in path.parents:  # a hostile export must not point outside its folder
                out.append((rel, path))
    return out


def load(path: str) -> tuple[dict[str, Any], Path]:
    p = Path(path)
    if p.is_dir():
        p = p / "result.json"
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"not a Telegram export (result.json): {e}", path=str(p)) from e
    if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
        raise InputError("not a Telegram export: no 'messages' list", path=str(p))
    return data, p.parent


def read(path: str, defaults: Defaults) -> list[IngestJob]:
    data, folder = load(path)
    channel_name = str(data.get("name") or "") or None
    jobs: list[IngestJob] = []
    for n, msg in enumerate(data["messages"], 1):
        name = f"{path}#{msg.get('id', n) if isinstance(msg, dict) else n}"
        if not isinstance(msg, dict):
            jobs.append(failed_job(name, f"message {n} is not an object"))
            continue
        if msg.get("type", "message") != "message":
            continue
        text = message_text(msg.get("text")).strip()
        if not text:
            continue
        try:
            published = _published(msg, defaults.tz)
        except (ValueError, OverflowError, OSError):
            jobs.append(failed_job(name, f"message {msg.get('id')}: unreadable date {msg.get('date')!r}"))
            continue
        author = msg.get("from") or msg.get("actor")
        jobs.append(text_job(
            name, text, channel=CHANNEL, defaults=defaults, published=published,
            sender=pseudonym(str(msg.get("from_id") or author or "") or None, kind="tg"),
            message_id=str(msg["id"]) if "id" in msg else None,
            source=defaults.source or channel_name,
            attachments=_attachments(msg, folder),
            meta={
                # A person's name stays out of the store (the pseudonym counts the source); a channel
                # signing its own posts is public.
                "author": author if author and author == channel_name else None,
                "forwarded_from": msg.get("forwarded_from"),
                "reply_to_message_id": msg.get("reply_to_message_id"),
                "edited": msg.get("edited"),
                "chat": channel_name,
                "chat_id": data.get("id"),
            },
        ))
    return jobs
