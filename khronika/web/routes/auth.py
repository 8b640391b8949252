"""Login, logout, sessions, CSRF, API tokens."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
