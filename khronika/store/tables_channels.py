"""Intake channels: attachments and gateway message ids (issue 11). Migration 0005."""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401

from .schema import metadata  # noqa: F401
