"""Narratives: claims that make the same proposition (same topic, similar text), across documents.

A narrative is a connected component of claims of one topic whose texts are similar enough (any
language, through the multilingual encoder); without an encoder, one topic is one narrative. Claims
without a topic join only on a higher similarity. Components make the grouping independent of the
order claims arrive in; the id derives from the smallest claim id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..model import stable_id
from .incidents import _UnionFind
from .records import ClaimRecord
from .score import TextSim


def narrative_id(claim_ids: Sequence[str]) -> str:
    return "nar-" + stable_id("narrative", min(claim_ids))


def group_claims(
    claims: Sequence[ClaimRecord], cfg: dict[str, Any], text_sim: TextSim | None = None
) -> list[dict[str, Any]]:
    """Narratives over these claims (all of one or more topics), each summarised."""
    ncfg = cfg["narratives"]
    by_topic: dict[str, list[ClaimRecord]] = {}
    for c in sorted(claims, key=lambda c: c.claim_id):
        by_topic.setdefault(c.topic or "", []).append(c)
    out: list[dict[str, Any]] = []
    for topic, cs in sorted(by_topic.items()):
        uf = _UnionFind()
        for c in cs:
            uf.find(c.claim_id)
        need = float(ncfg["text_min"] if topic else ncfg["no_topic_text_min"])
        for i, a in enumerate(cs):
            for b in cs[i + 1 :]:
                if (topic and text_sim is None) or (
                    text_sim is not None and text_sim(a.proposition, b.proposition) >= need
                ):
                    uf.union(a.claim_id, b.claim_id)
        groups: dict[str, list[ClaimRecord]] = {}
        for c in cs:
            groups.setdefault(uf.find(c.claim_id), []).append(c)
        out.extend(summarize_narrative(g) for g in groups.values())
    return sorted(out, key=lambda n: n["id"])


def summarize_narrative(claims: Sequence[ClaimRecord]) -> dict[str, Any]:
    first = min(claims, key=lambda c: c.claim_id)
    return {
        "id": narrative_id([c.claim_id for c in claims]),
        "topic": first.topic,
        "label": first.proposition,
        "n_claims": len(claims),
        "n_documents": len({c.doc_id for c in claims}),
        "n_sources": len({c.source for c in claims}),
        "holders": sorted({c.holder for c in claims if c.holder}),
        "hedges": sorted({c.hedge for c in claims if c.hedge}),
        "languages": sorted({c.lang for c in claims}),
        "claims": [
            {
                "claim_id": c.claim_id,
                "doc_id": c.doc_id,
                "start": c.start,
                "end": c.end,
                "holder": c.holder,
                "hedge": c.hedge,
                "source": c.source,
                "text": c.proposition,
            }
            for c in sorted(claims, key=lambda c: c.claim_id)
        ],
    }
