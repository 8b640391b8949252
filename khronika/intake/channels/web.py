"""Saved web pages: the main text through trafilatura, with title and date from the page's metadata.

Offline: trafilatura is only given the saved HTML; nothing is fetched.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import InputError
from ...ingest import IngestJob
from ..files import MAX_BYTES
from . import Defaults, text_job

CHANNEL = "web"


def html_to_text(html: str) -> tuple[str, str | None, str | None]:
    """(main text, title, date YYYY-MM-DD) of an HTML page; the date only when the page states one."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=True, favor_recall=True
    )
    if doc is None:
        return "", None, None
    text = getattr(doc, "text", None) or ""
    title = getattr(doc, "title", None)
    date = getattr(doc, "date", None)
    return str(text), str(title) if title else None, str(date) if date else None


def read(path: str, defaults: Defaults) -> list[IngestJob]:
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise InputError(f"cannot read: {e.strerror or e}", path=path) from e
    if len(data) > MAX_BYTES * 4:
        raise InputError("HTML file too large", path=path)
    text, title, date = html_to_text(data.decode("utf-8", "replace"))
    if not text.strip():
        raise InputError("no main text found in the page", path=path)
    return [text_job(path, text, channel=CHANNEL, defaults=defaults, published=defaults.published or date,
                     title=title, meta={"title": title, "page_date": date})]
