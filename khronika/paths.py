"""Where user data lives: KHRONIKA_HOME, else the XDG data folder. Never inside the package."""

from __future__ import annotations

import os
from pathlib import Path


def user_dir() -> Path:
    base = os.environ.get("KHRONIKA_HOME")
    path = (
        Path(base)
        if base
        else Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local/share")) / "khronika"
    )
    path.mkdir(parents=True, exist_ok=True)
    return path
