"""Resuming after a crash: link the documents an interrupted run saved but did not link.

Saving a batch of documents (their rows and audit entries) is one transaction, linking it is a second
one, so a process killed in between leaves whole documents whose events are in no incident yet.
Documents already stored are skipped by id on a re-run; this step completes their linking first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console

from ..link import link_after_save, link_batch

if TYPE_CHECKING:
    from ..store import Store

BATCH = 50  # documents linked per transaction, as the bulk writer does


def relink_pending(store: Store, console: Console) -> int:
    """Link every stored-but-unlinked document; returns how many were linked."""
    pending = store.unlinked_documents()
    done = 0
    for i in range(0, len(pending), BATCH):
        docs = [store.load_document(d) for d in pending[i : i + BATCH]]  # whole documents: saved in one go
        try:
            link_batch(store, docs)
            done += len(docs)
            continue
        except Exception:  # one document must not block the others: link them one by one
            pass
        for doc in docs:
            try:
                link_after_save(store, doc)
            except Exception as e:  # the next run retries
                console.print(f"[red]error:[/red] linking {doc.id[:12]}: {e}", highlight=False)
                continue
            done += 1
    return done
