"""Attachments: stored by SHA-256, EXIF time/GPS read, text-vs-metadata check, public copies stripped."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime
from typing import Any

import pytest
from channel_fixtures import mp4, photo
from PIL import Image

from khronika.attachments import attachments_for, public_attachment, save_attachment
from khronika.attachments.check import Facts, compare
from khronika.attachments.media import image_meta, sniff, video_meta
from khronika.attachments.public import strip_image
from khronika.model import Document, PlaceRef, Provenance

ALMATY = (43.2525, 76.9115)
ASTANA = (51.1694, 71.4491)


def test_jpeg_exif_time_and_gps_are_read() -> None:
    data = photo(taken=datetime(2022, 1, 5, 17, 30, 0), lat=ALMATY[0], lon=ALMATY[1])
    meta = image_meta(data)
    assert sniff(data) == "image/jpeg"
    assert meta["taken_at"] == "2022-01-05T17:30:00"
    assert meta["gps"]["lat"] == pytest.approx(ALMATY[0], abs=1e-3)
    assert meta["gps"]["lon"] == pytest.approx(ALMATY[1], abs=1e-3)
    assert meta["camera"] == "TestMaker Phone 1"


def test_png_exif_is_read() -> None:
    data = photo("PNG", taken=datetime(2022, 1, 6, 9, 0), lat=-ASTANA[0], lon=-ASTANA[1])
    meta = image_meta(data)
    assert sniff(data) == "image/png"
    assert meta["taken_at"] == "2022-01-06T09:00:00"
    assert meta["gps"]["lat"] == pytest.approx(-ASTANA[0], abs=1e-3)  # southern and western refs honoured
    assert meta["gps"]["lon"] == pytest.approx(-ASTANA[1], abs=1e-3)


def test_heic_is_read_and_stripped() -> None:
    pytest.importorskip("pillow_heif")
    data = photo("HEIF", taken=datetime(2022, 1, 7, 12, 0), lat=ALMATY[0], lon=ALMATY[1])
    assert sniff(data) == "image/heic"
    meta = image_meta(data)
    assert meta["taken_at"] == "2022-01-07T12:00:00"
    assert meta["gps"]["lat"] == pytest.approx(ALMATY[0], abs=1e-3)
    clean = strip_image(data)
    assert sniff(clean) == "image/jpeg"
    assert "gps" not in image_meta(clean) and "taken_at" not in image_meta(clean)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_public_copy_has_no_metadata(fmt: str) -> None:
    data = photo(fmt, taken=datetime(2022, 1, 5, 17, 30), lat=ALMATY[0], lon=ALMATY[1])
    clean = strip_image(data)
    im = Image.open(io.BytesIO(clean))
    assert not im.getexif()
    assert not any(k in im.info for k in ("exif", "comment", "xmp", "icc_profile"))
    assert b"TestMaker" not in clean and b"secret note" not in clean
    assert im.size == (32, 24)
    assert im.convert("RGB").getpixel((5, 5))[0] > 150  # the picture itself survives


def test_mp4_metadata_read_through_hachoir() -> None:
    data = mp4(datetime(2022, 1, 5, 14, 2, 3), duration_s=7)
    assert sniff(data) == "video/mp4"
    meta = video_meta(data)
    assert meta["creation_date"].startswith("2022-01-05T14:02:03") or meta["creation_date"].startswith(
        "2022-01-05 14:02:03")
    assert "0:00:07" in meta["duration"]


def test_compare_flags_far_and_late_pictures() -> None:
    facts = Facts(dates=[datetime(2022, 1, 5).date()], points=[("Almaty", *ALMATY)])
    near = compare({"taken_at": "2022-01-05T20:00:00", "gps": {"lat": 43.26, "lon": 76.93}}, facts)
    assert near["mismatch"] is False and near["place"]["km"] < 25
    far = compare({"taken_at": "2022-01-09T10:00:00", "gps": {"lat": ASTANA[0], "lon": ASTANA[1]}}, facts)
    assert far["mismatch"] is True
    assert far["time"]["days_apart"] == 4 and far["time"]["mismatch"] is True
    assert far["place"]["mismatch"] is True and far["place"]["km"] > 900
    assert compare({}, facts) == {"mismatch": False}


def _doc(text: str) -> Document:
    doc = Document(text=text, raw=text.encode(), published="2022-01-05T18:00", lang="en",
                   provenance=Provenance(channel="telegram", source="att-test", message_id="1"))
    i = text.index("Almaty")
    doc.places.append(PlaceRef(start=i, end=i + 6, text="Almaty", name="Almaty", lat=ALMATY[0], lon=ALMATY[1],
                               precision="city"))
    return doc


def test_store_link_public_copy(store: Any) -> None:
    doc = _doc("Crowds on the square in Almaty this evening.")
    store.save(doc)
    jpeg = photo(taken=datetime(2022, 1, 8, 10, 0), lat=ASTANA[0], lon=ASTANA[1])
    video = mp4(datetime(2022, 1, 5, 13, 0))
    sha = save_attachment(store, jpeg, doc_id=doc.id, name="photos/a.jpg")
    assert sha == hashlib.sha256(jpeg).hexdigest()
    assert save_attachment(store, jpeg, doc_id=doc.id, name="photos/a.jpg") == sha  # stored once
    vsha = save_attachment(store, video, doc_id=doc.id, name="video/v.mp4")
    rows = attachments_for(store, doc.id)
    assert [r["sha256"] for r in rows] == [sha, vsha]
    photo_row = rows[0]
    assert photo_row["mime"] == "image/jpeg" and photo_row["size"] == len(jpeg)
    assert photo_row["check"]["mismatch"] is True  # 3 days later and ~1000 km away
    assert photo_row["check"]["time"]["days_apart"] == 3
    public = public_attachment(store, sha)
    assert public is not None and b"TestMaker" not in public and "gps" not in image_meta(public)
    assert public_attachment(store, vsha) is None  # never a video original
    assert public_attachment(store, "0" * 64) is None
