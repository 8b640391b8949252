"""Files, folders, globs and stdin turned into raw sources; bytes turned into text with clear errors."""

from __future__ import annotations

import glob
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

MAX_BYTES = 5 * 1024 * 1024  # a testimony is text; anything larger is almost surely not one
TEXT_SUFFIXES = {".txt", ".md", ".text", ""}
# Control characters other than \t \n \v \f \r (0x09-0x0d): a regex counts them without a Python loop.
_CONTROL_RX = re.compile(r"[\x00-\x08\x0e-\x1f]")


@dataclass(frozen=True)
class RawSource:
    """Bytes plus where they came from (a path, or '-' for stdin)."""

    name: str
    data: bytes | None  # None: read lazily from `name`
    error: InputError | None = None

    def read(self, max_bytes: int = MAX_BYTES) -> bytes:
        if self.error:
            raise self.error
        if self.data is not None:
            return _check_size(self.data, self.name, max_bytes)
        try:
            size = os.path.getsize(self.name)
            if size > max_bytes:
                raise InputError(f"file is {size} bytes, over the {max_bytes}-byte limit", path=self.name)
            return Path(self.name).read_bytes()
        except OSError as e:
            raise InputError(f"cannot read: {e.strerror or e}", path=self.name) from e


def _check_size(data: bytes, name: str, max_bytes: int) -> bytes:
    if len(data) > max_bytes:
        raise InputError(f"input is {len(data)} bytes, over the {max_bytes}-byte limit", path=name)
    return data


def expand(paths: list[str]) -> Iterator[RawSource]:
    """Each argument: '-' (stdin), a file, a folder (walked, text files only) or a glob pattern."""
    for p in paths:
        if p == "-":
            yield RawSource("-", sys.stdin.buffer.read())
        elif os.path.isdir(p):
            for f in sorted(Path(p).rglob("*")):
                if f.is_file() and f.suffix.lower() in TEXT_SUFFIXES and not f.name.startswith("."):
                    yield RawSource(str(f), None)
        elif os.path.exists(p):
            yield RawSource(p, None)
        elif glob.has_magic(p):
            matches = sorted(m for m in glob.glob(p, recursive=True) if os.path.isfile(m))
            if not matches:
                yield RawSource(p, None, InputError("the pattern matches no file", path=p))
            yield from (RawSource(m, None) for m in matches)
        else:
            yield RawSource(p, None, InputError("no such file or folder", path=p))


def decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without BOM) or BOM-marked UTF-16 text; anything else is refused, not guessed."""
    if not data.strip():
        raise InputError("empty input", path=name)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = _try(data, "utf-16", name)
    else:
        if b"\x00" in data[:8192]:
            raise InputError("binary data, not text", path=name)
        text = _try(data, "utf-8-sig", name)
    controls = len(_CONTROL_RX.findall(text, 0, 8192))
    if controls > 0.01 * min(len(text), 8192) + 2:
        raise InputError("binary data, not text (control characters)", path=name)
    # Offsets index the normalised text; the original bytes are kept unchanged beside it.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError("empty input", path=name)
    return text


def _try(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise InputError(
            f"not valid {encoding.upper()} text (byte {e.start}); convert it to UTF-8", path=name
        ) from e
