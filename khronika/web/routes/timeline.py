"""Incidents by day and hour."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
