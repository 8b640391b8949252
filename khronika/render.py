"""Plain-text views of documents, the chronicle and the board, for the terminal."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from rich.console import Console
from rich.table import Table

from .model import Document

EVIDENCE_STYLE = {
    "witnessed": "green",
    "official": "blue",
    "relayed": "cyan",
    "media": "magenta",
    "hearsay": "yellow",
    "belief": "red",
}


def _ev(level: str | None) -> str:
    if not level:
        return "-"
    return f"[{EVIDENCE_STYLE.get(level, 'white')}]{level}[/]"


def render_chronicle(rows: list[dict[str, Any]], console: Console) -> None:
    if not rows:
        console.print("(the chronicle is empty: ingest some texts first)")
        return
    by_day: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_day[r.get("date") or "undated"].append(r)
    for day, items in by_day.items():
        console.print(f"[bold]{day}[/bold]")
        for r in items:
            kind = r.get("subtype") or r.get("type") or "?"
            place = r.get("place") or "place unknown"
            when = r.get("time") or r.get("time_text") or ""
            who = r.get("speaker") or "author"
            console.print(
                f"  • {kind} — {place}{f' — {when}' if when else ''} — {_ev(r.get('evidence'))}"
                f" — {who} [dim]({str(r.get('doc_id', ''))[:8]})[/dim]",
                highlight=False,
            )


def render_board(rows: list[dict[str, Any]], console: Console) -> None:
    if not rows:
        console.print("(the board is empty: no service observations yet)")
        return
    table = Table(show_lines=False)
    for col in ("service", "place", "state", "since", "sources", "evidence", "notes"):
        table.add_column(col)
    for r in rows:
        notes = []
        if r.get("qualifiers"):
            notes.append(", ".join(f"{k}={v}" for k, v in r["qualifiers"].items()))
        if r.get("conflicts"):
            notes.append(
                "conflicts: "
                + ", ".join(str(c.get("state", c)) if isinstance(c, dict) else str(c) for c in r["conflicts"])
            )
        table.add_row(
            str(r.get("service", "")),
            str(r.get("place") or "-"),
            str(r.get("state", "")),
            str(r.get("since") or "-"),
            str(r.get("n_sources", "")),
            _ev(r.get("evidence")),
            "; ".join(notes),
        )
    console.print(table)


def render_document(doc: Document, console: Console) -> None:
    console.print(
        f"[bold]{doc.title or doc.id}[/bold]  [dim]{doc.id} · {doc.lang} · published "
        f"{doc.published or 'unknown'}[/dim]",
        highlight=False,
    )
    for t in doc.testimonies:
        who = "author" if t.is_author else f"{t.speaker or '?'}{f' ({t.role})' if t.role else ''}"
        console.print(f"\n[bold]{who}[/bold]", highlight=False)
        for s in doc.statements:
            if s.testimony_id == t.id:
                rel = f" via {s.relayer}" if s.relayer else ""
                neg = " [dim](negated)[/dim]" if s.negated else ""
                console.print(
                    f"  [{_ev(s.evidence)}{rel}]{neg} {doc.text[s.start : s.end].strip()}", highlight=False
                )
    if doc.events:
        console.print("\n[bold]Events[/bold]")
        for e in sorted(doc.events, key=lambda e: e.start):
            loc = (e.location or {}).get("name") or "-"
            console.print(
                f"  {e.type} / {e.subtype} — {e.date or 'undated'} — {loc} — {_ev(e.evidence)} "
                f"«{doc.text[e.start : e.end]}»",
                highlight=False,
            )
    if doc.claims:
        console.print("\n[bold]Claims[/bold]")
        for c in doc.claims:
            console.print(
                f"  {c.holder or 'author'} ({c.hedge or 'no hedge'}): {c.proposition}", highlight=False
            )
    if doc.services:
        console.print("\n[bold]Services[/bold]")
        for o in doc.services:
            console.print(
                f"  {o.service}: {o.state} {o.qualifiers or ''} — {_ev(o.evidence)}", highlight=False
            )
    if doc.victims:
        console.print("\n[bold]Victims[/bold]")
        for v in doc.victims:
            console.print(
                f"  {v.name or v.count or '?'}: {v.fate} — {v.circumstances or ''}", highlight=False
            )
