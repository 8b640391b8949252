"""Redaction policies: loading and checking, pseudonyms, names in text, coordinates, rows of every kind."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from export_fixtures import SQUARE, fill, teacher_doc

from khronika.errors import ConfigError
from khronika.redact import DocNames, get_policy, parse_policy, policy_names
from khronika.redact.doc_names import names_from_document
from khronika.redact.geo import blur
from khronika.store import Store

POLICIES = Path(__file__).parents[1] / "khronika" / "redact" / "policies"

TEACHER = DocNames(
    witnesses={"Aliya Nurlanovna": "a teacher", "Марат Жумабаев": "водитель"},
    relayers=frozenset({"Bolat"}),
    third_parties=frozenset({"Dana Sarsenova"}),
    victims=frozenset({"Erlan Sadykov"}),
)
STATEMENT = (
    "Aliya Nurlanovna said her niece Dana saw Erlan Sadykov fall; Bolat told her. "
    "Потом Марата и Жумабаева увели. Aliya's hands shook."
)


def _policy(name: str) -> Any:
    p = get_policy(name)
    p.learn("d1", TEACHER)
    return p


def test_shipped_policies_load_and_only_none_is_identity() -> None:
    assert {"public", "viewer", "strict", "none"} <= set(policy_names())
    for name in policy_names():
        spec = get_policy(name).spec
        assert spec.name == name
        assert spec.is_identity == (name == "none")
        assert spec.admin_only == (name == "none")
    with pytest.raises(ConfigError, match="unknown redaction policy"):
        get_policy("nope")


def test_witnesses_are_numbered_in_order_met_and_stable_within_one_session() -> None:
    p = _policy("viewer")
    assert p.witness_label("Aliya Nurlanovna") == "Witness 1, a teacher"
    assert p.witness_label("Марат Жумабаев") == "Witness 2, водитель"
    assert p.witness_label("aliya  nurlanovna") == "Witness 1, a teacher"
    assert _policy("viewer").witness_label("Марат Жумабаев") == "Witness 1, водитель"  # a new session
    assert _policy("public").witness_label("Aliya Nurlanovna") == "Witness 1"  # roles dropped
    assert _policy("strict").witness_label("Aliya Nurlanovna") == "[witness]"
    assert _policy("none").witness_label("Aliya Nurlanovna") == "Aliya Nurlanovna"
    assert get_policy("viewer").witness_label("Madina", role="accountant") == "Witness 1, an accountant"


def test_names_in_text_are_replaced_with_their_parts_and_case_forms() -> None:
    out = _policy("viewer").text_for("d1", STATEMENT)
    assert out is not None
    for leaked in ("Aliya", "Nurlanovna", "Dana", "Bolat", "Марат", "Жумабаев"):
        assert leaked not in out, leaked
    assert "Erlan Sadykov" in out  # victims are kept by the viewer policy
    assert out.startswith("Witness 1, a teacher said her niece [person] saw Erlan Sadykov fall; [person]")
    assert "Witness 2, водитель и Witness 2, водитель увели" in out


def test_strict_policy_masks_victims_in_text_too() -> None:
    p = get_policy("strict")
    p.learn("d1", TEACHER)
    p.spec = dataclasses.replace(p.spec, free_text="redacted")  # text on, to look inside
    out = p.text_for("d1", STATEMENT)
    assert out is not None and "Erlan" not in out and "[victim]" in out


def test_text_is_withheld_when_the_documents_names_are_unknown() -> None:
    p = get_policy("viewer")
    assert p.text_for("unknown-doc", "Aliya saw it.") is None
    assert get_policy("public").text_for("d1", "anything") is None  # public: no free text at all
    assert get_policy("none").text_for(None, "Aliya saw it.") == "Aliya saw it."


def test_redact_text_replaces_given_names_without_any_document() -> None:
    out = get_policy("viewer").redact_text("Aliya met Dana at the bazaar", ["Aliya", "Dana"])
    assert out == "[person] met [person] at the bazaar"
    assert get_policy("none").redact_text("Aliya", ["Aliya"]) == "Aliya"


def test_coordinates_move_to_a_grid_cell_centre() -> None:
    lat, lon = SQUARE
    for degrees in (0.05, 0.2):
        blat, blon = blur(lat, lon, mode="grid", degrees=degrees)
        assert blat is not None and blon is not None
        assert (blat, blon) != (lat, lon)
        assert abs(blat - lat) <= degrees / 2 + 1e-9 and abs(blon - lon) <= degrees / 2 + 1e-9
    on_line = blur(43.25, 76.95, mode="grid", degrees=0.05)
    assert on_line != (43.25, 76.95)  # a point on a grid line moves too
    assert blur(lat, lon, mode="exact", degrees=0.05) == (lat, lon)
    assert blur(lat, lon, mode="drop", degrees=0.05) == (None, None)
    assert blur(None, lon, mode="grid", degrees=0.05) == (None, lon)


def test_parent_mode_moves_a_local_place_to_its_city() -> None:
    from khronika.geo.gazetteer import Gazetteer

    city = next(p for p in Gazetteer.load().lookup("Almaty") if p.kind in ("city", "capital"))
    assert blur(*SQUARE, mode="parent", degrees=0.2, place_id="local:almaty:republic-square") == (
        city.lat, city.lon)
    assert blur(*SQUARE, mode="parent", degrees=0.2, place_id=None) != SQUARE  # falls back to the grid


def _event_row(**kw: Any) -> dict[str, Any]:
    row = {"id": "e1", "doc_id": "d1", "type": "Protests", "subtype": "Peaceful protest",
           "date": "2022-01-05", "place": "Republic Square", "place_id": "local:almaty:republic-square",
           "lat": SQUARE[0], "lon": SQUARE[1], "speaker": "Aliya Nurlanovna", "snippet": STATEMENT,
           "fatalities": 0, "time_text": "at noon", "confidence": 0.8, "evidence": "witnessed"}
    return {**row, **kw}


def test_event_rows_through_each_policy() -> None:
    pub = _policy("public").redact_record("event", _event_row())
    assert pub["speaker"] == "Witness 1" and "snippet" not in pub and "time_text" not in pub
    assert "place_id" not in pub and (pub["lat"], pub["lon"]) != SQUARE
    assert pub["type"] == "Protests" and pub["fatalities"] == 0 and pub["place"] == "Republic Square"
    view = _policy("viewer").redact_record("event", _event_row())
    assert view["speaker"] == "Witness 1, a teacher" and "Aliya" not in view["snippet"]
    assert _policy("none").redact_record("event", _event_row()) == _event_row()


def test_fields_not_classified_are_dropped_unless_counts_or_flags() -> None:
    row = _event_row(new_text="Aliya's address", new_coord=43.123456, new_list=["Aliya"], n_photos=3,
                     flag=True)
    out = _policy("viewer").redact_record("event", row)
    assert "new_text" not in out and "new_coord" not in out and "new_list" not in out
    assert out["n_photos"] == 3 and out["flag"] is True


def test_item_rows_by_item_kind() -> None:
    p = _policy("public")
    testimony = p.redact_record("item", {"kind": "testimony", "doc_id": "d1", "speaker": "Aliya Nurlanovna",
                                         "role": "a teacher", "start": 0, "end": 10})
    assert testimony["speaker"] == "Witness 1" and "role" not in testimony
    st = p.redact_record("item", {"kind": "statement", "doc_id": "d1", "relayer": "Bolat", "cue": "told"})
    assert st["relayer"] == "[person]" and "cue" not in st
    ent = p.redact_record("item", {"kind": "entity", "doc_id": "d1", "label": "PER",
                                   "text": "Dana Sarsenova"})
    assert ent["text"] == "[person]"
    loc = p.redact_record("item", {"kind": "entity", "doc_id": "d1", "label": "LOC", "text": "Almaty"})
    assert loc["text"] == "Almaty"
    vic = p.redact_record("item", {"kind": "victim", "doc_id": "d1", "name": "Erlan Sadykov",
                                   "circumstances": "shot by Bolat's unit"})
    assert vic["name"] == "Erlan Sadykov" and "circumstances" not in vic
    ev = p.redact_record("item", {"kind": "event", "doc_id": "d1", "location": {
        "name": "Republic Square", "lat": SQUARE[0], "lon": SQUARE[1], "precision": "point"},
        "actors": [{"name": "Protesters (Kazakhstan)", "inter": 6}]})
    assert (ev["location"]["lat"], ev["location"]["lon"]) != SQUARE
    assert ev["actors"] == [{"name": "Protesters (Kazakhstan)", "inter": 6}]
    stored = p.redact_record("item", {"doc_id": "d1", "kind": "testimony", "run_id": "r",
                                      "data": {"kind": "testimony", "speaker": "Aliya Nurlanovna"}})
    assert stored["data"]["speaker"] == "Witness 1"


def test_a_victim_who_is_a_witness_is_never_named() -> None:
    p = _policy("public")
    assert p.victim_label("Марата", "d1") == "Witness 1"
    assert p.victim_label("Erlan Sadykov", "d1") == "Erlan Sadykov"
    assert get_policy("strict").victim_label("Erlan Sadykov") == "[victim]"


def test_incident_rows_hide_source_names_and_keys() -> None:
    p = _policy("public")
    row = {
        "id": "inc-1", "type": "Protests", "lat": SQUARE[0], "lon": SQUARE[1], "n_sources": 2,
        "sources": [{"key": "p:aliya nurlanovna", "label": "Aliya Nurlanovna", "evidence": "witnessed",
                     "events": ["e1"], "docs": ["d1"]},
                    {"key": "d:d1:relayer:bolat", "label": "Bolat (via Aliya Nurlanovna)",
                     "evidence": "relayed", "events": ["e2"], "docs": ["d1"]}],
        "members": [{"event_id": "e1", "doc_id": "d1", "source": "p:aliya nurlanovna", "text": STATEMENT,
                     "place": "Republic Square", "day": "2022-01-05"}],
        "contradictions": [{"field": "date", "sides": [
            {"value": "2022-01-05", "sources": ["Aliya Nurlanovna"], "source_keys": ["p:aliya nurlanovna"],
             "events": ["e1"], "docs": ["d1"]}]}],
    }
    out = p.redact_record("incident", row)
    flat = repr(out)
    for leaked in ("Aliya", "aliya", "Bolat", "bolat", str(SQUARE[0])):
        assert leaked not in flat, leaked
    assert out["sources"][0]["label"] == "Witness 1"
    assert out["members"][0]["source"] == out["sources"][0]["key"]  # one stand-in per key
    assert out["contradictions"][0]["sides"][0]["sources"] == ["Witness 1"]


def test_document_rows_lose_bytes_sender_and_private_sources() -> None:
    p = _policy("public")
    doc = {"id": "d1", "raw": b"x", "text": "Aliya", "sender": "+7701", "filename": "aliya.txt",
           "channel": "sms", "source": "Aliya Nurlanovna", "lang": "en", "title": "From Aliya"}
    out = p.redact_record("document", doc)
    assert out == {"id": "d1", "channel": "sms", "source": "sms message", "lang": "en"}
    article = p.redact_record("document", {**doc, "channel": "article", "source": "Radio Azattyq"})
    assert article["source"] == "Radio Azattyq"


def test_unknown_row_kind_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="cannot redact rows of kind"):
        get_policy("public").redact_record("user", {"id": "x"})


def test_store_supplies_each_documents_names(store: Store) -> None:
    fill(store, pipeline=False)
    doc = teacher_doc()
    names = names_from_document(doc)
    assert names.witnesses == {"Gulnara Seitkali": "schoolteacher"}
    assert names.relayers == {"Kanat Ibraimov"} and "Dinara" in names.third_parties
    p = get_policy("viewer", store=store)
    rows = store.chronicle()
    row = next(r for r in rows if r["doc_id"] == doc.id and r["type"] == "Violence against civilians")
    out = p.redact_record("event", row)
    assert out["speaker"] == "Witness 1, a schoolteacher"
    assert out["text"] and "Soldiers fired" in out["text"]  # the text is there, redacted
    assert "Sanzhar Ermekov" in out["text"]  # a victim: kept by the viewer policy


# -- policy files -------------------------------------------------------------------------------------


def _yaml(**changes: Any) -> str:
    import yaml

    data = yaml.safe_load((POLICIES / "public.yaml").read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        node = data
        *path, last = dotted.split("__")
        for part in path:
            node = node[part]
        if value is None:
            del node[last]
        else:
            node[last] = value
    return str(yaml.safe_dump(data))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"witnesses__names": "blur"}, "witnesses.names"),
        ({"witnesses__roles": None}, "witnesses.roles"),
        ({"victims": "sometimes"}, "victims"),
        ({"free_text": True}, "free_text"),
        ({"coordinates": "district"}, "coordinates"),
        ({"coordinates__mode": "hexagons"}, "coordinates.mode"),
        ({"coordinates__degrees": 0}, "degrees"),
        ({"coordinates__degrees": "wide"}, "degrees"),
        ({"private_channels": "sms"}, "private_channels"),
        ({"admin_only": "no"}, "admin_only"),
        ({"name": "has spaces"}, "name"),
    ],
)
def test_malformed_policy_files_are_named_errors(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_policy(_yaml(**changes), "test.yaml")


def test_a_policy_that_redacts_nothing_must_be_admin_only() -> None:
    text = (POLICIES / "none.yaml").read_text(encoding="utf-8")
    text = text.replace("admin_only: true", "admin_only: false")
    with pytest.raises(ConfigError, match="admin_only"):
        parse_policy(text)


def test_user_policies_add_to_the_shipped_ones_but_never_replace_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "partner.yaml").write_text(_yaml(name="partner"), encoding="utf-8")
    (tmp_path / "policies" / "public.yaml").write_text(_yaml(witnesses__names="keep"), encoding="utf-8")
    monkeypatch.setenv("KHRONIKA_HOME", str(tmp_path))
    assert "partner" in policy_names()
    assert get_policy("partner").spec.witness_names == "pseudonym"
    assert get_policy("public").spec.witness_names == "pseudonym"  # the shipped file wins
    (tmp_path / "policies" / "broken.yaml").write_text("name: broken\nwitnesses: [", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid YAML"):
        get_policy("broken")


# -- text shown to viewers ------------------------------------------------------------------------------


def test_viewer_rows_name_nobody_even_when_the_extractors_missed_a_name(store: Store) -> None:
    from export_fixtures import SECRET_NAMES

    docs = fill(store)
    p = get_policy("viewer", store=store)
    shown: list[Any] = [p.redact_record("event", r) for r in store.chronicle()]
    shown += [p.redact_record("item", {**it.to_json(), "doc_id": d.id}) for d in docs for it in d.items()]
    shown += [p.redact_record("document", r) for r in store.documents()]
    text = repr(shown)
    assert "Soldiers fired at the crowd" in text  # texts are shown, redacted
    for name in SECRET_NAMES:
        assert name not in text, name


def test_the_name_net_masks_capitalised_strangers_but_not_common_words() -> None:
    from khronika.redact.guess import mask_unknown_names

    assert mask_unknown_names("My cousin Yerzhan Omarov told me.") == "My cousin [name] told me."
    assert mask_unknown_names("Dinara's coat was torn.") == "[name]'s coat was torn."
    assert mask_unknown_names("Мы с подругой Айжан спрятались.") == "Мы с подругой [name] спрятались."
    kept = "On Monday the Police closed Republic Square in Almaty."
    assert mask_unknown_names(kept) == kept
    kept_names = frozenset({"erlan", "sadykov"})
    assert mask_unknown_names("Erlan Sadykov fell.", keep=kept_names) == "Erlan Sadykov fell."
