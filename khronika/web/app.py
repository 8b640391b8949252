"""The FastAPI application: `create_app()` builds it for `khronika serve` and for tests."""

from __future__ import annotations

from importlib import import_module

from fastapi import FastAPI

from .routes import ROUTERS


def create_app(db: str | None = None) -> FastAPI:
    app = FastAPI(title="Khronika", version="0.1.0")
    app.state.db_url = db
    for name in ROUTERS:
        app.include_router(import_module(f"{__package__}.routes.{name}").router)
    return app
