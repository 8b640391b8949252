"""Human decisions: reviews of items, link decisions, verification states (issue 10). Migration 0004."""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401

from .schema import metadata  # noqa: F401
