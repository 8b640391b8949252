"""Senders as pseudonyms: an HMAC-SHA256 of the normalised address under this installation's key.

The key is made once and kept in the user data folder (or given as KHRONIKA_INSTALL_KEY), never in the
database: a stolen database alone cannot tell which phone number sent what, and two installations give
the same number different pseudonyms. The same number always gets the same pseudonym here, so reports
from one sender are still counted as one source.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from functools import lru_cache

from ...paths import data_home, user_dir

KEY_FILE = "install.key"
ENV_KEY = "KHRONIKA_INSTALL_KEY"
_NON_DIGIT = re.compile(r"[^\d]")
# A national trunk prefix written in place of the country code: 8 7xx... in Kazakhstan and Russia.
_TRUNK = {"8": "7"}
_NATIONAL_LENGTH = 11


def install_key() -> bytes:
    env = os.environ.get(ENV_KEY)
    if env:
        return env.encode("utf-8")
    return _file_key(str(data_home()))


@lru_cache(maxsize=4)
def _file_key(home: str) -> bytes:
    path = data_home() / KEY_FILE
    if path.exists():
        return path.read_bytes().strip()
    user_dir()
    key = secrets.token_hex(32).encode("ascii")
    # Exclusive create: two processes starting at once must not end up with two keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as f:
        f.write(key)
    return key


def normalise_phone(number: str) -> str:
    """"+7 (701) 555-12-34", "87015551234" and "007015551234" all become "+77015551234"."""
    raw = number.strip()
    digits = _NON_DIGIT.sub("", raw)
    if raw.startswith("00"):
        digits = digits[2:]
    elif not raw.startswith("+") and len(digits) == _NATIONAL_LENGTH and digits[0] in _TRUNK:
        digits = _TRUNK[digits[0]] + digits[1:]
    return "+" + digits if digits else raw.lower()


def normalise_address(value: str) -> str:
    """Phone numbers by their digits, anything else (e-mail, user ids) trimmed and lower-cased."""
    v = value.strip()
    if "@" not in v and sum(ch.isdigit() for ch in v) >= 5 and not re.search(r"[A-Za-zА-Яа-я]", v):
        return normalise_phone(v)
    return v.lower()


def pseudonym(value: str | None, *, kind: str = "addr") -> str | None:
    """"kind:" plus the first 20 hex digits of the HMAC; None stays None."""
    if value is None or not str(value).strip():
        return None
    mac = hmac.new(install_key(), normalise_address(str(value)).encode("utf-8"), hashlib.sha256)
    return f"{kind}:{mac.hexdigest()[:20]}"
