"""Users, sessions, API tokens, settings and audit seals (issue 9). Migration 0003.

Secrets never sit in these tables in usable form: passwords are argon2 hashes, and API tokens and
session ids are stored as the sha256 of a high-entropy random secret, so a copy of the database lets
nobody log in. The CSRF token of a session is not a secret from its own browser, so it is kept as is.
"""

from __future__ import annotations

import sqlalchemy as sa

from .schema import metadata

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(128), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.Text),  # NULL for machine principals that only hold tokens
    sa.Column("must_change", sa.Integer, nullable=False),  # 1: the password was generated, change it
    sa.Column("created_at", sa.String(40), nullable=False),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(64), sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("secret_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.String(40), nullable=False),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id_sha256", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.String(64), sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("expires_at", sa.String(40), nullable=False),
)

settings = sa.Table(
    "settings",
    metadata,
    sa.Column("key", sa.String(128), primary_key=True),
    sa.Column("value", sa.JSON, nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
    sa.Column("updated_by", sa.String(128)),
)

# HMAC of each audit entry's hash under a key kept outside the database (KHRONIKA_AUDIT_KEY_FILE). In a
# table of its own so the chain's hash formula and the audit table stay as the foundation made them.
audit_seals = sa.Table(
    "audit_seals",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("key_id", sa.String(16), nullable=False),
    sa.Column("mac", sa.String(64), nullable=False),
)
