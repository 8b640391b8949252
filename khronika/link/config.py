"""Linking configuration: the shipped `link.yaml`, a user `link.yaml` in KHRONIKA_HOME merged over it,
then KHRONIKA_LINK_SUGGEST / KHRONIKA_LINK_CONFIRM for the thresholds."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from khronika.paths import data_home

from ..errors import ConfigError


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _user_file() -> Path | None:
    p = data_home() / "link.yaml"
    return p if p.is_file() else None


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    text = resources.files(__package__).joinpath("link.yaml").read_text(encoding="utf-8")
    cfg: dict[str, Any] = yaml.safe_load(text)
    user = _user_file()
    if user is not None:
        try:
            data = yaml.safe_load(user.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as e:
            raise ConfigError(f"cannot read {user}: {e}") from e
        if not isinstance(data, dict):
            raise ConfigError(f"{user} must hold a mapping")
        cfg = _merge(cfg, data)
    for key in ("suggest", "confirm"):
        env = os.environ.get(f"KHRONIKA_LINK_{key.upper()}")
        if env:
            try:
                cfg["thresholds"][key] = float(env)
            except ValueError as e:
                raise ConfigError(f"KHRONIKA_LINK_{key.upper()} must be a number, not {env!r}") from e
    if overrides:
        cfg = _merge(cfg, overrides)
    t = cfg["thresholds"]
    if not 0 <= t["suggest"] <= t["confirm"] <= 1.5:
        raise ConfigError(f"link thresholds must satisfy 0 <= suggest <= confirm: {t}")
    return cfg
