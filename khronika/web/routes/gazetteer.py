"""Search, add and edit local places."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
