"""One error vocabulary: typed errors that carry the file and the reason, with stable codes.

The CLI turns them into one line and a non-zero exit; the API into a 4xx with the same message.
"""

from __future__ import annotations


class KhronikaError(Exception):
    code = "K000"

    def __init__(self, reason: str, *, path: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{where}{self.reason} [{self.code}]"


class InputError(KhronikaError):
    """Bad input: unreadable, binary, empty, wrong encoding, too large, malformed."""

    code = "K100"


class ConfigError(KhronikaError):
    code = "K200"


class StoreError(KhronikaError):
    code = "K300"


class AuditError(KhronikaError):
    code = "K400"
