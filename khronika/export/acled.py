"""Event rows in ACLED's export columns (data/acled.yaml), redacted through a policy.

One row per event report of the current runs, family "acled" only (disruptions are not ACLED events).
Rows of one incident share `incident=<id>` in `tags`, with the incident's independent source count and
its verification state when reviewed, so users can group reports as ACLED would code one event.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from ..errors import ConfigError
from ..redact.geo import geo_precision

if TYPE_CHECKING:
    from ..redact import Policy
    from ..store.store import Store


@lru_cache(maxsize=1)
def acled_spec() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("data/acled.yaml").read_text(encoding="utf-8")
    spec = yaml.safe_load(text)
    if not isinstance(spec, dict) or not isinstance(spec.get("columns"), list):
        raise ConfigError("data/acled.yaml must hold a list of columns", path="khronika/export/data")
    return spec


def columns() -> list[str]:
    return [str(c) for c in acled_spec()["columns"]]


def _inter(code: Any) -> str:
    labels: dict[int, str] = acled_spec()["inter_labels"]
    return labels.get(code, "") if isinstance(code, int) else ""


def _actors(data: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(first side, second side): the first actor and its allies, the first of another inter code."""
    actors = [a for a in data.get("actors") or [] if isinstance(a, dict) and a.get("name")]
    if not actors:
        return [], []
    first_inter = actors[0].get("inter")
    side1 = [a for a in actors if a.get("inter") == first_inter]
    side2 = [a for a in actors if a.get("inter") != first_inter]
    return side1, side2


def _interaction(i1: str, i2: str) -> str:
    if i1 and i2:
        return f"{i1}-{i2}"
    return f"{i1 or i2} only" if (i1 or i2) else ""


def _disorder(etype: str, subtype: str) -> str:
    d = acled_spec()["disorder"]
    return str(d["by_subtype"].get(subtype) or d["by_type"].get(etype, ""))


def _country(code: str | None) -> dict[str, Any]:
    spec = acled_spec()
    return dict(spec["countries"].get(code or spec["default_country"], {}))


def _timestamp(value: str | None) -> str:
    if not value:
        return ""
    try:
        return str(int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()))
    except ValueError:
        return ""


def _num(x: Any) -> str:
    return "" if x is None else f"{float(x):.4f}"


def note(row: dict[str, Any], actors: list[str], sources: int) -> str:
    """ACLED notes from redacted structured fields only (never testimony text)."""
    spec = acled_spec()
    fat = row.get("fatalities")
    fields = {
        "date": row.get("date") or "an unknown date",
        "place": row.get("place") or "an unknown place",
        "type": row.get("type") or "",
        "subtype": row.get("subtype") or "",
        "actors": f" Actors: {'; '.join(actors)}." if actors else "",
        "fatalities": f" Fatalities reported: {fat}." if fat is not None else "",
        "evidence": row.get("evidence") or "unattributed",
        "sources": sources,
        "verification": f" Verification: {row['verification']}." if row.get("verification") else "",
    }
    return " ".join(str(spec["notes_template"]).format(**fields).split())


def acled_row(policy: Policy, raw: dict[str, Any]) -> dict[str, Any]:
    """One export row (ACLED column -> value) from an `event_rows` row."""
    ev = policy.redact_record("event", raw)
    data = policy.redact_record("item", {**(raw.get("item_data") or {}), "doc_id": raw.get("doc_id")})
    loc = data.get("location") or {}
    side1, side2 = _actors(data)
    i1 = _inter(side1[0].get("inter")) if side1 else ""
    i2 = _inter(side2[0].get("inter")) if side2 else ""
    country = _country(loc.get("country"))
    sources = int(raw.get("incident_sources") or 1)
    source = policy.source_label(raw.get("doc_id"), raw.get("doc_channel"), raw.get("doc_source"))
    tags = [f"incident={raw['incident_id']}"] if raw.get("incident_id") else []
    tags += [f"evidence={ev.get('evidence') or 'unattributed'}", f"sources={sources}"]
    if raw.get("verification"):
        tags.append(f"verification={raw['verification']}")
    spec = acled_spec()
    date = ev.get("date") or ""
    names = [a["name"] for a in side1 + side2]
    return {
        "event_id_cnty": f"{spec['id_prefix']}{ev.get('id', '')}",
        "event_date": date,
        "year": date[:4],
        "time_precision": 1 if date else 3,
        "disorder_type": _disorder(ev.get("type", ""), ev.get("subtype", "")),
        "event_type": ev.get("type", ""),
        "sub_event_type": ev.get("subtype", ""),
        "actor1": side1[0]["name"] if side1 else "",
        "assoc_actor_1": "; ".join(a["name"] for a in side1[1:]),
        "inter1": i1,
        "actor2": side2[0]["name"] if side2 else "",
        "assoc_actor_2": "; ".join(a["name"] for a in side2[1:]),
        "inter2": i2,
        "interaction": _interaction(i1, i2),
        "civilian_targeting": "Civilian targeting" if "Civilians" in (i2,) else "",
        "iso": country.get("iso", ""),
        "region": country.get("region", ""),
        "country": country.get("name", ""),
        "admin1": loc.get("admin1") or "",
        "admin2": "",
        "admin3": "",
        "location": ev.get("place") or "",
        "latitude": _num(ev.get("lat")),
        "longitude": _num(ev.get("lon")),
        "geo_precision": geo_precision(policy.spec.coord_mode, policy.spec.coord_degrees)
        if ev.get("lat") is not None
        else "",
        "source": source or "",
        "source_scale": spec["source_scale"],
        "notes": note({**ev, "verification": raw.get("verification")}, names, sources),
        "fatalities": ev.get("fatalities") or 0,
        "tags": "; ".join(tags),
        "timestamp": _timestamp(raw.get("doc_created_at")),
    }


def acled_rows(store: Store, policy: Policy) -> Iterator[dict[str, Any]]:
    from .queries import batches, event_rows

    for batch in batches(event_rows(store, families=("acled",))):
        policy.prefetch(r.get("doc_id") for r in batch)  # one query per batch, not one per document
        for raw in batch:
            yield acled_row(policy, raw)
