"""Resolution by context on a small gazetteer made here: a town and the county it lies in, a bracketed
"(District, Region)" qualifier, and the Mount/Mt. spellings. Every place and coordinate is invented
for these tests, so the expected readings follow from the rows below alone."""

from __future__ import annotations

from khronika.geo import Geoparser
from khronika.geo.gazetteer import Gazetteer, Row, abbreviated, normalize


def _row(pid: str, name: str, lat: float, lon: float, cc: str, adm1: str, pop: int, kind: str) -> Row:
    prec = {"city": "city", "admin1": "region", "admin2": "region"}[kind]
    return (pid, name, lat, lon, prec, cc, adm1, pop, "test", kind, (), "")


def _parser(rows: list[Row]) -> Geoparser:
    index: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        index.setdefault(normalize(r[1]), []).append(i)
    ordered = {k: tuple(sorted(v, key=lambda i: rows[i][7], reverse=True)) for k, v in index.items()}
    return Geoparser(Gazetteer(rows, ordered))


# Two states, each with a Paris and a Henry County; only in Westland do the two lie together.
_TWIN_ROWS = [
    _row("p-east", "Paris", 40.0, -80.0, "US", "Eastland", 300_000, "city"),
    _row("p-west", "Paris", 36.0, -95.0, "US", "Westland", 40_000, "city"),
    _row("h-east", "Henry County", 38.0, -84.0, "US", "Eastland", 0, "admin2"),
    _row("h-west", "Henry County", 36.1, -95.1, "US", "Westland", 0, "admin2"),
    _row("s-east", "Eastland", 39.0, -82.0, "US", "Eastland", 0, "admin1"),
    _row("s-west", "Westland", 35.0, -96.0, "US", "Westland", 0, "admin1"),
]


def test_a_town_and_its_county_read_together() -> None:
    """The bigger Paris loses to the one that lies in the Henry County the story also names."""
    gp = _parser(_TWIN_ROWS)
    refs = gp.place_refs("A Paris man was arrested on Sunday. He will appear in Henry County court.", "en")
    got = {r.text: r.place_id for r in refs}
    assert got == {"Paris": "p-west", "Henry County": "h-west"}


def test_without_the_county_population_decides() -> None:
    gp = _parser(_TWIN_ROWS)
    refs = gp.place_refs("A Paris man was arrested on Sunday.", "en")
    assert [r.place_id for r in refs] == ["p-east"]


_SO_ROWS = [
    _row("town-far", "Gobanle", 3.8, 47.2, "SO", "Northreg", 4_000, "city"),
    _row("dist", "Bulo Kabir", 3.85, 45.57, "SO", "Southreg", 0, "admin2"),
    _row("reg-s", "Southreg", 3.5, 45.5, "SO", "Southreg", 0, "admin1"),
    _row("reg-n", "Northreg", 4.5, 47.0, "SO", "Northreg", 0, "admin1"),
]


def test_bracketed_district_overrules_a_namesake_elsewhere() -> None:
    """The only Gobanle known lies in another region than the bracket names: the village is one the
    gazetteer lacks, and the district the bracket gives is where it lies."""
    gp = _parser(_SO_ROWS)
    refs = gp.place_refs("Militants clashed in Gobanle village (Bulo Kabir, Southreg) on Monday.", "en")
    village = next(r for r in refs if r.text == "Gobanle")
    assert village.place_id == "dist"


def test_bracket_that_agrees_keeps_the_town() -> None:
    gp = _parser(_SO_ROWS)
    refs = gp.place_refs("Militants clashed in Gobanle town (Northreg) on Monday.", "en")
    assert next(r for r in refs if r.text == "Gobanle").place_id == "town-far"


def test_a_comma_list_is_no_qualifier() -> None:
    """"Gobanle, Bulo Kabir and ..." lists places: the first keeps its own reading."""
    gp = _parser(_SO_ROWS)
    refs = gp.place_refs("Elders travelled between Gobanle, Bulo Kabir and the coast.", "en")
    assert next(r for r in refs if r.text == "Gobanle").place_id == "town-far"


def test_mount_and_fort_have_their_short_spellings() -> None:
    assert abbreviated("mount pleasant") == ("mount pleasant", "mt pleasant")
    assert abbreviated("ft worth") == ("ft worth", "fort worth")
    assert abbreviated("st paul") == ("st paul",)  # "St. Patrick" is a saint first
    assert abbreviated("mount") == ("mount",)


def test_world_index_knows_mt_for_mount() -> None:
    """Every Mount Pleasant the gazetteer knows is found under "Mt. Pleasant" too."""
    g = Gazetteer.load()
    full = set(g.ids("mount pleasant"))
    assert full and full <= set(g.ids(normalize("Mt. Pleasant")))


def test_bare_county_name() -> None:
    from khronika.geo.gazetteer import bare_county

    assert bare_county("Douglas County") == ["Douglas"]
    assert bare_county("Pointe Coupee Parish") == ["Pointe Coupee"]
    assert bare_county("Douglas") == []


# A town named Becker far from the story, and Becker County among the towns the story names.
_LAKES_ROWS = [
    _row("becker-town", "Becker", 45.39, -93.88, "US", "Lakeland", 4_700, "city"),
    _row("becker-county", "Becker County", 46.73, -95.85, "US", "Lakeland", 0, "admin2"),
    _row("perham", "Perham", 46.6, -95.6, "US", "Lakeland", 3_000, "city"),
    _row("pelican", "Pelican Rapids", 46.57, -96.08, "US", "Lakeland", 2_500, "city"),
    _row("lakeland", "Lakeland", 46.3, -94.3, "US", "Lakeland", 0, "admin1"),
]


def _lakes_parser() -> Geoparser:
    gp = _parser(_LAKES_ROWS)
    # the world index files a county under its bare name too (see _WorldBuilder.build)
    gp.gaz._index["becker"] = (0, 1)
    return gp


def test_bare_county_name_read_among_its_towns() -> None:
    gp = _lakes_parser()
    text = "Roads near Perham and Pelican Rapids were closed, and Becker reported floods."
    refs = gp.place_refs(text, "en")
    assert next(r for r in refs if r.text == "Becker").place_id == "becker-county"


def test_bare_county_name_alone_stays_the_town() -> None:
    gp = _lakes_parser()
    refs = gp.place_refs("The council in Becker reported floods on Monday.", "en")
    assert [r.place_id for r in refs if r.text == "Becker"] == ["becker-town"]


def test_world_index_files_counties_under_bare_names() -> None:
    g = Gazetteer.load()
    assert any(g.row(i)[1] == "Douglas County" for i in g.ids("douglas"))


# "Hanover Town" is a Westland place; the story's Hanover sits by a Northland town it also names.
_TOWN_ROWS = [
    _row("han-west", "Hanover", 37.8, -77.4, "US", "Westland", 20_000, "city"),
    _row("han-north", "Hanover", 43.7, -72.3, "US", "Northland", 9_000, "city"),
    _row("han-town", "Hanover Town", 37.75, -77.35, "US", "Westland", 600, "city"),
    _row("bethel", "Bethel", 43.83, -72.63, "US", "Northland", 2_000, "city"),
    _row("s-west2", "Westland", 37.5, -78.0, "US", "Westland", 0, "admin1"),
    _row("s-north", "Northland", 44.0, -72.7, "US", "Northland", 0, "admin1"),
]


def test_a_longer_name_on_the_same_word_is_no_witness() -> None:
    """"Hanover Town" placing itself in Westland says nothing of where "Hanover" lies; the Bethel
    the story names does."""
    gp = _parser(_TOWN_ROWS)
    text = ("Two bodies were found in a Hanover condo. Hanover police called the Hanover Town office. "
            "Their son, of Bethel, declined to comment.")
    refs = gp.place_refs(text, "en")
    assert {r.place_id for r in refs if r.text == "Hanover"} == {"han-north"}
