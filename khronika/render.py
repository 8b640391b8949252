"""Plain-text views of documents, the chronicle and the board, for the terminal."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from rich.console import Console
from rich.markup import escape

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
    """By day: one line per incident (reports, independent sources, best evidence, contradictions) and
    one per event that no other report links to."""
    if not rows:
        console.print("(the chronicle is empty: ingest some texts first)")
        return
    by_day: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_day[r.get("date") or "undated"].append(r)
    for day, items in by_day.items():
        console.print(f"[bold]{day}[/bold]")
        for r in items:
            line = _incident_line(r) if r.get("kind") == "incident" else _event_line(r)
            console.print(line, highlight=False)


def _event_line(r: dict[str, Any]) -> str:
    kind = r.get("subtype") or r.get("type") or "?"
    place = r.get("place") or "place unknown"
    when = r.get("time") or r.get("time_text") or ""
    who = r.get("speaker") or "author"
    return (
        f"  • {escape(kind)} — {escape(place)}{escape(f' — {when}') if when else ''} — "
        f"{_ev(r.get('evidence'))} — {escape(who)} [dim]({str(r.get('doc_id', ''))[:8]})[/dim]"
    )


def _incident_line(r: dict[str, Any]) -> str:
    kind = r.get("subtype") or r.get("type") or "?"
    place = r.get("place") or "place unknown"
    n, k = int(r.get("n_members") or 0), int(r.get("n_sources") or 0)
    fields = sorted({str(c.get("field")) for c in r.get("contradictions") or []})
    first, last = r.get("first_day"), r.get("last_day")
    days = f" — {first}..{last}" if first and last and first != last else ""
    flag = f" — [bold red]⚠ sources disagree on {escape(', '.join(fields))}[/bold red]" if fields else ""
    return (
        f"  ◆ {escape(kind)} — {escape(place)}{days} — {n} reports, "
        f"{k} independent source{'s' if k != 1 else ''}, best {_ev(r.get('evidence'))}{flag}"
        f" [dim]({str(r.get('incident_id', ''))[:12]})[/dim]"
    )


_STATE_STYLE = {
    "working": "green",
    "restored": "green",
    "degraded": "yellow",
    "down": "red",
    "closed_preemptively": "magenta",
    "unknown": "dim",
}


def _state(state: str | None) -> str:
    s = state or "?"
    return f"[{_STATE_STYLE.get(s, 'white')}]{s}[/]"


def _when(iso: str | None) -> str:
    # UTC instants from the store, shortened: "2022-01-07T18:00:00Z" -> "2022-01-07 18:00Z"
    return f"{iso[:10]} {iso[11:16]}Z" if iso and len(iso) >= 16 else (iso or "-")


def _qualifier_notes(q: dict[str, Any]) -> list[str]:
    notes = []
    lim = q.get("limit")
    if isinstance(lim, dict):
        amount = f"{lim.get('amount', '?')} {lim.get('currency', '')}".strip()
        usd = f" (~${lim['approx_usd']})" if lim.get("approx_usd") else ""
        notes.append(f"limit {amount}{usd}" + (f" on {lim['what']}" if lim.get("what") else ""))
    if q.get("queue"):
        notes.append("queues" + (f" ({q['duration']})" if q.get("duration") else ""))
    if q.get("workaround"):
        notes.append(f"only via {q['workaround']}")
    if q.get("scope"):
        quoted = f" «{q['scope_text']}»" if q.get("scope_text") else ""
        notes.append(escape(f"scope: {q['scope']}{quoted}"))
    if q.get("cash_only"):
        notes.append("cash only")
    return notes


def _who(r: dict[str, Any]) -> str:
    return str(r.get("speaker") or "author")


def _board_line(r: dict[str, Any]) -> list[str]:
    n = int(r.get("n_sources") or 0)
    notes = _qualifier_notes(r.get("qualifiers") or {})
    pad = " " * max(0, 20 - len(str(r.get("state") or "?")))  # markup has no width: pad by hand
    head = (
        f"  {r.get('service', '?'):<20} {_state(r.get('state'))}{pad} {n} source{'s' if n != 1 else ''}, "
        f"{_ev(r.get('evidence'))}, since {_when(r.get('since'))}"
        + (f" — {'; '.join(notes)}" if notes else "")
    )
    lines = [head]
    hist = r.get("history") or []
    if len(hist) > 1:
        steps = []
        for h in hist:
            extra = _qualifier_notes(h.get("qualifiers") or {})
            when = f" {h['time']}" if h.get("time") else ""
            steps.append(
                escape(f"{h['state']}{when} ({h.get('speaker') or 'author'}")
                + (f"; {', '.join(extra)}" if extra else "")
                + ")"
            )
        lines.append("      history: " + " → ".join(steps))
    for c in r.get("conflicts") or []:
        text = " ".join(str(c.get("text") or "").split())
        text = text if len(text) <= 90 else text[:89] + "…"
        lines.append(
            f"      [bold]conflict:[/bold] {_state(c.get('state'))} — {escape(_who(c))}, "
            f"{_ev(c.get('evidence'))} «{escape(text)}»"
        )
    return lines


def render_board(rows: list[dict[str, Any]], console: Console) -> None:
    """Per place: each service's state with its sources, qualifiers, history and conflicts side by side."""
    if not rows:
        console.print("(the board is empty: no service observations yet)")
        return
    by_place: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_place[r.get("place") or "place unknown"].append(r)
    # The place with the most entries first: on a place board, the place asked for.
    for place, items in sorted(by_place.items(), key=lambda kv: -len(kv[1])):
        console.print(f"[bold]{escape(place)}[/bold]", highlight=False)
        for r in items:
            if r.get("state") != "unknown":
                for line in _board_line(r):
                    console.print(line, highlight=False)
        unknown = [str(r.get("service")) for r in items if r.get("state") == "unknown"]
        if unknown:
            console.print(f"  [dim]unknown (nobody reported): {', '.join(unknown)}[/dim]", highlight=False)


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


def render_documents(rows: list[dict[str, Any]], console: Console) -> None:
    if not rows:
        console.print("(no documents)")
    for r in rows:
        line = f"{str(r.get('id', ''))[:12]}  {r.get('published') or '?':<10}  {r.get('lang') or '':<3} "
        console.print(line + (r.get("title") or ""), highlight=False, markup=False)


def render_incidents(rows: list[dict[str, Any]], console: Console) -> None:
    if not rows:
        console.print("(no incidents: ingest reports first)")
    for r in rows:
        days = r["first_day"] if r["first_day"] == r["last_day"] else f"{r['first_day']}..{r['last_day']}"
        console.print(
            f"[bold]{r['id'][:16]}[/bold] v{r['version']}  {days or 'undated'}  {escape(str(r['subtype']))}  "
            f"{escape(str(r['place'] or '?'))}  events={r['n_members']} sources={r['n_sources']} "
            f"best={r['best_evidence'] or '?'} conf={r['confidence']:.2f}",
            highlight=False,
        )
        for m in r["members"]:
            line = f"    {m['doc_id'][:12]} {m['day'] or '?':<10} {m['evidence'] or '?':<9} {m['text'][:90]}"
            console.print(line, highlight=False, markup=False)
        for c in r["contradictions"]:
            sides = " vs ".join(f"{s['value']} ({'; '.join(s['sources'])})" for s in c["sides"])
            console.print(
                f"    [red]contradiction[/red] {escape(c['field'])}: {escape(sides)}", highlight=False
            )


def render_narratives(rows: list[dict[str, Any]], console: Console) -> None:
    if not rows:
        console.print("(no narratives)")
    for n in rows:
        console.print(
            f"{n['id'][:16]}  [{n['topic'] or '-'}] {n['label'][:80]}  claims={n['n_claims']} "
            f"sources={n['n_sources']} holders={', '.join(n['holders']) or '-'} "
            f"hedges={', '.join(n['hedges']) or '-'}",
            highlight=False,
            markup=False,
        )


def render_register(rows: list[dict[str, Any]], console: Console) -> None:
    if not rows:
        console.print("(no victims reported)")
    for r in rows:
        who = r["name"] or f"{r['count']} unnamed"
        when = r["date"] or (" / ".join(r["dates"]) + " (sources differ)" if r["dates"] else "date unknown")
        where = r["place"] or (" / ".join(r["places"]) if r["places"] else "place unknown")
        also = (
            f" (also written {', '.join(v for v in r['variants'] if v != r['name'])})"
            if len(r["variants"]) > 1
            else ""
        )
        console.print(
            f"{who}{also}: {r['fate']} — {when} — {where} — {r['n_documents']} document(s)",
            highlight=False,
            markup=False,
        )
        if r["perpetrator"] or r["circumstances"]:
            console.print(
                f"    by {r['perpetrator'] or '?'}; {r['circumstances'] or ''}", highlight=False, markup=False
            )
        if r["needs"]:
            console.print(f"    needs: {', '.join(r['needs'])}", highlight=False, markup=False)
