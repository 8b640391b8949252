"""Exports through the API, always through a redaction policy."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
