"""Incidents, their links (confirm/break/merge/split) and verification."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
