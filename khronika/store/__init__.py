"""Persistence: SQLite or PostgreSQL behind one `Store`, with a tamper-evident audit trail.

    from khronika.store import Store
    store = Store()                       # KHRONIKA_DB, else sqlite:///khronika.db
    result = store.save(doc)              # one transaction per document
    store.audit_verify().ok
"""

from __future__ import annotations

from .audit import VerifyResult, canonical_json
from .store import DEFAULT_URL, SaveResult, Store, resolve_url

__all__ = ["DEFAULT_URL", "SaveResult", "Store", "VerifyResult", "canonical_json", "resolve_url"]
