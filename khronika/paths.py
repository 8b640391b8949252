"""Where user data lives: KHRONIKA_HOME, else the XDG data folder. Never inside the package."""

from __future__ import annotations

import os
from pathlib import Path


def data_home() -> Path:
    """The user data folder, without creating it (readers must not leave folders behind)."""
    base = os.environ.get("KHRONIKA_HOME")
    if base:
        return Path(base)
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local/share")) / "khronika"


def user_dir() -> Path:
    """The user data folder, created when missing (for writers)."""
    path = data_home()
    path.mkdir(parents=True, exist_ok=True)
    return path
