"""Blurring coordinates: snap to the centre of a grid cell, or move to the place's city.

The centre of the cell, not its corner: a point already on a grid line must move too, so no exported
coordinate equals an exact one (the corner of a 0.05° grid is a plausible real coordinate).
"""

from __future__ import annotations

import math
from functools import lru_cache

# ACLED geo_precision codes: 1 exact place, 2 near it / part of a district, 3 a larger area.
GEO_PRECISION = {"exact": 1, "grid_fine": 2, "grid_coarse": 3, "parent": 3, "drop": 3}
COARSE_DEGREES = 0.1  # a cell wider than this is "a larger area" for ACLED


def snap(value: float, degrees: float) -> float:
    return round((math.floor(value / degrees) + 0.5) * degrees, 6)


@lru_cache(maxsize=1)
def _local_places() -> dict[str, tuple[str, str | None]]:
    """Local gazetteer rows (streets, squares, districts) by id: (area, admin1)."""
    from ..geo.gazetteer import Gazetteer

    return {p.id: (p.area, p.admin1) for p in Gazetteer.load().local_places()}


@lru_cache(maxsize=4096)
def parent_coords(place_id: str) -> tuple[float, float] | None:
    """The coordinates of the city around a local place (its gazetteer `area`), if known."""
    from ..geo.gazetteer import Gazetteer

    area, _admin1 = _local_places().get(place_id, ("", None))
    if not area:
        return None
    for cand in Gazetteer.load().lookup(area):
        if cand.kind in ("city", "capital") or cand.precision == "city":
            return (float(cand.lat), float(cand.lon))
    return None


def blur(
    lat: float | None, lon: float | None, *, mode: str, degrees: float, place_id: str | None = None
) -> tuple[float | None, float | None]:
    """(lat, lon) as the policy lets them out."""
    if lat is None or lon is None or mode == "exact":
        return lat, lon
    if mode == "drop":
        return None, None
    if mode == "parent" and place_id:
        parent = parent_coords(place_id)
        if parent is not None:
            return parent
    return snap(float(lat), degrees), snap(float(lon), degrees)


def geo_precision(mode: str, degrees: float) -> int:
    if mode == "grid":
        return GEO_PRECISION["grid_coarse" if degrees > COARSE_DEGREES else "grid_fine"]
    return GEO_PRECISION.get(mode, 3)
