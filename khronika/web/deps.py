"""Shared FastAPI dependencies: the app's one Store."""

from __future__ import annotations

from fastapi import Request

from ..store import Store


def get_store(request: Request) -> Store:
    """The Store `create_app` opened. One per app; its engine pool makes it safe across threads."""
    store: Store = request.app.state.store
    return store
