"""Map and timeline queries: filtered events, server-side grid clusters, incidents by day and hour.

The map never ships every event to the browser. Below `MARKER_ZOOM` (or when a box holds more than
`MAX_MARKERS`), the database groups events by a grid cell whose size follows the zoom (about
`CELL_PX` screen pixels), so the answer is one row per occupied cell whatever the number of events.
`grid_cluster` is the same rule in Python, for tests and for callers that already hold the points.

Cells are counted from (-90, -180), so cell numbers are never negative: SQLite's CAST truncates toward
zero, which for non-negative numbers is the floor PostgreSQL computes with floor().

Serving a pan or a zoom must not read every event: the located events matching a set of filters are
read once per data version and grouped at `FINE_ZOOM` into a `Grid`, and each request merges the cells
of that grid near its box up to its zoom (the grid is a quadtree), with numpy. Only a zoomed-in box,
which may hold few enough events for markers, asks the database, and then by the (lat, lon) index.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import chain
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..store.schema import audit, events, link_events, metadata, runs

MARKER_ZOOM = 13  # from this zoom on, individual markers (a city block is a few hundred pixels)
FINE_ZOOM = 15  # the whole store is clustered at this zoom, and coarser zooms merge its cells
MAX_MARKERS = 800  # more than this in the box: clusters anyway (no screen shows more usefully)
CELL_PX = 64  # cluster cell edge in screen pixels
TILE_PX = 256
VERIFICATION_STATES = ("unverified", "in_progress", "verified", "disputed", "false")
UNVERIFIED = "unverified"


@dataclass(frozen=True)
class BBox:
    south: float
    west: float
    north: float
    east: float

    @classmethod
    def parse(cls, text: str) -> BBox:
        """"south,west,north,east" in degrees (Leaflet's toBBoxString order is west,south,east,north:
        we take the explicit order so a swapped box fails loudly instead of showing nothing)."""
        parts = [float(x) for x in text.split(",")]
        if len(parts) != 4:
            raise ValueError("bbox needs four numbers: south,west,north,east")
        s, w, n, e = parts
        if not (-90 <= s <= n <= 90 and -180 <= w <= 180 and -180 <= e <= 180 and w <= e):
            raise ValueError("bbox must be south,west,north,east with south <= north and west <= east")
        return cls(s, w, n, e)


@dataclass(frozen=True)
class MapQuery:
    """What the map (and the timeline) are filtered by. Empty tuples mean "any"."""

    types: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    verification: tuple[str, ...] = ()
    since: str | None = None  # inclusive local day YYYY-MM-DD
    until: str | None = None
    bbox: BBox | None = None
    zoom: int = 12


@dataclass
class Cluster:
    n: int
    lat: float  # mean of the members: where the events are, not the cell's corner
    lon: float
    cell: tuple[int, int]
    bounds: list[float] = field(default_factory=list)  # south, west, north, east of the members


def cell_degrees(zoom: int) -> float:
    """Edge of a cluster cell in degrees of longitude at this zoom (Web Mercator: 360° per 2^z tiles)."""
    z = max(0, min(int(zoom), 22))
    return 360.0 / float(2**z) * (CELL_PX / TILE_PX)


def cell_of(lat: float, lon: float, size: float) -> tuple[int, int]:
    return math.floor((lat + 90.0) / size), math.floor((lon + 180.0) / size)


def grid_cluster(points: Iterable[tuple[float, float]], zoom: int) -> list[Cluster]:
    """Points grouped by grid cell; clusters sorted by cell (the order the SQL version uses)."""
    size = cell_degrees(zoom)
    acc: dict[tuple[int, int], list[tuple[float, float]]] = {}
    for lat, lon in points:
        acc.setdefault(cell_of(lat, lon, size), []).append((lat, lon))
    out = []
    for cell in sorted(acc):
        pts = acc[cell]
        lats, lons = [p[0] for p in pts], [p[1] for p in pts]
        out.append(Cluster(len(pts), sum(lats) / len(pts), sum(lons) / len(pts), cell,
                           [min(lats), min(lons), max(lats), max(lons)]))
    return out


# -- verification (F1's table, read defensively: the map must work before and without it) ------------


def verification_table() -> sa.Table | None:
    """The table holding each incident's current verification state, if the schema has one."""
    for name in ("verifications", "verification", "incident_verification", "incident_verifications"):
        t = metadata.tables.get(name)
        if t is not None and "incident_id" in t.c and "state" in t.c:
            return t
    return None


def _latest_verification(t: sa.Table) -> sa.Subquery:
    """One row per incident: the state of its latest decision (the table may keep every decision)."""
    order = [t.c[c].desc() for c in ("created_at", "decided_at", "ts", "seq", "id") if c in t.c]
    if not order:
        return sa.select(t.c.incident_id, t.c.state).subquery("ver")
    rn = sa.func.row_number().over(partition_by=t.c.incident_id, order_by=order).label("rn")
    ranked = sa.select(t.c.incident_id, t.c.state, rn).subquery("ver_ranked")
    return sa.select(ranked.c.incident_id, ranked.c.state).where(ranked.c.rn == 1).subquery("ver")


# -- events ---------------------------------------------------------------------------------------------


def current_run(col: sa.ColumnElement[Any] = events.c.run_id) -> sa.ColumnElement[bool]:
    """The row belongs to a current run. Written as NOT IN the superseded runs, which are few (a
    reprocess makes one), so the database checks a small set instead of looking up every row's run."""
    return col.not_in(sa.select(runs.c.id).where(runs.c.superseded_by.is_not(None)))


def _event_source(with_incident: bool, with_verification: bool
                  ) -> tuple[Any, sa.ColumnElement[Any], sa.ColumnElement[Any]]:
    """events, outer-joined (when asked) to their incident and its verification state."""
    src: Any = events
    if not (with_incident or with_verification):
        return src, sa.null(), sa.literal(UNVERIFIED)
    src = src.outerjoin(link_events, link_events.c.event_id == events.c.id)
    incident = link_events.c.incident_id
    vt = verification_table() if with_verification else None
    if vt is None:
        return src, incident, sa.literal(UNVERIFIED)
    ver = _latest_verification(vt)
    src = src.outerjoin(ver, ver.c.incident_id == link_events.c.incident_id)
    return src, incident, sa.func.coalesce(ver.c.state, UNVERIFIED)


def _filters(q: MapQuery, state: sa.ColumnElement[Any], *, located: bool) -> list[sa.ColumnElement[bool]]:
    e = events.c
    where: list[sa.ColumnElement[bool]] = [current_run()]
    if located:
        where += [e.lat.is_not(None), e.lon.is_not(None)]
    if q.types:
        where.append(e.type.in_(q.types))
    if q.evidence:
        where.append(e.evidence.in_(q.evidence))
    # With a box, the days are compared as an expression (date || ''), which no index serves: SQLite
    # keeps no statistics and would otherwise walk ix_events_date over every event of those days and
    # read each row, instead of the box's band of ix_events_map, which holds the date too.
    day = e.date.concat("") if q.bbox is not None else e.date
    if q.since:
        where.append(day >= q.since[:10])
    if q.until:
        where.append(day <= q.until[:10])
    if q.bbox is not None:
        b = q.bbox
        where += [e.lat.between(b.south, b.north), e.lon.between(b.west, b.east)]
    if q.verification:
        where.append(state.in_(q.verification))
    return where


def _cell_expr(conn: Connection, col: sa.ColumnElement[Any], origin: float, size: float) -> Any:
    shifted = (col + origin) / size
    if conn.dialect.name == "postgresql":
        return sa.cast(sa.func.floor(shifted), sa.Integer)
    return sa.cast(shifted, sa.Integer)  # non-negative, so truncation is the floor


def count_events(conn: Connection, q: MapQuery, at_most: int | None = None) -> int:
    """Located events matching `q`; with `at_most`, counting stops there (enough to choose a mode)."""
    src, _inc, state = _event_source(False, bool(q.verification))
    if at_most is None:
        stmt = sa.select(sa.func.count()).select_from(src).where(*_filters(q, state, located=True))
    else:
        # run_id, not id: ix_events_map holds it, so the count reads the index alone
        some = sa.select(events.c.run_id).select_from(src).where(*_filters(q, state, located=True))
        some = some.limit(at_most)
        stmt = sa.select(sa.func.count()).select_from(some.subquery())
    return int(conn.execute(stmt).scalar() or 0)


def clusters(conn: Connection, q: MapQuery) -> list[Cluster]:
    """Grid clusters of the filtered, located events, computed by the database."""
    size = cell_degrees(q.zoom)
    src, _inc, state = _event_source(False, bool(q.verification))
    gy = _cell_expr(conn, events.c.lat, 90.0, size).label("gy")
    gx = _cell_expr(conn, events.c.lon, 180.0, size).label("gx")
    stmt = (
        sa.select(
            gy, gx, sa.func.count().label("n"),
            sa.func.avg(events.c.lat).label("lat"), sa.func.avg(events.c.lon).label("lon"),
            sa.func.min(events.c.lat).label("s"), sa.func.min(events.c.lon).label("w"),
            sa.func.max(events.c.lat).label("n_"), sa.func.max(events.c.lon).label("e"),
        )
        .select_from(src)
        .where(*_filters(q, state, located=True))
        .group_by(gy, gx)
        .order_by(gy, gx)
    )
    return [
        Cluster(int(r.n), float(r.lat), float(r.lon), (int(r.gy), int(r.gx)),
                [float(r.s), float(r.w), float(r.n_), float(r.e)])
        for r in conn.execute(stmt)
    ]


MARKER_COLUMNS = ("id", "doc_id", "type", "subtype", "family", "date", "time_text", "time_begin", "place",
                  "place_id", "lat", "lon", "evidence", "speaker", "fatalities", "confidence", "snippet")


def markers(conn: Connection, q: MapQuery, limit: int = MAX_MARKERS) -> list[dict[str, Any]]:
    """Individual located events (with incident id and verification state), by day then id, undated
    last; at most `limit` (which ones, when more match, is up to the database)."""
    src, incident, state = _event_source(True, True)
    cols = [events.c[c] for c in MARKER_COLUMNS]
    stmt = (
        sa.select(*cols, incident.label("incident_id"), state.label("verification"))
        .select_from(src)
        .where(*_filters(q, state, located=True))
        .limit(limit)
    )
    rows = [dict(r._mapping) for r in conn.execute(stmt)]
    # Sorted here, not by the database: map_view asks only when all of them fit under the limit, and
    # an ORDER BY would make the database read every matching row before returning the first.
    rows.sort(key=lambda r: (r["date"] or "", r["id"]))
    rows.sort(key=lambda r: r["date"] is not None, reverse=True)
    return rows


# -- caching: the data only change when something is written, and every write is audited ---------------


def data_version(conn: Connection) -> tuple[Any, ...]:
    """Which database, and a value that changes whenever the map's data may have: every store write
    appends to the audit chain (runs, linking, review and verification decisions); verification rows
    are counted too, in case a decision is written before its audit entry."""
    head = conn.execute(sa.select(sa.func.max(audit.c.seq))).scalar()
    vt = verification_table()
    n_ver = conn.execute(sa.select(sa.func.count()).select_from(vt)).scalar() if vt is not None else 0
    return conn.engine.url.render_as_string(hide_password=True), head, n_ver


class VersionedCache:
    """A small LRU of computed views, each valid for one data version (thread-safe). A view missing at a
    version is computed by one thread while the others asking for it wait: after a write, every client's
    next request misses at once, and 50 copies of one scan would queue behind each other."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, tuple[Hashable, Any]] = OrderedDict()
        self._pending: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """The value for `key` at `version` (whose first item names the database), computed if needed."""
        key = (version[0], key)
        while True:
            with self._lock:
                hit = self._items.get(key)
                if hit is not None and hit[0] == version:
                    self._items.move_to_end(key)
                    return hit[1]
                busy = self._pending.get((key, version))
                if busy is None:
                    done = self._pending[(key, version)] = threading.Event()
                    break
            busy.wait()  # then look again: computed (or failed, and this thread tries)
        try:
            value = compute()  # outside the lock: other views are served meanwhile
            with self._lock:
                self._items[key] = (version, value)
                self._items.move_to_end(key)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        finally:
            with self._lock:
                del self._pending[(key, version)]
            done.set()
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


CACHE = VersionedCache()
GRIDS = VersionedCache(size=32)  # one fine Grid per set of filters: up to a few MB each at 100k events


class Grid:
    """Clusters of one zoom as numpy columns, sorted by cell (row, then column). Counts and coordinate
    sums add up and bounds take min/max when cells merge into their parents of a coarser zoom."""

    def __init__(self, zoom: int, cols: dict[str, np.ndarray]) -> None:
        self.zoom = zoom
        self.c = cols  # gy, gx (int64); n, slat, slon (sums); s, w, n_, e (bounds of the members)

    @classmethod
    def of(cls, cs: Sequence[Cluster], zoom: int) -> Grid:
        n = np.array([c.n for c in cs], dtype=np.float64)
        bounds = np.array([c.bounds or [c.lat, c.lon, c.lat, c.lon] for c in cs],
                          dtype=np.float64).reshape(-1, 4)
        gy = np.array([c.cell[0] for c in cs], dtype=np.int64)
        gx = np.array([c.cell[1] for c in cs], dtype=np.int64)
        lat = np.array([c.lat for c in cs], dtype=np.float64)
        lon = np.array([c.lon for c in cs], dtype=np.float64)
        return cls._grouped(zoom, gy, gx, {"n": n, "slat": lat * n, "slon": lon * n, "s": bounds[:, 0],
                                           "w": bounds[:, 1], "n_": bounds[:, 2], "e": bounds[:, 3]})

    @classmethod
    def of_points(cls, lat: np.ndarray, lon: np.ndarray, zoom: int) -> Grid:
        """The clusters of these points: `grid_cluster`'s rule, on arrays."""
        size = cell_degrees(zoom)
        gy = np.floor((lat + 90.0) / size).astype(np.int64)
        gx = np.floor((lon + 180.0) / size).astype(np.int64)
        return cls._grouped(zoom, gy, gx, {"n": np.ones(len(lat)), "slat": lat, "slon": lon, "s": lat,
                                           "w": lon, "n_": lat, "e": lon})

    @classmethod
    def _grouped(cls, zoom: int, gy: np.ndarray, gx: np.ndarray, cols: dict[str, np.ndarray]) -> Grid:
        """One cluster per distinct (gy, gx), sorted: counts and sums add, bounds take min / max."""
        uniq, inv = np.unique((gy << 32) | gx, return_inverse=True)  # cell numbers stay below 2**32
        m = len(uniq)
        out = {"gy": uniq >> 32, "gx": uniq & 0xFFFFFFFF}
        for col in ("n", "slat", "slon"):
            out[col] = np.bincount(inv, weights=cols[col], minlength=m)
        for col, fill, ufunc in (("s", np.inf, np.minimum), ("w", np.inf, np.minimum),
                                 ("n_", -np.inf, np.maximum), ("e", -np.inf, np.maximum)):
            out[col] = np.full(m, fill)
            ufunc.at(out[col], inv, cols[col])
        return cls(zoom, out)

    def __len__(self) -> int:
        return len(self.c["gy"])

    def coarser(self, zoom: int) -> Grid:
        """The clusters of a coarser zoom: each cell is 2x2 cells of the next zoom, counted from the
        same corner, so a parent's cell number is the child's shifted right."""
        shift = self.zoom - zoom
        if shift < 0:
            raise ValueError("merge goes from a finer zoom to a coarser one")
        if shift == 0:
            return self
        return self._grouped(zoom, self.c["gy"] >> shift, self.c["gx"] >> shift, self.c)

    def around(self, box: BBox, zoom: int) -> Grid:
        """The cells whose parent cell at `zoom` meets the box (a row or column more on each side, against
        rounding): every cluster of that zoom centred in the box is made only of these."""
        size = cell_degrees(zoom)
        shift = self.zoom - zoom
        r0, c0 = cell_of(box.south, box.west, size)
        r1, c1 = cell_of(box.north, box.east, size)
        gy, gx = self.c["gy"], self.c["gx"]
        lo, hi = np.searchsorted(gy, [(r0 - 1) << shift, (r1 + 2) << shift])  # rows are sorted
        parent_col = gx[lo:hi] >> shift
        keep = np.flatnonzero((parent_col >= c0 - 1) & (parent_col <= c1 + 1)) + lo
        return Grid(self.zoom, {k: v[keep] for k, v in self.c.items()})

    def clusters(self, box: BBox | None = None) -> list[Cluster]:
        """The clusters, in cell order; with a box, those centred in it."""
        c = self.c
        lat, lon = c["slat"] / c["n"], c["slon"] / c["n"]
        idx = np.arange(len(self))
        if box is not None:
            idx = np.flatnonzero((lat >= box.south) & (lat <= box.north) & (lon >= box.west)
                                 & (lon <= box.east))
        return [Cluster(int(c["n"][i]), float(lat[i]), float(lon[i]), (int(c["gy"][i]), int(c["gx"][i])),
                        [float(c["s"][i]), float(c["w"][i]), float(c["n_"][i]), float(c["e"][i])])
                for i in idx.tolist()]


def merge(cs: Sequence[Cluster], from_zoom: int, to_zoom: int) -> list[Cluster]:
    """Clusters of a coarser zoom from those of a finer one: no event needs to be read again."""
    if from_zoom < to_zoom:
        raise ValueError("merge goes from a finer zoom to a coarser one")
    return Grid.of(cs, from_zoom).coarser(to_zoom).clusters()


def _in_box(c: Cluster, b: BBox | None) -> bool:
    return b is None or (b.south <= c.lat <= b.north and b.west <= c.lon <= b.east)


REVIEW_STATUS = {"accept": "accepted", "edit": "edited", "reject": "rejected"}


def review_status(conn: Connection, item_ids: Sequence[str]) -> dict[str, str]:
    """item id -> accepted / edited / rejected from its latest standing review; absent: unreviewed."""
    t = metadata.tables.get("reviews")
    if t is None or not {"item_id", "decision", "stale", "created_at"} <= set(t.c.keys()) or not item_ids:
        return {}
    out: dict[str, str] = {}
    ids = list(dict.fromkeys(item_ids))
    for i in range(0, len(ids), 500):
        stmt = (sa.select(t.c.item_id, t.c.decision)
                .where(t.c.item_id.in_(ids[i:i + 500]), t.c.stale == 0)
                .order_by(t.c.created_at, t.c.id))
        for r in conn.execute(stmt):  # in order: the latest decision wins
            out[str(r.item_id)] = REVIEW_STATUS.get(str(r.decision), str(r.decision))
    return out


def map_view(conn: Connection, q: MapQuery, cache: VersionedCache | None = GRIDS) -> dict[str, Any]:
    """What the map shows for this query: {"mode": "clusters"|"markers", "total", "clusters"|"markers"}.

    Markers when zoomed in (MARKER_ZOOM on) and the box holds at most MAX_MARKERS events. Otherwise
    clusters of the whole store at that zoom and with those filters, those centred in the box: from
    the cached `Grid` (one scan per filters and data version), so panning and zooming cost no scan;
    without a cache, or zoomed in past FINE_ZOOM, the database clusters the box itself.
    """
    if q.zoom >= MARKER_ZOOM:
        if count_events(conn, q, at_most=MAX_MARKERS + 1) <= MAX_MARKERS:
            return _marker_view(conn, q)
        if cache is None or q.zoom > FINE_ZOOM:
            cs = clusters(conn, q)
            return _cluster_view(q, cs, sum(c.n for c in cs))
    if cache is None:
        cs = [c for c in clusters(conn, replace(q, bbox=None)) if _in_box(c, q.bbox)]
    else:
        cs = _grid_clusters(conn, q, cache)
    return _cluster_view(q, cs, sum(c.n for c in cs))


def _grid_clusters(conn: Connection, q: MapQuery, cache: VersionedCache) -> list[Cluster]:
    fine_q = replace(q, bbox=None, zoom=FINE_ZOOM)
    fine: Grid = cache.get(("grid", fine_q), data_version(conn), lambda: fine_grid(conn, fine_q))
    part = fine if q.bbox is None else fine.around(q.bbox, q.zoom)
    return part.coarser(q.zoom).clusters(q.bbox)


def fine_grid(conn: Connection, q: MapQuery) -> Grid:
    """The located events matching `q` (its box and zoom aside), clustered at FINE_ZOOM. The points
    come over as two floats each, straight into numpy, and are grouped there: cheaper than the
    database's GROUP BY, which sorts every event into a temporary b-tree."""
    q = replace(q, bbox=None)
    src, _inc, state = _event_source(False, bool(q.verification))
    stmt = sa.select(events.c.lat, events.c.lon).select_from(src).where(*_filters(q, state, located=True))
    pts = np.fromiter(chain.from_iterable(conn.execute(stmt)), dtype=np.float64).reshape(-1, 2)
    return Grid.of_points(pts[:, 0], pts[:, 1], FINE_ZOOM)


def _marker_view(conn: Connection, q: MapQuery) -> dict[str, Any]:
    rows = markers(conn, q)
    reviewed = review_status(conn, [m["id"] for m in rows])
    for m in rows:
        m["status"] = reviewed.get(m["id"], "unreviewed")  # "status": the redaction policy keeps it
    return {"mode": "markers", "total": len(rows), "markers": rows}


def _cluster_view(q: MapQuery, cs: list[Cluster], total: int) -> dict[str, Any]:
    return {"mode": "clusters", "total": total, "cell_degrees": cell_degrees(q.zoom),
            "clusters": [{"n": c.n, "lat": c.lat, "lon": c.lon, "bounds": c.bounds} for c in cs]}


def facets(conn: Connection) -> dict[str, Any]:
    """Values the filters offer: event types present, evidence levels present, the day range."""
    cur = current_run()
    types = conn.execute(sa.select(events.c.type).where(cur).distinct().order_by(events.c.type))
    evs = conn.execute(sa.select(events.c.evidence).where(cur).distinct())
    span = sa.select(sa.func.min(events.c.date), sa.func.max(events.c.date)).where(cur)
    lo, hi = conn.execute(span).one()
    return {
        "types": [t for t in types.scalars() if t],
        "evidence": sorted({x for x in evs.scalars() if x}),
        "verification": list(VERIFICATION_STATES),
        "first_day": lo,
        "last_day": hi,
    }


# -- timeline ---------------------------------------------------------------------------------------------


def event_times(conn: Connection, event_ids: Sequence[str]) -> dict[str, str]:
    """time_begin (UTC) of events of current runs, by event id."""
    out: dict[str, str] = {}
    ids = list(dict.fromkeys(event_ids))
    for i in range(0, len(ids), 500):
        stmt = sa.select(events.c.id, events.c.time_begin).where(
            current_run(), events.c.id.in_(ids[i:i + 500]), events.c.time_begin.is_not(None))
        out.update({str(r.id): str(r.time_begin) for r in conn.execute(stmt)})
    return out


def incident_states(conn: Connection, incident_ids: Sequence[str]) -> dict[str, str]:
    """Current verification state per incident (unverified when nobody decided, or no table yet)."""
    vt = verification_table()
    if vt is None or not incident_ids:
        return {}
    ver = _latest_verification(vt)
    out: dict[str, str] = {}
    ids = list(dict.fromkeys(incident_ids))
    for i in range(0, len(ids), 500):
        stmt = sa.select(ver.c.incident_id, ver.c.state).where(ver.c.incident_id.in_(ids[i:i + 500]))
        out.update({str(r.incident_id): str(r.state) for r in conn.execute(stmt)})
    return out


def local_hour(utc_iso: str | None, tz: str) -> tuple[str, int] | None:
    """(local day, hour) of a UTC timestamp such as 2022-01-05T09:00:00Z."""
    if not utc_iso or len(utc_iso) < 13:
        return None
    try:
        dt = datetime.fromisoformat(utc_iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        return None
    local = dt.astimezone(ZoneInfo(tz))
    return local.date().isoformat(), local.hour


def timeline(incidents: Sequence[dict[str, Any]], times: dict[str, str], states: dict[str, str],
             q: MapQuery, tz: str = "Asia/Almaty") -> list[dict[str, Any]]:
    """Incidents grouped by day, then hour (None when no member has a clock time), filtered by `q`.

    Days ascend; undated incidents come last under day None. Each incident gets `hour` (from its
    earliest timed member, local time) and `verification`.
    """
    days: dict[str | None, dict[int | None, list[dict[str, Any]]]] = {}
    for inc in incidents:
        if not _keep(inc, states, q):
            continue
        stamps = sorted(times[m["event_id"]] for m in inc.get("members", []) if m.get("event_id") in times)
        at = local_hour(stamps[0], tz) if stamps else None
        day = inc.get("first_day")
        hour = at[1] if at and at[0] == day else None
        row = {**inc, "hour": hour, "verification": states.get(inc["id"], UNVERIFIED)}
        days.setdefault(day, {}).setdefault(hour, []).append(row)
    out = []
    for day in sorted(days, key=lambda d: (d is None, d or "")):
        hours = days[day]
        out.append({
            "day": day,
            "n": sum(len(v) for v in hours.values()),
            "hours": [{"hour": h, "incidents": hours[h]}
                      for h in sorted(hours, key=lambda h: (h is None, h or 0))],
        })
    return out


def _keep(inc: dict[str, Any], states: dict[str, str], q: MapQuery) -> bool:
    if q.types and inc.get("type") not in q.types:
        return False
    if q.evidence and inc.get("best_evidence") not in q.evidence:
        return False
    if q.verification and states.get(inc["id"], UNVERIFIED) not in q.verification:
        return False
    day = str(inc.get("first_day") or "")
    if (q.since or q.until) and not day:
        return False
    if q.since and str(inc.get("last_day") or day) < q.since[:10]:
        return False
    return not (q.until and day > q.until[:10])
