"""Who is calling, and may they: `principal: Principal = Depends(require("viewer"))`.

Two ways in:
- a browser session: cookie `khronika_session` (HttpOnly). For unsafe methods the request must also
  carry header `X-CSRF-Token` equal to the session's CSRF token, which the browser reads from the
  `khronika_csrf` cookie; another site can make the browser send cookies but cannot read them.
- a script or a machine: `Authorization: Bearer <api token>` (no cookies, so no CSRF).

Roles: viewer < analyst < admin. "ingest" is a separate machine role: it passes only `require("ingest")`,
and `require("ingest")` also lets admins through (to test a gateway by hand). Anonymous: 401;
authenticated without the role: 403.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

from fastapi import Depends, HTTPException, Request, status

from ..store import Store
from ..store.accounts import Principal, principal_for_token, same_secret, session_principal
from .deps import get_store

__all__ = ["CSRF_COOKIE", "CSRF_HEADER", "SESSION_COOKIE", "LoginLimiter", "Principal", "current_principal",
           "require"]

SESSION_COOKIE = "khronika_session"
CSRF_COOKIE = "khronika_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
RANK = {"viewer": 1, "analyst": 2, "admin": 3}


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def _from_bearer(request: Request, store: Store) -> Principal | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("malformed Authorization header (expected: Bearer <token>)")
    p = principal_for_token(store, token.strip())
    if p is None:
        raise _unauthorized("invalid API token")
    return p


def _from_session(request: Request, store: Store) -> Principal | None:
    sid = request.cookies.get(SESSION_COOKIE)
    if not sid:
        return None
    found = session_principal(store, sid)
    if found is None:
        raise _unauthorized("session expired or unknown; log in again")
    principal, csrf = found
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not sent or not same_secret(sent, csrf):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"missing or wrong {CSRF_HEADER} header")
    return principal


def current_principal(request: Request, store: Store) -> Principal | None:
    """The caller, or None when anonymous; raises 401/403 for bad credentials or a missing CSRF token."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    p = _from_bearer(request, store) or _from_session(request, store)
    request.state.principal = p
    return p


def allowed(principal: Principal, role: str) -> bool:
    if role == "ingest":
        return principal.role in ("ingest", "admin")
    return RANK.get(principal.role, 0) >= RANK[role]


def require(role: str) -> Callable[..., Principal]:
    """A dependency that returns the caller when they hold `role` (or a higher one)."""
    if role not in RANK and role != "ingest":
        raise ValueError(f"unknown role {role!r}")

    def dependency(request: Request, store: Store = Depends(get_store)) -> Principal:
        p = current_principal(request, store)
        if p is None:
            raise _unauthorized("log in first (session cookie or Bearer token)")
        if not allowed(p, role):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"this needs the {role} role")
        return p

    dependency.__name__ = f"require_{role}"
    return dependency


class LoginLimiter:
    """Failed logins in a sliding window of `window` seconds, per key: "name:<user>" keys allow `limit`
    failures, "addr:<client>" keys `addr_limit` (an office behind one address holds many users). Past
    that, attempts get 429 until old failures age out. In memory, per process."""

    def __init__(self, limit: int = 5, window: float = 60.0, addr_limit: int = 20) -> None:
        self.limit = limit
        self.addr_limit = addr_limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def _limit(self, key: str) -> int:
        return self.addr_limit if key.startswith("addr:") else self.limit

    def blocked(self, *keys: str) -> float:
        """Seconds until an attempt for these keys is allowed again; 0 when allowed now."""
        now = time.monotonic()
        with self._lock:
            waits = [q[0] + self.window - now for k in keys
                     if len(q := self._recent(k, now)) >= self._limit(k)]
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)
            if len(self._failures) > 10_000:  # a flood of distinct names must not grow memory forever
                for k in [k for k, q in self._failures.items() if not q]:
                    del self._failures[k]

    def succeeded(self, name_key: str) -> None:
        with self._lock:
            self._failures.pop(name_key, None)
