"""`redact_row`: one flat row through a policy, field by field, by the roles in `fields.yaml`."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from ..errors import ConfigError
from .geo import blur

if TYPE_CHECKING:
    from .policy import Policy

KINDS = ("event", "observation", "item", "incident", "victim", "document")


@lru_cache(maxsize=1)
def field_roles() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("fields.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ConfigError("fields.yaml must be a mapping", path="khronika/redact/fields.yaml")
    return data


def _roles_for(kind: str, row: Mapping[str, Any]) -> dict[str, str]:
    return _roles(kind, str(row.get("kind", "")) if kind == "item" else "")


@lru_cache(maxsize=64)
def _roles(kind: str, item_kind: str) -> dict[str, str]:
    data = field_roles()
    if kind not in KINDS:
        raise ConfigError(f"cannot redact rows of kind {kind!r} (known: {', '.join(KINDS)})")
    roles = dict(data[kind])
    if kind == "item":
        roles.update(data["item_kinds"].get(item_kind, {}))
    if kind == "incident":
        roles.update(data["incident_nested"])
    return roles


def _passes_unclassified(value: Any) -> bool:
    # Counts and flags cannot carry a name, a text or a coordinate; anything else waits to be classified.
    return value is None or isinstance(value, bool | int)


class _Redactor:
    """The per-row state: the policy, the row's document, the opaque ids of incident sources."""

    def __init__(self, policy: Policy, row: Mapping[str, Any], doc_id: str | None) -> None:
        self.p = policy
        self.row = row
        self.doc_id = row.get("doc_id") or doc_id

    def field(self, role: str, key: str, value: Any) -> tuple[bool, Any]:
        """(emit?, value) for one field."""
        p, doc = self.p, self.doc_id
        if role == "keep":
            return True, value
        if role == "drop":
            return False, None
        if role == "witness":
            return True, p.witness_label(value) if isinstance(value, str) else None
        if role == "role":
            if p.spec.witness_roles == "drop" and p.spec.witness_names != "keep":
                return False, None
            return True, p.names_in_place(doc, value) if isinstance(value, str) else None
        if role == "person":
            return True, p.name_label(doc, value) if isinstance(value, str) else None
        if role == "victim":
            return True, p.victim_label(value, doc) if isinstance(value, str) else None
        if role == "victims":
            vals = value if isinstance(value, list) else []
            return True, [p.victim_label(v, doc) for v in vals if isinstance(v, str)]
        if role == "text":
            return self._text(value)
        if role == "place":
            return True, p.names_in_place(doc, value) if isinstance(value, str) else None
        if role == "source":
            return True, p.source_label(doc, self.row.get("channel"), value)
        if role == "entity":
            person = self.row.get("label") == "PER"
            return True, p.name_label(doc, value) if person and isinstance(value, str) else value
        if role == "location":
            return True, self._location(value)
        if role == "actors":
            actors = [a for a in value or [] if isinstance(a, dict)]
            return True, [
                {"name": self.p.names_in_place(doc, a.get("name")), "inter": a.get("inter")} for a in actors
            ]
        if role == "place_id":
            return self.p.spec.coord_mode == "exact", value
        if role in ("lat", "lon"):
            return True, value  # blurred as a pair in `coords`
        if role in ("sources", "members", "contradictions"):
            return True, getattr(self, f"_{role}")(value)
        raise ConfigError(f"fields.yaml: unknown role {role!r} for field {key!r}")

    def _text(self, value: Any) -> tuple[bool, Any]:
        if not isinstance(value, str):
            return value is None, None
        out = self.p.text_for(self.doc_id, value)
        return out is not None, out

    def coords(self, out: dict[str, Any]) -> None:
        if "lat" in out or "lon" in out:
            lat, lon = blur(
                out.get("lat"),
                out.get("lon"),
                mode=self.p.spec.coord_mode,
                degrees=self.p.spec.coord_degrees,
                place_id=self.row.get("place_id"),
            )
            out["lat"], out["lon"] = lat, lon

    def _location(self, value: Any) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            return None
        keep = ("country", "admin1", "precision", "place_id")
        out: dict[str, Any] = {k: value.get(k) for k in keep if k in value}
        out["name"] = self.p.names_in_place(self.doc_id, value.get("name"))
        lat, lon = blur(
            value.get("lat"),
            value.get("lon"),
            mode=self.p.spec.coord_mode,
            degrees=self.p.spec.coord_degrees,
            place_id=value.get("place_id"),
        )
        out["lat"], out["lon"] = lat, lon
        return out

    # -- incidents: sources, members and contradictions are nested ------------------------------------

    def _source_label(self, key: str, label: str | None) -> str:
        if key.startswith("p:"):
            return self.p.witness_label(label or key) or ""
        if key.startswith("o:") and label:
            return label  # an authority (an official alert's issuer) is public by definition
        return self.p.opaque(key, "Source ")

    def _sources(self, value: Any) -> list[dict[str, Any]]:
        out = []
        for s in value or []:
            if not isinstance(s, dict):
                continue
            key = str(s.get("key", ""))
            out.append(
                {
                    "key": self.p.opaque(key, "S"),
                    "label": self._source_label(key, s.get("label")),
                    "evidence": s.get("evidence"),
                    "events": list(s.get("events") or []),
                    "docs": list(s.get("docs") or []),
                }
            )
        return out

    def _members(self, value: Any) -> list[dict[str, Any]]:
        keep = ("event_id", "doc_id", "start", "end", "subtype", "day", "evidence", "fatalities", "lang")
        out = []
        for m in value or []:
            if not isinstance(m, dict):
                continue
            r: dict[str, Any] = {k: m.get(k) for k in keep}
            r["source"] = self.p.opaque(str(m.get("source", "")), "S")
            r["place"] = self.p.names_in_place(m.get("doc_id"), m.get("place"))
            text = self.p.text_for(m.get("doc_id"), m.get("text"))
            if text is not None:
                r["text"] = text
            out.append(r)
        return out

    def _contradictions(self, value: Any) -> list[dict[str, Any]]:
        given = [s for s in self.row.get("sources") or [] if isinstance(s, dict)]
        labels = {str(s.get("key")): s.get("label") for s in given}
        out = []
        for c in value or []:
            if not isinstance(c, dict):
                continue
            sides = []
            for side in c.get("sides") or []:
                keys = [str(k) for k in side.get("source_keys") or []]
                val = side.get("value")
                if c.get("field") == "place" and isinstance(val, str):
                    docs = side.get("docs") or [None]
                    val = self.p.names_in_place(docs[0], val)
                sides.append(
                    {
                        "value": val,
                        "sources": [self._source_label(k, labels.get(k)) for k in keys],
                        "source_keys": [self.p.opaque(k, "S") for k in keys],
                        "events": list(side.get("events") or []),
                        "docs": list(side.get("docs") or []),
                    }
                )
            out.append({"field": c.get("field"), "sides": sides})
        return out


def redact_row(
    policy: Policy, kind: str, row: Mapping[str, Any], doc_id: str | None = None
) -> dict[str, Any]:
    """`row` as `policy` lets it out; `doc_id` names the document of a nested item's data."""
    roles = _roles_for(kind, row)
    red = _Redactor(policy, row, doc_id)
    out: dict[str, Any] = {}
    for key, value in row.items():
        role = roles.get(key)
        if role is None:
            if kind == "item" and key == "data" and isinstance(value, dict):
                out[key] = redact_row(policy, "item", value, row.get("doc_id"))
            elif _passes_unclassified(value):
                out[key] = value
            continue
        emit, new = red.field(role, key, value)
        if emit:
            out[key] = new
    red.coords(out)
    return out
