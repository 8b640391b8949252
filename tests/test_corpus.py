from __future__ import annotations

from datetime import date, datetime

from khronika.corpus import corpus_dir, manifest, read_text


def test_manifest_complete_and_valid() -> None:
    docs = manifest()
    assert len(docs) >= 12
    for d in docs:
        for key in ("file", "title", "lang", "published", "source", "channel", "tz"):
            assert d.get(key), (d.get("file"), key)
        assert (corpus_dir() / d["file"]).is_file(), d["file"]
        assert d["lang"] in ("en", "ru")
        assert d["tz"] == "Asia/Almaty"
        assert d["channel"] in ("file", "sms", "article", "telegram")
        pub = d["published"]
        parsed = datetime.fromisoformat(pub).date() if "T" in pub else date.fromisoformat(pub)
        assert date(2022, 1, 4) <= parsed <= date(2022, 1, 12)
        assert read_text(d["file"]).strip()
    langs = {d["lang"] for d in docs}
    assert langs == {"en", "ru"}
    assert len({d["file"] for d in docs}) == len(docs)


def test_planted_links_and_conflicts() -> None:
    texts = {d["file"]: (d["lang"], read_text(d["file"])) for d in manifest()}
    akimat = [f for f, (_, t) in texts.items() if "akimat" in t.lower() or "акимат" in t.lower()]
    assert len(akimat) >= 4 and {texts[f][0] for f in akimat} == {"en", "ru"}
    victim_en = [f for f, (lg, t) in texts.items() if lg == "en" and "Arman Seitkali" in t]
    victim_ru = [f for f, (lg, t) in texts.items() if lg == "ru" and "Арман Сейткали" in t]
    assert victim_en and victim_ru
    alltext = " ".join(t for _, t in texts.values())
    assert "6 January" in alltext and "7 января" in alltext  # date conflict for the shooting
    assert "12 people were killed" in alltext and "19 человек" in alltext  # toll conflict
