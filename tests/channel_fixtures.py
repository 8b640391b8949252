"""Files in each channel's real format, written by the tests themselves (issue 11)."""

from __future__ import annotations

import io
import struct
from datetime import datetime
from fractions import Fraction

from PIL import Image


def _dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
    deg = int(value)
    minutes_f = (value - deg) * 60
    minutes = int(minutes_f)
    seconds = Fraction(round((minutes_f - minutes) * 60 * 100), 100)
    return Fraction(deg), Fraction(minutes), seconds


def photo(fmt: str = "JPEG", *, taken: datetime | None = None, lat: float | None = None,
          lon: float | None = None, color: tuple[int, int, int] = (200, 40, 40),
          comment: bool = True) -> bytes:
    """A small picture with EXIF DateTimeOriginal and GPS as a phone writes them."""
    im = Image.new("RGB", (32, 24), color)
    exif = Image.Exif()
    exif[271], exif[272] = "TestMaker", "Phone 1"
    if taken is not None:
        exif.get_ifd(0x8769)[36867] = taken.strftime("%Y:%m:%d %H:%M:%S")
    if lat is not None and lon is not None:
        gps = exif.get_ifd(0x8825)
        gps[1], gps[2] = ("N" if lat >= 0 else "S"), _dms(abs(lat))
        gps[3], gps[4] = ("E" if lon >= 0 else "W"), _dms(abs(lon))
    buf = io.BytesIO()
    extra = {"comment": b"secret note"} if comment and fmt == "JPEG" else {}
    if fmt == "HEIF":
        from pillow_heif import register_heif_opener

        register_heif_opener()
    im.save(buf, fmt, exif=exif.tobytes(), **extra)
    return buf.getvalue()


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4(created: datetime, duration_s: int = 7) -> bytes:
    """A minimal ISO-BMFF file: ftyp + moov/mvhd (creation time, timescale, duration). No media data:
    enough for a container reader, which is all hachoir is asked to be."""
    epoch_1904 = int((created - datetime(1904, 1, 1)).total_seconds())
    timescale = 1000
    mvhd = struct.pack(">B3xIIII", 0, epoch_1904, epoch_1904, timescale, duration_s * timescale)
    mvhd += struct.pack(">IH10x", 0x00010000, 0x0100)  # rate 1.0, volume 1.0, reserved
    mvhd += struct.pack(">9I", 0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000)  # unity matrix
    mvhd += bytes(24) + struct.pack(">I", 2)  # pre-defined, next track id
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    return ftyp + _box(b"moov", _box(b"mvhd", mvhd))
