"""Map data: filtered markers, server-side clusters at low zoom, the basemap."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
