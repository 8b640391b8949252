"""Claims grouped into narratives, with holders."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
