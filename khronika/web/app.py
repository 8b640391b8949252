"""The FastAPI application: `create_app()` builds it for `khronika serve` and for tests."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import import_module

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import AuditError, InputError, KhronikaError, StoreError
from ..store import Store
from .assets import mount_static
from .routes import ROUTERS
from .security import LoginLimiter

# KhronikaError -> HTTP status; the message is the same one line the CLI prints.
_STATUS = ((InputError, 400), (AuditError, 409), (StoreError, 503))
# Sent with every response: no framing (clickjacking a review button), no MIME sniffing, and no Referer,
# so a link followed out of the workbench does not tell another site which document was open.
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}


async def _khronika_error(_request: Request, exc: Exception) -> JSONResponse:
    code = next((s for cls, s in _STATUS if isinstance(exc, cls)), 400)
    return JSONResponse({"detail": str(exc)}, status_code=code)


class SecurityHeaders:
    """Pure ASGI middleware (no buffering, so streamed exports stay streamed) adding SECURITY_HEADERS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(db: str | None = None, *, store: Store | None = None) -> FastAPI:
    """The whole app on the store at `db` (or KHRONIKA_DB), or on an open `store` the caller closes."""
    own = store is None
    the_store = Store(db) if store is None else store

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if own:
            the_store.close()

    # No /docs or /redoc: FastAPI's pages load Swagger UI from a CDN, and Khronika starts no Internet
    # traffic. The schema itself stays at /openapi.json.
    app = FastAPI(title="Khronika", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.db_url = the_store.url
    app.state.store = the_store
    app.state.login_limiter = LoginLimiter()
    # Secure cookies need HTTPS; `serve` binds loopback over plain HTTP, a TLS proxy in front sets this.
    app.state.cookie_secure = os.environ.get("KHRONIKA_COOKIE_SECURE") == "1"
    app.add_exception_handler(KhronikaError, _khronika_error)
    app.add_middleware(SecurityHeaders)
    for name in ROUTERS:
        app.include_router(import_module(f"{__package__}.routes.{name}").router)
    mount_static(app)  # F1: /static, /static/vendor/leaflet, /static/vendor/markercluster
    return app
