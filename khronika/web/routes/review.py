"""The review queue: accept, edit, reject extracted items."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
