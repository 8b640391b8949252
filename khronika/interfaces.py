"""Small read-only views of stored knowledge that stages before `store` receive from the orchestrator.

A stage depends on one of these Protocols, never on the database: the store implements them, and a
test can pass any object with the same methods.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class SeenIndex(Protocol):
    """Intake's question: "have I stored this document (these bytes from this source) before?"."""

    def has_document(self, doc_id: str) -> bool: ...
