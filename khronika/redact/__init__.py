"""Witness protection: redaction policies applied wherever data leaves the system.

    policy = get_policy("public")               # a fresh session: witness numbering starts at 1
    policy = get_policy("viewer", store=store)  # texts redacted with each row's document's names
    policy.redact_record("event", row)          # kinds: event observation item incident victim document
    policy.redact_text(text, ["Aliya", "Marat"])

Policies are YAML files in `policies/` (and KHRONIKA_HOME/policies/, which may add new ones);
`fields.yaml` says what each field of a row is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .policy import DocNames, Policy, PolicySpec, load_spec, parse_policy, policy_names

if TYPE_CHECKING:
    from ..store.store import Store

__all__ = ["DocNames", "Policy", "PolicySpec", "get_policy", "load_spec", "parse_policy", "policy_names"]


def get_policy(name: str, *, store: Store | None = None) -> Policy:
    """A fresh `Policy` session. With `store`, names of each row's document are read from it on demand."""
    spec = load_spec(name)
    if store is None:
        return Policy(spec)
    from .doc_names import StoreNames

    return Policy(spec, StoreNames(store))
