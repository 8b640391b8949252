"""Resolution by context on a small gazetteer made here: a town and the county it lies in, a bracketed
"(District, Region)" qualifier, the Mount/Mt. spellings, the story's own state between namesakes and
small towns' weight in the country vote. Every place and coordinate is invented
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


# One Dublin per state, and four other names that each have a reading in both states: which state the
# story is set in shows only in where most of those names are read (each by its own population).
_LOCAL_ROWS = [
    _row("dub-east", "Dublin", 40.0, -80.0, "US", "Eastland", 50_000, "city"),
    _row("dub-west", "Dublin", 36.0, -95.0, "US", "Westland", 20_000, "city"),
    _row("ash-west", "Ashby", 32.0, -99.0, "US", "Westland", 30_000, "city"),
    _row("ash-east", "Ashby", 44.0, -76.0, "US", "Eastland", 10_000, "city"),
    _row("cor-west", "Corley", 32.5, -100.5, "US", "Westland", 30_000, "city"),
    _row("cor-east", "Corley", 44.5, -74.5, "US", "Eastland", 10_000, "city"),
    _row("dun-west", "Dunmore", 31.5, -101.5, "US", "Westland", 30_000, "city"),
    _row("dun-east", "Dunmore", 45.0, -73.5, "US", "Eastland", 10_000, "city"),
    _row("elt-east", "Elton", 43.5, -77.5, "US", "Eastland", 30_000, "city"),
    _row("elt-west", "Elton", 31.0, -102.5, "US", "Westland", 10_000, "city"),
]
_LOCAL_TEXT = ("The council in Dublin met on Monday. Residents of Ashby, Corley and Dunmore spoke, "
               "and a firm from Elton bid for the work.")


def test_the_stories_own_state_decides_between_namesakes() -> None:
    """Three of the four other places lie in Westland, so the smaller Dublin there is the one meant."""
    refs = _parser(_LOCAL_ROWS).place_refs(_LOCAL_TEXT, "en")
    assert {r.text: r.place_id for r in refs}["Dublin"] == "dub-west"


def test_without_the_other_places_population_decides_the_namesake() -> None:
    refs = _parser(_LOCAL_ROWS).place_refs("The council in Dublin met on Monday.", "en")
    assert [r.place_id for r in refs] == ["dub-east"]


def test_an_alternate_name_gains_nothing_from_the_stories_state() -> None:
    """A Westland village once called Dublin is no namesake: the local tie-break is for own names."""
    rows = [*_LOCAL_ROWS, _row("old-dub", "Willard", 35.0, -97.0, "US", "Westland", 60_000, "city")]
    gp = _parser(rows[:1] + rows[2:])  # no Westland Dublin at all
    gp.gaz._index["dublin"] = (0, len(rows) - 2)  # the Eastland Dublin and Willard's old name
    refs = gp.place_refs(_LOCAL_TEXT, "en")
    assert {r.text: r.place_id for r in refs}["Dublin"] == "dub-east"


# Charleston is a big Southland city and an Australian hamlet; the story's two small suburbs are
# found only in Australia, its one big city only in the US.
_ABROAD_ROWS = [
    _row("chs-us", "Charleston", 32.8, -79.9, "US", "Southland", 130_000, "city"),
    _row("chs-au", "Charleston", -34.9, 138.9, "AU", "Gulfland", 500, "city"),
    _row("hp-au", "Hampton Park", -38.0, 145.2, "AU", "Bayland", 3_000, "city"),
    _row("ws-au", "Wattle Springs", -27.5, 153.0, "AU", "Sunland", 2_000, "city"),
    _row("metro-us", "Metropolis", 40.7, -89.0, "US", "Midland", 200_000, "city"),
]


def test_small_towns_abroad_do_not_outvote_a_city_at_home() -> None:
    """Two hamlet-size matches abroad weigh as much as one city, not twice as much: the gazetteer lists
    small places unevenly, so the bigger Charleston keeps its population's edge."""
    gp = _parser(_ABROAD_ROWS)
    text = ("Police in Charleston found a car near Hampton Park and Wattle Springs. "
            "The owner had moved from Metropolis.")
    refs = gp.place_refs(text, "en")
    assert {r.text: r.place_id for r in refs}["Charleston"] == "chs-us"
