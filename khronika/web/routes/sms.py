"""The SMSSync gateway endpoint, authenticated by each gateway's secret."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
