"""Write docs/document.schema.json from the document model's type hints.

Run after an additive model change; tests validate `khronika extract --json` output against the file.
Changes must stay additive: a field once published keeps its name and type.
"""

from __future__ import annotations

import json
import types
import typing
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

from khronika.model import LAYERS, SCHEMA_VERSION, Document, Provenance

PRIMITIVES: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    type(None): {"type": "null"},
    Any: {},
}


def schema_of(tp: Any) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [schema_of(a) for a in typing.get_args(tp)]}
    if origin is list:
        return {"type": "array", "items": schema_of(typing.get_args(tp)[0])}
    if origin is dict:
        return {"type": "object"}
    if is_dataclass(tp):
        return object_schema(tp)
    return PRIMITIVES.get(tp, {})


def object_schema(cls: Any) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    props = {f.name: schema_of(hints[f.name]) for f in fields(cls)}
    return {"type": "object", "properties": props, "required": sorted(props), "additionalProperties": True}


def main() -> None:
    doc = object_schema(Document)
    del doc["properties"]["raw"]
    doc["required"].remove("raw")
    doc["properties"]["schema_version"] = {"const": SCHEMA_VERSION}
    doc["required"].append("schema_version")
    doc["properties"]["provenance"] = object_schema(Provenance)
    for layer, cls in LAYERS.items():
        item = object_schema(cls)
        item["properties"]["kind"] = {"const": cls.kind}
        item["required"].append("kind")
        doc["properties"][layer] = {"type": "array", "items": item}
    doc["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    doc["title"] = f"Khronika document, schema {SCHEMA_VERSION} (additive changes only)"
    out = Path(__file__).resolve().parent.parent / "docs" / "document.schema.json"
    out.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
