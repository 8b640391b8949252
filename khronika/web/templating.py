"""One Jinja2 environment for every page (auto-escaping on: testimony text is hostile by assumption)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

TEMPLATES_DIR = Path(__file__).parent / "templates"
templates = Jinja2Templates(directory=str(TEMPLATES_DIR))


def render(request: Request, name: str, principal: Any, active: str = "", **context: Any) -> HTMLResponse:
    """Render a page that extends base.html; `principal` and `active` feed the top bar."""
    ctx = {"principal": principal, "active": active, **context}
    return templates.TemplateResponse(request, name, ctx)
