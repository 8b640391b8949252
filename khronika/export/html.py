"""The printable HTML report: chronicle, situation board, incidents with their sources, casualty register.

A standalone file (styles inline, no scripts, nothing fetched), auto-escaped, rendered as a stream
(`Template.generate`) over row generators, so a large chronicle never sits in memory whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import jinja2

from ..store import audit as audit_mod
from .acled import acled_rows

if TYPE_CHECKING:
    from ..redact import Policy
    from ..store.store import Store


def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("khronika.export", "templates"),
        autoescape=True,  # testimony text is hostile by assumption
        undefined=jinja2.StrictUndefined,
    )


def _incidents(store: Store, policy: Policy) -> Iterator[dict[str, Any]]:
    from .queries import batches, incident_rows

    for batch in batches(incident_rows(store)):
        policy.prefetch(m.get("doc_id") for r in batch for m in r.get("members") or [])
        for row in batch:
            yield policy.redact_record("incident", row)


def _board(store: Store, policy: Policy) -> list[dict[str, Any]]:
    # One entry per (service, place): small, so the board is read whole like `khronika board` does.
    return [policy.redact_record("observation", e) for e in store.board()]


def _register(store: Store, policy: Policy) -> list[dict[str, Any]]:
    from ..register import register

    out = []
    for entry in register(store.victim_rows()):
        for m in entry.get("mentions") or []:
            policy.doc_names(m.get("doc_id"))  # so a "victim" who is a witness is known as one
        out.append(policy.redact_record("victim", entry))
    return out


def html_report(store: Store, policy: Policy, *, title: str = "Khronika report") -> Iterator[str]:
    template = _env().get_template("report.html")
    yield from template.generate(
        title=title,
        policy=policy.spec,
        created=audit_mod.utc_now(),
        chronicle=acled_rows(store, policy),
        board=_board(store, policy),
        incidents=_incidents(store, policy),
        register=_register(store, policy),
    )
