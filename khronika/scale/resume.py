"""Resuming after a crash: link the documents an interrupted run saved but did not link.

Saving a batch of documents (their rows and audit entries) is one transaction, linking it is a second
one, so a process killed in between leaves whole documents whose events are in no incident yet.
Documents already stored are skipped by id on a re-run; this step completes their linking first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console

from ..link import link_each
from ..link.cache import CachedLinkStore

if TYPE_CHECKING:
    from ..store import Store

BATCH = 50  # documents linked per transaction, as the bulk writer does


def relink_pending(store: Store, console: Console) -> int:
    """Link every stored-but-unlinked document; returns how many were linked."""
    pending = store.unlinked_documents()
    done = 0
    links = CachedLinkStore(store)
    for i in range(0, len(pending), BATCH):
        docs = [store.load_document(d) for d in pending[i : i + BATCH]]
        for doc, error in link_each(links, docs):
            if error is None:
                done += 1
            else:  # the next run retries
                console.print(f"[red]error:[/red] linking {doc.id[:12]}: {error}", highlight=False)
    return done
