"""What an attachment is and what it says about itself: type sniffing, EXIF time and GPS, MP4 metadata.

Reading only; nothing here touches the store. Images go through Pillow (HEIC through pillow-heif),
videos through hachoir, which parses containers without decoding a frame.
"""

from __future__ import annotations

import io
import mimetypes
from datetime import datetime
from fractions import Fraction
from typing import Any

from PIL import Image, UnidentifiedImageError

_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_DATETIME = 306  # IFD0 DateTime: when the file was last changed
_DATETIME_ORIGINAL = 36867  # Exif DateTimeOriginal: when the picture was taken
_OFFSET_ORIGINAL = 36881
_MAKE, _MODEL = 271, 272
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1")
_VIDEO_BRANDS = (b"isom", b"iso2", b"mp41", b"mp42", b"avc1", b"M4V ", b"qt  ", b"dash", b"3gp4", b"3gp5")

_heif_ready = False


def _register_heif() -> None:
    """pillow-heif adds HEIC to Pillow once per process."""
    global _heif_ready
    if not _heif_ready:
        from pillow_heif import register_heif_opener

        register_heif_opener()
        _heif_ready = True


def sniff(data: bytes, name: str | None = None) -> str:
    """A MIME type from the leading bytes; the name's suffix only when the bytes say nothing known."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in _HEIF_BRANDS:
            return "image/heic"
        if brand in _VIDEO_BRANDS:
            return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if data.startswith(b"GIF8"):
        return "image/gif"
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "image/webp"
    guess = mimetypes.guess_type(name or "")[0]
    return guess or "application/octet-stream"


def is_image(mime: str) -> bool:
    return mime.startswith("image/")


def is_video(mime: str) -> bool:
    return mime.startswith("video/")


def open_image(data: bytes) -> Image.Image:
    _register_heif()
    return Image.open(io.BytesIO(data))


def _rational(v: Any) -> float:
    if isinstance(v, tuple) and len(v) == 2:  # older EXIF readers give (num, den)
        return float(Fraction(int(v[0]), int(v[1]) or 1))
    return float(v)


def _dms(values: Any, ref: Any) -> float | None:
    try:
        d, m, s = (_rational(x) for x in values)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    deg = d + m / 60 + s / 3600
    return -deg if str(ref).upper() in ("S", "W") else deg


def _exif_time(raw: Any) -> str | None:
    """EXIF "YYYY:MM:DD HH:MM:SS" as ISO; camera-local time, no zone (EXIF rarely says which)."""
    try:
        return datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S").isoformat()
    except ValueError:
        return None


def image_meta(data: bytes) -> dict[str, Any]:
    """Size, format, and the EXIF fields that matter for verification: taken-at time, GPS, camera."""
    try:
        im = open_image(data)
    except (UnidentifiedImageError, OSError, ValueError) as e:
        return {"error": f"not a readable image: {e}"}
    out: dict[str, Any] = {"format": im.format, "width": im.width, "height": im.height}
    exif = im.getexif()
    sub = exif.get_ifd(_EXIF_IFD)
    taken = _exif_time(sub.get(_DATETIME_ORIGINAL) or exif.get(_DATETIME) or "")
    if taken:
        out["taken_at"] = taken
        if sub.get(_OFFSET_ORIGINAL):
            out["taken_at_offset"] = str(sub[_OFFSET_ORIGINAL])
    gps = exif.get_ifd(_GPS_IFD)
    if 2 in gps and 4 in gps:
        lat, lon = _dms(gps[2], gps.get(1, "N")), _dms(gps[4], gps.get(3, "E"))
        if lat is not None and lon is not None:
            out["gps"] = {"lat": round(lat, 6), "lon": round(lon, 6)}
    camera = " ".join(str(exif[t]).strip("\x00 ") for t in (_MAKE, _MODEL) if exif.get(t))
    if camera:
        out["camera"] = camera
    out["has_metadata"] = bool(exif) or any(k in im.info for k in ("exif", "xmp", "icc_profile", "comment"))
    return out


def video_meta(data: bytes) -> dict[str, Any]:
    """Container metadata through hachoir: creation time, duration, frame size. Frames are never decoded."""
    from hachoir.core import config as hconfig
    from hachoir.metadata import extractMetadata
    from hachoir.parser import guessParser
    from hachoir.stream import InputIOStream

    hconfig.quiet = True  # hachoir prints warnings on odd files; the result says what was read
    parser = guessParser(InputIOStream(io.BytesIO(data), source="attachment"))
    if parser is None:
        return {"error": "container not recognised"}
    with parser:
        try:
            meta = extractMetadata(parser)
        except Exception as e:  # hachoir raises many types on hostile files; a video stays stored anyway
            return {"error": f"metadata unreadable: {type(e).__name__}"}
    if meta is None:
        return {"error": "no metadata"}
    out: dict[str, Any] = {}
    for key in ("creation_date", "last_modification", "duration", "width", "height", "mime_type"):
        if meta.has(key):
            value = meta.get(key)
            out[key] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    if "creation_date" in out:
        out["taken_at"] = out["creation_date"]  # MP4 times are UTC by the standard
    return out


def describe(data: bytes, mime: str) -> dict[str, Any]:
    if is_image(mime):
        return image_meta(data)
    if is_video(mime):
        return video_meta(data)
    return {}
