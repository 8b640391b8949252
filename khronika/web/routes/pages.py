"""HTML pages of the workbench (server-rendered, auto-escaped)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
