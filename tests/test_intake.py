"""Intake: decoding, bad input, identity by bytes + provenance, language detection."""

from __future__ import annotations

from pathlib import Path

import pytest

from khronika.errors import InputError
from khronika.intake import expand, make_document, normalise_published
from khronika.intake.language import detect
from khronika.model import Provenance

TEXT_EN = "Yesterday evening the internet went down across the whole district and the shops took cash only."


def test_same_bytes_same_provenance_same_id() -> None:
    a = make_document(TEXT_EN.encode(), name="a.txt")
    b = make_document(TEXT_EN.encode(), name="copy/a.txt")
    assert a.id == b.id and a.sha256 == b.sha256


def test_two_senders_of_the_same_words_are_two_documents() -> None:
    a = make_document(TEXT_EN.encode(), name="-", provenance=Provenance(channel="sms", sender="p1"))
    b = make_document(TEXT_EN.encode(), name="-", provenance=Provenance(channel="sms", sender="p2"))
    assert a.sha256 == b.sha256
    assert a.id != b.id


def test_crlf_normalised_but_bytes_kept() -> None:
    raw = b"line one\r\nline two\r\n"
    doc = make_document(raw, name="x")
    assert doc.text == "line one\nline two\n"
    assert doc.raw == raw


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"   \n\t ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("Привет, мир".encode("cp1251"), "UTF-8"),
    ],
)
def test_bad_input_names_the_file(raw: bytes, reason: str) -> None:
    with pytest.raises(InputError) as e:
        make_document(raw, name="bad.txt")
    assert "bad.txt" in str(e.value)
    assert reason in str(e.value)


def test_utf16_with_bom_is_read() -> None:
    doc = make_document("Сегодня банкоматы не работают.".encode("utf-16"), name="x")
    assert doc.text.startswith("Сегодня")


def test_size_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_text("a" * 2000)
    src = next(iter(expand([str(big)])))
    with pytest.raises(InputError, match="limit"):
        src.read(max_bytes=1000)


def test_expand_folders_globs_and_missing(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "sub" / "b.txt").write_text("b")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    names = [s.name for s in expand([str(tmp_path)])]
    assert names == [str(tmp_path / "a.txt"), str(tmp_path / "sub" / "b.txt")]
    assert [s.name for s in expand([str(tmp_path / "*.txt")])] == [str(tmp_path / "a.txt")]
    missing = list(expand([str(tmp_path / "nope.txt")]))
    with pytest.raises(InputError, match="no such file"):
        missing[0].read()


def test_published_must_be_a_date() -> None:
    assert normalise_published("2022-01-08") == "2022-01-08"
    assert normalise_published("2022-01-08T17:30") == "2022-01-08T17:30:00"
    with pytest.raises(InputError):
        normalise_published("yesterday")


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The city hall was burning and nobody came to put out the fire for hours.", "en"),
        ("Вчера вечером в центре города горело здание администрации, пожарных не было.", "ru"),
        ("Кеше кешке қаланың орталығында әкімдік ғимараты өртеніп жатты.", "kk"),
        ("Учора ввечері в центрі міста горіла будівля адміністрації, пожежників не було.", "uk"),
        ("Кечээ кечинде шаардын борборунда мэриянын имараты күйүп жатты, өрт өчүргүчтөр жок болчу.", "ky"),
        ("Дирӯз бегоҳ дар маркази шаҳр бинои ҳукумат сӯхт, оташнишонҳо набуданд.", "tg"),
        ("Kecha kechqurun shahar markazida hokimiyat binosi yondi, oʻt oʻchiruvchilar yoʻq edi.", "uz"),
        ("Dün akşam şehir merkezinde belediye binası yandı ve itfaiye saatlerce gelmedi.", "tr"),
        # a few Latin words (brands, a link) in Cyrillic text, and the reverse, leave the language alone
        ("Вчера в WhatsApp писали, что Kaspi не работает и банкоматы пустые, а в городе стреляли.", "ru"),
        ("Our neighbour wrote «всё закрыто» and then the phone network went down for two days.", "en"),
    ],
)
def test_language_detection_in_the_region(text: str, lang: str) -> None:
    assert detect(text)[0] == lang


def test_undetermined_when_no_letters() -> None:
    assert detect("12:00 — 15:30 !!! 100500")[0] == "und"
