"""The SMSSync gateway endpoint, authenticated by each gateway's secret.

    POST /api/sms   (application/x-www-form-urlencoded)
    from=+77015551234&message=ALMATY 17:00 INTERNET DOWN&sent_timestamp=1641470400000
    &message_id=42&secret=khr_...

A gateway is a user with the "ingest" role; its API token is the SMSSync secret (or is sent as
`Authorization: Bearer`). Answers are SMSSync's: `{"payload": {"success": true, "error": null}}`. A
retried message (same message_id from the same gateway) is acknowledged and stored once. The sender's
number is stored only as a pseudonym.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ...errors import KhronikaError
from ...intake.channels import sms as sms_channel
from ...store import Store
from ...store.accounts import Principal, principal_for_token
from ..deps import get_store
from ..security import allowed

router = APIRouter()

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
MAX_BODY = 16 * 1024  # an SMS form is small; refuse anything bigger before parsing it


def _answer(success: bool, error: str | None = None, status: int = 200, **extra: Any) -> JSONResponse:
    return JSONResponse({"payload": {"success": success, "error": error, **extra}}, status_code=status)


def _gateway(request: Request, store: Store, secret: str) -> Principal | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    given = token.strip() if scheme.lower() == "bearer" and token.strip() else secret
    if not given:
        return None
    p = principal_for_token(store, given)
    return p if p is not None and allowed(p, "ingest") else None


@router.post("/api/sms")
async def receive_sms(request: Request, store: Store = Depends(get_store)) -> JSONResponse:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in _FORM_TYPES:
        return _answer(False, "send the SMSSync form (application/x-www-form-urlencoded)", 415)
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        return _answer(False, "request too large", 413)
    try:
        form = await request.form(max_files=0, max_fields=20)
    except Exception:  # starlette raises several types on broken bodies; all are the client's fault
        return _answer(False, "unreadable form body", 400)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    principal = _gateway(request, store, fields.get("secret", ""))
    if principal is None:
        return _answer(False, "unknown gateway secret", 401)
    try:
        sms = sms_channel.validate(fields)
        outcome = await run_in_threadpool(
            sms_channel.receive, store, sms, gateway_id=principal.id, gateway_name=principal.name
        )
    except KhronikaError as e:
        return _answer(False, e.reason, 400)
    return _answer(True, None, duplicate=not outcome.stored)
