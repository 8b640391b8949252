"""Resuming after a crash: link the documents an interrupted run saved but did not link.

Saving a document (its rows and its audit entry) is one transaction, linking it is a second one, so a
process killed in between leaves a whole document whose events are in no incident yet. Documents
already stored are skipped by id on a re-run; this step completes their linking first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console

from ..link import link_after_save

if TYPE_CHECKING:
    from ..store import Store


def relink_pending(store: Store, console: Console) -> int:
    """Link every stored-but-unlinked document; returns how many were linked."""
    done = 0
    for doc_id in store.unlinked_documents():
        try:
            link_after_save(store, store.load_document(doc_id))
        except Exception as e:  # one document must not block the others; the next run retries
            console.print(f"[red]error:[/red] linking {doc_id[:12]}: {e}", highlight=False)
            continue
        done += 1
    return done
