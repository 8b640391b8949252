"""Exports through the API, always through a redaction policy.

GET /api/export/{format}?policy=NAME streams the export (format: acled, geojson, hxl, html, jsonl).
Any signed-in role may export through a real policy (default "public"); a viewer only through one that
protects witnesses (viewer, public, strict). The unredacted JSONL backup is for admins, with
policy=none spelt out. Every export is audited before its first byte.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.responses import StreamingResponse

from ...export import FORMATS, ExportRefused, check_request, start_export
from ...store import Store
from ..deps import get_store
from ..security import Principal, require

router = APIRouter()


@router.get("/api/export/{fmt}", summary="Stream an export through a redaction policy")
def export(
    fmt: str,
    policy: str | None = None,
    principal: Principal = Depends(require("viewer")),
    store: Store = Depends(get_store),
) -> StreamingResponse:
    try:
        check_request(fmt, policy, principal.role)
    except ExportRefused as e:
        raise HTTPException(status.HTTP_403_FORBIDDEN, str(e)) from e
    chunks: Iterator[str] = start_export(
        store, fmt, policy, actor=f"user:{principal.name}", role=principal.role
    )
    spec = FORMATS[fmt]
    headers = {
        "Content-Disposition": f'attachment; filename="khronika-{fmt}{spec.suffix}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return StreamingResponse(chunks, media_type=spec.media_type, headers=headers)
