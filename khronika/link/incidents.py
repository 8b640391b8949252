"""Incidents: events of different documents that report one happening, linked incrementally.

A new document's events are compared with stored events found through blocking keys (`IncidentIndex`,
a read-only Protocol the store implements) and with each other; every pair at or above the confirm
threshold joins their incidents, pairs at or above the suggest threshold are kept for review. So an
incident is a connected component of the confirmed-link graph, and since a pair's score depends on the
two events alone, the same corpus gives the same incidents whatever the order of ingest. An incident's
id derives from its smallest member event id; a merge keeps the id of the component's smallest event.

Sources: the originating witness of each member (the speaker, or the relayer of a relayed statement),
merged across documents by normalised name; media and unattributed hearsay count once per document;
an official alert counts once per issuing authority (see `records.source_of`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol, runtime_checkable

from .. import vocab
from ..model import stable_id
from .blocking import Blocker
from .records import EventRecord
from .score import Scorer, haversine_km

PRECISE_PLACES = ("point", "street", "district")


def incident_id(event_ids: Iterable[str]) -> str:
    return "inc-" + stable_id("incident", min(event_ids))


@dataclass
class Link:
    a: str  # event ids, a < b
    b: str
    score: float
    status: str  # confirmed | suggested
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class IncidentChange:
    id: str
    members: list[EventRecord]
    replaces: list[str]  # stored incident ids merged into this one (its own previous id included)
    new_events: list[str]


@dataclass
class Changes:
    records: list[tuple[EventRecord, list[str]]]  # new events with the keys they emit
    links: list[Link]
    incidents: list[IncidentChange]

    @property
    def removed(self) -> list[str]:
        return sorted({r for c in self.incidents for r in c.replaces if r != c.id})


@runtime_checkable
class IncidentIndex(Protocol):
    """What linking reads from stored incidents."""

    def link_candidates(self, keys: Sequence[str]) -> dict[str, list[tuple[EventRecord, str]]]:
        """For each of `keys`, the stored events that emitted it, each with its incident id.

        Asked once per batch with every key of every new event: one read, however many documents.
        """
        ...

    def key_counts(self, keys: Sequence[str]) -> dict[str, int]:
        """How many stored events emitted each of `keys` (absent: none)."""
        ...

    def incident_records(self, incident_ids: Sequence[str]) -> dict[str, list[EventRecord]]:
        """The member records of each incident."""
        ...

    def has_rejections(self) -> bool:
        """Has an analyst broken any link apart (so linking must check what it joins)?"""
        ...

    def rejected_pairs(self, event_ids: Sequence[str]) -> set[tuple[str, str]]:
        """Pairs an analyst broke apart, as sorted (a, b), that touch any of `event_ids`."""
        ...


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        p = self.parent.setdefault(x, x)
        while p != x:
            gp = self.parent.setdefault(p, p)
            self.parent[x] = gp
            x, p = p, gp
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


class _Guard:
    """Keeps apart what an analyst broke apart: no link may put a rejected pair into one incident,
    neither directly (a reprocessed event meeting its old partner) nor through a third report that
    resembles both. Idle, at no cost, until somebody has broken a link."""

    def __init__(self, index: IncidentIndex) -> None:
        self.index = index
        self.armed = index.has_rejections()
        self.rejected: set[tuple[str, str]] = set()
        self.members: dict[str, set[str]] = {}  # component root -> its event ids
        self.asked: set[str] = set()

    def _learn(self, node: str, uf: _UnionFind) -> set[str]:
        root = uf.find(node)
        if root not in self.members:
            if node.startswith("i:"):
                recs = self.index.incident_records([node[2:]]).get(node[2:], [])
                ids = {m.event_id for m in recs}
            else:
                ids = {node[2:]}
            self.members[root] = ids
            self._ask(ids)
        return self.members[root]

    def _ask(self, ids: set[str]) -> None:
        new = sorted(ids - self.asked)
        if new:
            self.rejected |= self.index.rejected_pairs(new)
            self.asked.update(new)

    def broken(self, pair: tuple[str, str]) -> bool:
        """Did an analyst break this very pair apart? Then it is neither linked nor suggested again."""
        if not self.armed:
            return False
        self._ask(set(pair))
        return pair in self.rejected

    def union(self, uf: _UnionFind, a: str, b: str) -> bool:
        """Unite a and b unless that joins a rejected pair; True if they are (now) together."""
        if not self.armed:
            uf.union(a, b)
            return True
        if uf.find(a) == uf.find(b):
            return True
        left, right = self._learn(a, uf), self._learn(b, uf)
        if any((x in left and y in right) or (x in right and y in left) for x, y in self.rejected):
            return False
        uf.union(a, b)
        self.members[uf.find(a)] = left | right
        return True


class _Candidates:
    """Stored candidates of a whole batch, read at once, then served per record from memory."""

    def __init__(self, index: IncidentIndex, queries: list[list[str]], blocker: Blocker) -> None:
        """`queries` are the new records' keys; a record's suggestion-only keys are dropped from it, in
        place, when together they hold more than `blocker.max_suggest` stored events (see blocking)."""
        # A batch's queries hold hundreds of thousands of keys, mostly shared: each distinct key is
        # classified once, and a query then only tests set membership.
        keys: set[str] = set().union(*queries)
        vague = {k for k in keys if blocker.suggest_only(k)}
        counts = index.key_counts(sorted(vague)) if vague else {}
        kept_vague: set[str] = set()
        for q in queries:
            mine = [k for k in q if k in vague]
            if sum(counts.get(k, 0) for k in mine) > blocker.max_suggest:
                q[:] = [k for k in q if k not in vague]
            else:
                kept_vague.update(mine)
        self.by_key = index.link_candidates(list((keys - vague) | kept_vague))

    def of(self, keys: Sequence[str]) -> list[tuple[EventRecord, str]]:
        seen: set[str] = set()
        out = []
        for k in keys:
            for rec, inc in self.by_key.get(k, ()):
                if rec.event_id not in seen:
                    seen.add(rec.event_id)
                    out.append((rec, inc))
        return out


def link_new(
    records: Sequence[EventRecord], index: IncidentIndex, scorer: Scorer, blocker: Blocker
) -> Changes:
    """Link new events against the index and each other; nothing is written."""
    recs = sorted(records, key=lambda r: r.event_id)
    uf = _UnionFind()
    links: dict[tuple[str, str], Link] = {}
    local: dict[str, list[EventRecord]] = {}
    emitted: list[tuple[EventRecord, list[str]]] = []

    max_suggest = int(scorer.cfg["thresholds"].get("max_suggestions", 3))
    max_confirm = int(scorer.cfg["thresholds"].get("max_confirmations", 3))
    suggested: list[Link] = []
    confirmed: dict[str, int] = {}  # new event id -> confirmed links found for it so far

    guard = _Guard(index)
    queries = [blocker.query(r) for r in recs]
    stored = _Candidates(index, queries, blocker)

    def consider(r: EventRecord, c: EventRecord, node: str) -> None:
        me = "e:" + r.event_id
        if confirmed.get(r.event_id, 0) >= max_confirm and uf.find(node) == uf.find(me):
            return  # already in c's incident through enough links: another changes no membership
        pair = (min(r.event_id, c.event_id), max(r.event_id, c.event_id))
        if pair in links or r.event_id == c.event_id or guard.broken(pair) or scorer.too_far(r, c):
            return
        d = scorer.detail(r, c)
        if d.score >= scorer.confirm and guard.union(uf, me, node):
            links[pair] = Link(pair[0], pair[1], d.score, "confirmed", _detail_json(d))
            confirmed[r.event_id] = confirmed.get(r.event_id, 0) + 1
        elif d.score >= scorer.suggest:
            suggested.append(Link(pair[0], pair[1], d.score, "suggested", _detail_json(d)))

    def keep_best_suggestions() -> None:
        # Only the best few per event: a vague report would otherwise suggest half the day.
        suggested.sort(key=lambda lk: (-lk.score, lk.a, lk.b))
        for lk in suggested[:max_suggest]:
            links.setdefault((lk.a, lk.b), lk)
        suggested.clear()

    for r, q in zip(recs, queries, strict=True):
        uf.find("e:" + r.event_id)
        for c, inc in stored.of(q):
            consider(r, c, "i:" + inc)
        seen: set[str] = set()
        for k in q:  # new events of other new documents (a batch of several documents)
            for c in local.get(k, ()):
                if c.event_id not in seen:
                    seen.add(c.event_id)
                    consider(r, c, "e:" + c.event_id)
        keep_best_suggestions()
        keys = blocker.emit(r)
        for k in keys:
            local.setdefault(k, []).append(r)
        emitted.append((r, keys))

    groups: dict[str, tuple[list[EventRecord], set[str]]] = {}
    for r in recs:
        groups.setdefault(uf.find("e:" + r.event_id), ([], set()))[0].append(r)
    for node in list(uf.parent):
        if node.startswith("i:"):
            root = uf.find(node)
            if root in groups:
                groups[root][1].add(node[2:])
    members_of = index.incident_records(sorted({i for _, s in groups.values() for i in s}))
    changes = []
    for new, incs in groups.values():
        members = list(new) + [m for i in sorted(incs) for m in members_of.get(i, [])]
        uniq = {m.event_id: m for m in members}
        iid = incident_id(uniq)
        changes.append(
            IncidentChange(
                iid,
                sorted(uniq.values(), key=lambda m: m.event_id),
                sorted(incs),
                sorted(r.event_id for r in new),
            )
        )
    changes.sort(key=lambda c: c.id)
    return Changes(emitted, sorted(links.values(), key=lambda lk: (lk.a, lk.b)), changes)


def _detail_json(d: Any) -> dict[str, Any]:
    return {"type": d.type, "date": d.date, "place": d.place, "text": d.text, "name": d.name, "toll": d.toll}


class MemoryIndex:
    """An in-memory IncidentIndex that also applies Changes: for tests, batches and the benchmark."""

    def __init__(self) -> None:
        self.records: dict[str, EventRecord] = {}
        self.keys: dict[str, list[str]] = {}
        self.incident_of: dict[str, str] = {}
        self.members: dict[str, list[str]] = {}
        self.links: list[Link] = []
        self.rejected: set[tuple[str, str]] = set()

    def link_candidates(self, keys: Sequence[str]) -> dict[str, list[tuple[EventRecord, str]]]:
        return {
            k: [(self.records[e], self.incident_of[e]) for e in self.keys[k]] for k in keys if k in self.keys
        }

    def key_counts(self, keys: Sequence[str]) -> dict[str, int]:
        return {k: len(self.keys[k]) for k in keys if k in self.keys}

    def incident_records(self, incident_ids: Sequence[str]) -> dict[str, list[EventRecord]]:
        return {i: [self.records[e] for e in self.members.get(i, [])] for i in incident_ids}

    def has_rejections(self) -> bool:
        return bool(self.rejected)

    def rejected_pairs(self, event_ids: Sequence[str]) -> set[tuple[str, str]]:
        ids = set(event_ids)
        return {p for p in self.rejected if p[0] in ids or p[1] in ids}

    def reject(self, a: str, b: str) -> None:
        """An analyst's "these two are not the same incident" (tests)."""
        self.rejected.add((min(a, b), max(a, b)))

    def apply(self, ch: Changes) -> None:
        for r, keys in ch.records:
            self.records[r.event_id] = r
            for k in keys:
                self.keys.setdefault(k, []).append(r.event_id)
        for c in ch.incidents:
            for old in c.replaces:
                self.members.pop(old, None)
            self.members[c.id] = [m.event_id for m in c.members]
            for m in c.members:
                self.incident_of[m.event_id] = c.id
        self.links.extend(ch.links)

    def incidents(self) -> dict[str, list[EventRecord]]:
        return {i: [self.records[e] for e in ms] for i, ms in self.members.items()}


# -- what an incident says ---------------------------------------------------------------------------


def _evidence_rank() -> dict[str, int]:
    return {str(e["id"]): int(e["rank"]) for e in vocab.load("evidence")}


def _day(o: int) -> str:
    return date.fromordinal(o).isoformat()


def summarize(members: Sequence[EventRecord], cfg: dict[str, Any]) -> dict[str, Any]:
    """Sources, best evidence, confidence, contradictions and a label for one incident."""
    rank = _evidence_rank()
    weight = cfg["evidence_weight"]
    sources: dict[str, dict[str, Any]] = {}
    for m in members:
        s = sources.setdefault(
            m.source,
            {
                "key": m.source,
                "label": m.source_label,
                "evidence": m.evidence,
                "events": [],
                "docs": [],
                "strength": 0.0,
            },
        )
        s["events"].append(m.event_id)
        if m.doc_id not in s["docs"]:
            s["docs"].append(m.doc_id)
        if rank.get(m.evidence or "", 99) < rank.get(s["evidence"] or "", 99):
            s["evidence"] = m.evidence
        s["strength"] = max(s["strength"], float(weight.get(m.evidence or "", 0.3)) * m.confidence)
    miss = 1.0
    for s in sources.values():
        miss *= 1.0 - min(s["strength"], 0.95)
    best = min((m.evidence for m in members if m.evidence), key=lambda e: rank.get(e, 99), default=None)
    days = [m.day for m in members if m.day]
    placed = sorted(
        (m for m in members if m.place and m.place_precision),
        key=lambda m: (
            ("point", "street", "district", "city", "region").index(m.place_precision or "region"),
            m.event_id,
        ),
    )
    main = max(members, key=lambda m: (sum(1 for x in members if x.subtype == m.subtype), -len(m.event_id)))
    return {
        "type": main.type,
        "subtype": main.subtype,
        "family": main.family,
        "first_day": min(days) if days else None,
        "last_day": max(days) if days else None,
        "place": placed[0].place if placed else None,
        "lat": placed[0].lat if placed else None,
        "lon": placed[0].lon if placed else None,
        "n_members": len(members),
        "n_documents": len({m.doc_id for m in members}),
        "n_sources": len(sources),
        "best_evidence": best,
        "confidence": round(1.0 - miss, 4),
        "sources": [
            {k: v for k, v in s.items() if k != "strength"}
            for s in sorted(sources.values(), key=lambda s: s["key"])
        ],
        "contradictions": contradictions(members, cfg),
        "members": [
            {
                "event_id": m.event_id,
                "doc_id": m.doc_id,
                "start": m.start,
                "end": m.end,
                "subtype": m.subtype,
                "day": m.day,
                "place": m.place,
                "evidence": m.evidence,
                "source": m.source,
                "fatalities": m.fatalities,
                "lang": m.lang,
                "text": m.text,
            }
            for m in members
        ],
    }


def _sides(groups: dict[Any, list[EventRecord]], show: Any) -> list[dict[str, Any]]:
    return [
        {
            "value": show(v),
            "sources": sorted({m.source_label for m in ms}),
            "source_keys": sorted({m.source for m in ms}),
            "events": sorted(m.event_id for m in ms),
            "docs": sorted({m.doc_id for m in ms}),
        }
        for v, ms in sorted(groups.items(), key=lambda kv: str(kv[0]))
    ]


def contradictions(members: Sequence[EventRecord], cfg: dict[str, Any]) -> list[dict[str, Any]]:
    """Disagreements between sources on the day, the death toll or the place, each side named."""
    out: list[dict[str, Any]] = []
    by_day: dict[str, list[EventRecord]] = {}
    for m in members:
        if m.dated and m.day and m.day_lo == m.day_hi:
            by_day.setdefault(m.day, []).append(m)
    if len(by_day) > 1 and _distinct_sources(by_day):
        out.append({"field": "date", "sides": _sides(by_day, str)})
    tolls: dict[tuple[int, int], list[EventRecord]] = {}
    for m in members:
        if m.fatalities:
            hi = (
                m.fatalities_high if m.fatalities_high and m.fatalities_high >= m.fatalities else m.fatalities
            )
            tolls.setdefault((m.fatalities, hi), []).append(m)
    ranges = list(tolls)
    if any(
        a[1] < b[0] or b[1] < a[0] for i, a in enumerate(ranges) for b in ranges[i + 1 :]
    ) and _distinct_sources(tolls):
        out.append(
            {
                "field": "fatalities",
                "sides": _sides(tolls, lambda v: v[0] if v[0] == v[1] else f"{v[0]}-{v[1]}"),
            }
        )
    places: dict[str, list[EventRecord]] = {}
    for m in members:
        if m.place and m.place_precision in PRECISE_PLACES and m.lat is not None:
            places.setdefault(m.place, []).append(m)
    if len(places) > 1 and _far_apart(places, cfg) and _distinct_sources(places):
        out.append({"field": "place", "sides": _sides(places, str)})
    return out


def _distinct_sources(groups: dict[Any, list[EventRecord]]) -> bool:
    """A disagreement between sources, not one source's slip: two sides held by different sources."""
    return len({m.source for ms in groups.values() for m in ms}) > 1


def _far_apart(places: dict[str, list[EventRecord]], cfg: dict[str, Any]) -> bool:
    reps = [ms[0] for ms in places.values()]
    radius, slack = cfg["place"]["radius_km"], cfg["place"]["slack_km"]
    for i, a in enumerate(reps):
        for b in reps[i + 1 :]:
            assert a.lat is not None and a.lon is not None and b.lat is not None and b.lon is not None
            tol = radius[a.place_precision or "city"] + radius[b.place_precision or "city"] + slack
            if haversine_km(a.lat, a.lon, b.lat, b.lon) > tol:
                return True
    return False
