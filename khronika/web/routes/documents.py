"""Documents list, search and reader; extracted items with spans."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
