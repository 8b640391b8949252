"""GeoJSON FeatureCollection (RFC 7946) of redacted events with coordinates: QGIS opens it as points.

Coordinates are [lon, lat]; properties are flat (scalars only), as QGIS's attribute table wants them.
Written feature by feature, so memory does not grow with the number of events.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .acled import acled_rows

if TYPE_CHECKING:
    from ..redact import Policy
    from ..store.store import Store

PROPERTIES = (
    ("id", "event_id_cnty"),
    ("date", "event_date"),
    ("disorder_type", "disorder_type"),
    ("event_type", "event_type"),
    ("sub_event_type", "sub_event_type"),
    ("actor1", "actor1"),
    ("actor2", "actor2"),
    ("interaction", "interaction"),
    ("country", "country"),
    ("admin1", "admin1"),
    ("location", "location"),
    ("geo_precision", "geo_precision"),
    ("source", "source"),
    ("fatalities", "fatalities"),
    ("notes", "notes"),
    ("tags", "tags"),
)


def feature(row: dict[str, Any]) -> dict[str, Any] | None:
    if row["latitude"] == "" or row["longitude"] == "":
        return None  # no geometry: GeoJSON null geometries confuse some QGIS layers
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [float(row["longitude"]), float(row["latitude"])]},
        "properties": {name: row[col] for name, col in PROPERTIES},
    }


def geojson(store: Store, policy: Policy) -> Iterator[str]:
    yield '{"type": "FeatureCollection", "features": [\n'
    first = True
    for row in acled_rows(store, policy):
        f = feature(row)
        if f is None:
            continue
        yield ("" if first else ",\n") + json.dumps(f, ensure_ascii=False)
        first = False
    yield "\n]}\n"
