"""Exports: ACLED CSV, GeoJSON, HXL CSV, the printable HTML report, and the full JSONL backup.

    chunks = start_export(store, "acled", "public", actor="cli:alice", role="admin")
    for chunk in chunks: out.write(chunk)

Every format streams text chunks. Every format but the backup goes through a real redaction policy;
the backup ("jsonl") is unredacted, admin-only, and needs policy "none" spelt out. Each export is
recorded in the audit chain before its first byte is produced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:
    from ..redact import Policy
    from ..store.store import Store

BACKUP = "jsonl"
IDENTITY_POLICY = "none"
DEFAULT_POLICY = "public"


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str
    suffix: str
    summary: str


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("acled", "text/csv; charset=utf-8", ".csv", "ACLED-compatible CSV (data/acled.yaml columns)"),
        Format("geojson", "application/geo+json", ".geojson", "GeoJSON points for QGIS"),
        Format("hxl", "text/csv; charset=utf-8", ".csv", "HXL-tagged CSV (data/hxl_tags.csv)"),
        Format("html", "text/html; charset=utf-8", ".html", "printable HTML report"),
        Format(BACKUP, "application/x-ndjson", ".jsonl", "full JSONL backup (admin, --policy none)"),
    )
}


def _writer(fmt: str) -> Callable[[Store, Policy], Iterator[str]]:
    from . import geojson, html, tabular

    writers: dict[str, Callable[[Store, Policy], Iterator[str]]] = {
        "acled": tabular.acled_csv,
        "hxl": tabular.hxl_csv,
        "geojson": geojson.geojson,
        "html": html.html_report,
    }
    return writers[fmt]


class ExportRefused(InputError):
    """The caller may not have this export (role or policy): the API answers 403."""

    code = "K110"


def check_request(fmt: str, policy: str | None, role: str) -> str:
    """The policy name to use, or an error saying why this export is not allowed."""
    from ..redact import load_spec

    if fmt not in FORMATS:
        raise InputError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")
    if fmt == BACKUP:
        if role != "admin":
            raise ExportRefused("the JSONL backup is unredacted: admins only")
        if policy != IDENTITY_POLICY:
            raise InputError("the JSONL backup is unredacted: pass --policy none to confirm")
        return IDENTITY_POLICY
    name = policy or DEFAULT_POLICY
    spec = load_spec(name)
    if spec.admin_only or spec.is_identity:
        raise ExportRefused(f"policy {name!r} redacts nothing: only the JSONL backup may use it")
    if role == "viewer" and not spec.protects_witnesses:
        raise ExportRefused(f"policy {name!r} is too weak for the viewer role (use viewer, public or strict)")
    return name


def start_export(store: Store, fmt: str, policy: str | None, *, actor: str, role: str) -> Iterator[str]:
    """Check, audit, and return the export's text chunks (a generator: nothing is read until iterated)."""
    name = check_request(fmt, policy, role)
    store.audit_append("export", {"format": fmt, "policy": name, "actor": actor, "role": role})
    if fmt == BACKUP:
        from .backup import dump

        return dump(store)
    from ..redact import get_policy

    return _writer(fmt)(store, get_policy(name, store=store))
