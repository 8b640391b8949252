"""Users, sessions, API tokens and settings (issue 9). Migration 0003."""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401

from .schema import metadata  # noqa: F401
