"""Small helpers the map, timeline, board, gazetteer and narratives routes share.

- `page_principal`: HTML pages send anonymous visitors to the login page instead of a bare 401;
- `Redactor`: what a principal may see: viewers get every row through the "viewer" policy, analysts
  and admins the rows as stored;
- `read`: a read-only connection to the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import RedirectResponse
from sqlalchemy.engine import Connection

from ..store import Store
from .security import Principal, allowed, current_principal


def page_principal(request: Request, store: Store, role: str = "viewer") -> Principal | RedirectResponse:
    """The signed-in principal, or a redirect to /login (anonymous) or the home page (role too low)."""
    try:
        p = current_principal(request, store)
    except Exception:  # an expired session: log in again
        p = None
    if p is None:
        target = quote(request.url.path, safe="/")
        return RedirectResponse(f"/login?next={target}", status_code=303)
    if not allowed(p, role):
        return RedirectResponse("/", status_code=303)
    return p


@contextmanager
def read(store: Store) -> Iterator[Connection]:
    # The store has no public read-connection accessor yet; accounts.py reads the same way.
    with store.read() as conn:
        yield conn


class Redactor:
    """Rows as a principal may see them. Anything a viewer sees goes through get_policy("viewer")."""

    def __init__(self, principal: Principal, store: Store | None = None) -> None:
        self.principal = principal
        self._policy: Any = None
        if principal.role == "viewer":
            from ..redact import get_policy

            self._policy = get_policy("viewer", store=store)

    @property
    def active(self) -> bool:
        return self._policy is not None

    def record(self, kind: str, row: dict[str, Any]) -> dict[str, Any]:
        if self._policy is None:
            return row
        return dict(self._policy.redact_record(kind, row))

    def records(self, kind: str, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        return [self.record(kind, r) for r in rows]

    def text(self, text: str | None, names: Iterable[str] = ()) -> str | None:
        if self._policy is None or text is None:
            return text
        out = self._policy.redact_text(text, list(names))
        return None if out is None else str(out)
