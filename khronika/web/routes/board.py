"""The situation board and the casualty register."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
