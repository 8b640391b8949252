"""Login, logout, sessions, CSRF, API tokens.

`POST /api/auth/login` takes JSON `{"name", "password"}` and sets two cookies: `khronika_session` (the
session id; HttpOnly, SameSite=Strict) and `khronika_csrf` (readable by the page's JS, which echoes it in
`X-CSRF-Token` on every unsafe request). Failed logins are rate-limited per name and per address.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field

from ...store import Store
from ...store import accounts as acc
from ..deps import get_store
from ..security import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    LoginLimiter,
    Principal,
    current_principal,
    require,
)
from ..templating import render

router = APIRouter()


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=acc.PASSWORD_MAX)


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    current: str = Field(min_length=1, max_length=acc.PASSWORD_MAX)
    new: str = Field(min_length=acc.PASSWORD_MIN, max_length=acc.PASSWORD_MAX)


def signed_in(request: Request, store: Annotated[Store, Depends(get_store)]) -> Principal:
    """Any authenticated caller, machines included."""
    p = current_principal(request, store)
    if p is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "not logged in",
                            headers={"WWW-Authenticate": "Bearer"})
    return p


def _me(store: Store, p: Principal) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "role": p.role, "must_change": acc.must_change(store, p.name)}


def _set_cookies(request: Request, response: Response, sid: str, csrf: str) -> None:
    secure = bool(getattr(request.app.state, "cookie_secure", False))
    max_age = acc.SESSION_HOURS * 3600
    response.set_cookie(SESSION_COOKIE, sid, max_age=max_age, httponly=True, samesite="strict", secure=secure,
                        path="/")
    response.set_cookie(CSRF_COOKIE, csrf, max_age=max_age, httponly=False, samesite="strict", secure=secure,
                        path="/")


@router.post("/api/auth/login")
def login(body: LoginIn, request: Request, response: Response,
          store: Annotated[Store, Depends(get_store)]) -> dict[str, Any]:
    """Check name and password, start a session. 401 on any mismatch (same answer for an unknown name),
    429 after too many failures."""
    limiter: LoginLimiter = request.app.state.login_limiter
    keys = (f"name:{body.name.lower()}", f"addr:{request.client.host if request.client else '?'}")
    wait = limiter.blocked(*keys)
    if wait > 0:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "too many failed logins; wait a minute",
                            headers={"Retry-After": str(int(wait) + 1)})
    p = acc.authenticate(store, body.name, body.password)
    if p is None:
        limiter.failed(*keys)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "wrong name or password")
    if p.role == "ingest":  # machines use tokens; a session would give them cookies and a browser role
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the ingest role cannot log in; use an API token")
    limiter.succeeded(keys[0])
    sid, csrf = acc.create_session(store, p)
    _set_cookies(request, response, sid, csrf)
    return {**_me(store, p), "csrf": csrf}


@router.post("/api/auth/logout", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def logout(request: Request, response: Response, store: Annotated[Store, Depends(get_store)],
           _p: Annotated[Principal, Depends(signed_in)]) -> None:
    """End this browser session (CSRF-checked like every unsafe request) and clear the cookies."""
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        acc.end_session(store, sid)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    response.delete_cookie(CSRF_COOKIE, path="/", samesite="strict")


@router.get("/api/auth/me")
def me(store: Annotated[Store, Depends(get_store)],
       p: Annotated[Principal, Depends(signed_in)]) -> dict[str, Any]:
    return _me(store, p)


@router.post("/api/auth/password", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def change_password(body: PasswordIn, request: Request, store: Annotated[Store, Depends(get_store)],
                    p: Annotated[Principal, Depends(require("viewer"))]) -> None:
    """Change your own password (the current one is asked again); your other sessions end."""
    limiter: LoginLimiter = request.app.state.login_limiter
    key = f"name:{p.name.lower()}"
    if limiter.blocked(key) > 0:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, "too many failed attempts; wait a minute")
    if acc.authenticate(store, p.name, body.current) is None:
        limiter.failed(key)
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the current password is wrong")
    acc.set_password(store, p.name, body.new, actor=p.name, keep_session=request.cookies.get(SESSION_COOKIE))


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, store: Annotated[Store, Depends(get_store)]) -> HTMLResponse:
    try:
        p = current_principal(request, store)
    except HTTPException:  # an expired session: show the form
        p = None
    must = bool(p is not None and acc.must_change(store, p.name))
    return render(request, "login.html", p, must_change=must, password_min=acc.PASSWORD_MIN)
