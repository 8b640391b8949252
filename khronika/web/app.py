"""The FastAPI application: `create_app()` builds it for `khronika serve` and for tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import import_module

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from ..errors import AuditError, InputError, KhronikaError, StoreError
from ..store import Store
from .assets import mount_static
from .routes import ROUTERS
from .security import LoginLimiter

# KhronikaError -> HTTP status; the message is the same one line the CLI prints.
_STATUS = ((InputError, 400), (AuditError, 409), (StoreError, 503))


async def _khronika_error(_request: Request, exc: Exception) -> JSONResponse:
    code = next((s for cls, s in _STATUS if isinstance(exc, cls)), 400)
    return JSONResponse({"detail": str(exc)}, status_code=code)


def create_app(db: str | None = None, *, store: Store | None = None) -> FastAPI:
    """The whole app on the store at `db` (or KHRONIKA_DB), or on an open `store` (which the caller closes)."""
    own = store is None
    the_store = Store(db) if store is None else store

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if own:
            the_store.close()

    app = FastAPI(title="Khronika", version="0.1.0", lifespan=lifespan)
    app.state.db_url = the_store.url
    app.state.store = the_store
    app.state.login_limiter = LoginLimiter()
    app.add_exception_handler(KhronikaError, _khronika_error)
    for name in ROUTERS:
        app.include_router(import_module(f"{__package__}.routes.{name}").router)
    mount_static(app)  # F1: /static, /static/vendor/leaflet, /static/vendor/markercluster
    return app
