"""Gazetteer: lookups over GeoNames + local rows, and the user's add/import/export round trip."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from khronika.errors import InputError
from khronika.geo import gazetteer as gz
from khronika.geo.gazetteer import Gazetteer, normalize


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh user folder; the world index cache is shared with the real one to stay fast."""
    monkeypatch.setenv("KHRONIKA_HOME", str(tmp_path))
    real_cache = Path.home() / ".local" / "share" / "khronika" / "cache"
    if real_cache.is_dir():
        (tmp_path / "cache").symlink_to(real_cache)
    Gazetteer.load(reload=True)
    yield tmp_path
    monkeypatch.delenv("KHRONIKA_HOME")
    Gazetteer.load(reload=True)


def test_normalize_folds_case_marks_and_punctuation() -> None:
    assert normalize("Alma-Ata") == "alma ata"
    assert normalize("Ålesund") == "alesund"
    assert normalize("U.S.") == "u s"
    assert normalize("Ёлки") == "елки"


def test_lookup_world_and_local() -> None:
    g = Gazetteer.load()
    almaty = g.lookup("Almaty")[0]
    assert almaty.country == "KZ" and abs(almaty.lat - 43.25) < 0.1
    assert g.lookup("Алма-Ата")[0].id == almaty.id
    kaskelen = g.lookup("Kaskelen")
    assert kaskelen and kaskelen[0].country == "KZ"
    assert g.lookup("Бурундай")[0].country == "KZ"
    assert g.lookup("Mangystau")[0].precision == "region"
    assert g.lookup("Алматинская область")[0].precision == "region"
    akimat = g.lookup("Almaty akimat")[0]
    assert akimat.precision == "point" and akimat.source
    us = g.lookup("United States")[0]
    assert us.precision == "country" and 30 < us.lat < 50


def test_lookup_russian_case_form() -> None:
    g = Gazetteer.load()
    assert g.lookup("Бурундае", lang="ru")[0].country == "KZ"
    assert g.lookup("Казахстане", lang="ru")[0].id == "country:KZ"


def test_search_prefix() -> None:
    names = [p.name for p in Gazetteer.load().search("Kaskel", limit=5)]
    assert "Kaskelen" in names


def test_add_import_export_round_trip(home: Path, tmp_path: Path) -> None:
    p = gz.add({"name": "Shelter Number Seven", "aliases": "Shelter 7|Убежище 7",
                "lat": "43.3", "lon": "76.9",
                "precision": "point", "country": "KZ", "source": "volunteer"})
    assert p.name == "Shelter Number Seven"
    g = Gazetteer.load()
    assert g.lookup("Shelter 7")[0].id == p.id
    assert (home / "gazetteer.csv").is_file()

    gj = tmp_path / "in.geojson"
    gj.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [76.95, 43.21]},
         "properties": {"name": "Field Kitchen North", "precision": "point", "country": "KZ"}}]}))
    assert gz.import_file(gj) == 1
    kitchen = Gazetteer.load().lookup("Field Kitchen North")[0]
    assert kitchen.lon == pytest.approx(76.95)
    assert kitchen.source == "import:in.geojson"  # a row without a source is sourced to its file

    out_csv, out_gj = tmp_path / "out.csv", tmp_path / "out.geojson"
    n = gz.export(out_csv)
    assert n == gz.export(out_gj, fmt="geojson")
    rows = list(csv.DictReader(out_csv.open(encoding="utf-8")))
    assert {"Shelter Number Seven", "Field Kitchen North", "Almaty City Akimat"} <= {r["name"] for r in rows}
    feats = json.loads(out_gj.read_text(encoding="utf-8"))["features"]
    assert len(feats) == n

    # The user file survives a reload (a new process would see the same rows).
    Gazetteer.load(reload=True)
    assert Gazetteer.load().lookup("Убежище 7")


def test_bad_rows_are_refused(home: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError):
        gz.add({"name": "Nowhere", "lat": "95", "lon": "10"})
    with pytest.raises(InputError):
        gz.add({"name": "Somewhere", "lat": "43", "lon": "76", "precision": "galaxy"})
    bad = tmp_path / "bad.csv"
    bad.write_text("name,lat,lon\nGood Place,43,76\nBad Place,x,76\n", encoding="utf-8")
    with pytest.raises(InputError):
        gz.import_file(bad)
    assert not Gazetteer.load().lookup("Good Place")  # nothing half-imported


def test_skeleton_folds_doubled_letters_and_spaces() -> None:
    assert gz.skeleton(normalize("Bossaso")) == gz.skeleton(normalize("Bosaso"))
    assert gz.skeleton(normalize("Adan Yabaal")) == gz.skeleton(normalize("Aadan Yabaal"))
    assert gz.skeleton("ceel buur") == "celbur"


def test_bangladesh_upazilas_are_indexed() -> None:
    kul = [p for p in Gazetteer.load().lookup("Kuliarchar") if p.kind == "admin3"]
    assert kul and kul[0].country == "BD" and kul[0].precision == "district"
    assert 23.5 < kul[0].lat < 25.0 and 90.0 < kul[0].lon < 91.5


def test_import_needs_a_precision_per_row(home: Path, tmp_path: Path) -> None:
    f = tmp_path / "streets.csv"
    f.write_text("name,lat,lon,precision,source\nFurmanov Street,43.25,76.95,street,city map\n"
                 "Unknown Yard,43.26,76.94,,city map\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 2: no precision"):
        gz.import_file(f)
    assert not Gazetteer.load().lookup("Furmanov Street")  # nothing half-imported
    f.write_text("name,lat,lon,precision,source\nFurmanov Street,43.25,76.95,street,city map\n",
                 encoding="utf-8")
    assert gz.import_file(f) == 1
    street = Gazetteer.load().lookup("Furmanov Street")[0]
    assert (street.precision, street.source) == ("street", "city map")


def test_somalia_districts_are_indexed_at_their_capitals() -> None:
    g = Gazetteer.load()
    for name, region in (("Bulo Burto", "Hiiraan"), ("Baydhaba", "Bay"), ("Afmadow", "Lower Juba")):
        rows = [p for p in g.lookup(name) if p.kind == "admin2" and p.country == "SO"]
        assert rows, name
        d = rows[0]
        assert d.admin1 == region and d.precision == "city" and d.source
        assert -2.0 < d.lat < 12.0 and 40.0 < d.lon < 52.0  # inside Somalia
    # a district's other spellings find it too
    assert any(p.kind == "admin2" for p in g.lookup("Buulobarde"))


def test_every_somali_district_row_is_sourced_and_inside_somalia() -> None:
    text = (Path(gz.__file__).parents[1] / "data" / "gazetteer" / "admin2.csv").read_text(encoding="utf-8")
    rows = [r for r in csv.DictReader(text.splitlines()) if r["country"] == "SO"]
    assert len(rows) >= 60
    for r in rows:
        assert r["source"].strip() and r["precision"] == "city", r["name"]
        assert -2.0 < float(r["lat"]) < 12.0 and 40.0 < float(r["lon"]) < 52.0, r["name"]


def test_kazakh_and_russian_names_find_the_same_places() -> None:
    g = Gazetteer.load()
    for en, names in (("Almaty", ("Алматы", "Алма-Ата")), ("Karagandy", ("Қарағанды", "Караганда")),
                      ("Kaskelen", ("Қаскелең", "Каскелен"))):
        for n in names:
            assert any(p.name == en and p.country == "KZ" for p in g.lookup(n)), n
