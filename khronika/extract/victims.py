"""Named victims: a person's name next to a fate (killed, injured, detained, missing)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from khronika import lang as langpacks
from khronika.model import Document, Event, Victim

TAG = "khronika.events@1"
_NOT_NAMES = {
    "police",
    "the",
    "on",
    "in",
    "at",
    "security",
    "government",
    "army",
    "al",
    "as",
    "sna",
    "one",
    "a",
    "an",
    "they",
    "he",
    "she",
    "it",
    "this",
    "that",
    "there",
    "local",
    "unknown",
    "two",
    "three",
}


_GRAVITY = {"killed": 0, "missing": 1, "detained": 2, "injured": 3}


@dataclass
class _Rx:
    fate: str
    rx: re.Pattern[str]


class VictimReader:
    def __init__(self, lang: str) -> None:
        v = langpacks.load(lang, "events").get("victims") or {}
        self.ok = bool(v)
        if not self.ok:
            return
        name, age = v["name"], v.get("age", "")
        self.after = [
            _Rx(f, re.compile(rf"{name}{age}\s+(?:{'|'.join(p)})\b")) for f, p in v.get("fates", {}).items()
        ]
        self.before = [
            _Rx(f, re.compile(rf"\b(?:{'|'.join(p)})\s+{name}\b")) for f, p in v.get("before", {}).items()
        ]
        self.perp = re.compile(v["perpetrator"], re.I) if v.get("perpetrator") else None

    def find(self, text: str) -> list[tuple[int, int, str, str, str | None]]:
        """(start, end, name, fate, perpetrator) for each named victim in `text`."""
        if not self.ok:
            return []
        out: list[tuple[int, int, str, str, str | None]] = []
        for group in (self.after, self.before):
            for rx in group:
                for m in rx.rx.finditer(text):
                    nm = m.group("name").strip()
                    nm, shift = _trim_sentence_start(text, m.start("name"), nm)
                    if nm.split()[0].lower() in _NOT_NAMES or len(nm) < 4:
                        continue
                    tail = text[m.end() : m.end() + 80]
                    pm = self.perp.match(tail.lstrip()) if self.perp else None
                    if pm is None and self.perp is not None:
                        pm = self.perp.search(text[m.start() : m.end() + 60])
                    out.append(
                        (m.start("name") + shift, m.end("name"), nm, rx.fate, pm.group("by") if pm else None)
                    )
        # At one name, the gravest fate read wins ("shot dead" is killed, not injured).
        out.sort(key=lambda o: (o[0], _GRAVITY.get(o[3], 9)))
        kept: list[tuple[int, int, str, str, str | None]] = []
        for o in out:
            if not kept or o[0] >= kept[-1][1]:
                kept.append(o)
        return kept


_PATRONYMIC = re.compile(r"(?:вич|вна|ична|ьич)(?:а|у|ем|ом|ой|е)?$")


def _trim_sentence_start(text: str, start: int, name: str) -> tuple[str, int]:
    """Drop a capitalised sentence-initial word glued to a name ("Соседа Ерлана Касымова")."""
    parts = name.split()
    at_start = (
        start == 0 or text[:start].rstrip().endswith((".", "!", "?", "\n")) or text[:start].strip() == ""
    )
    if at_start and len(parts) == 3 and not _PATRONYMIC.search(parts[-1]):
        cut = name.index(parts[1])
        return name[cut:], cut
    return name, 0


@lru_cache(maxsize=8)
def reader(lang: str) -> VictimReader:
    return VictimReader(lang)


def _line(text: str, start: int, end: int) -> str:
    """The sentence around a span, on one line, for Victim.circumstances."""
    s = max(text.rfind(".", 0, start), text.rfind("\n", 0, start)) + 1
    e_dot = [i for i in (text.find(".", end), text.find("\n", end)) if i != -1]
    e = min(e_dot) + 1 if e_dot else len(text)
    return " ".join(text[s:e].split())[:300]


def find(doc: Document, lang: str, events: list[Event]) -> list[Victim]:
    """Victims named in the document; each takes time and place from the nearest event before it."""
    out: list[Victim] = []
    for start, end, name, fate, perp in reader(lang).find(doc.text):
        st = doc.statement_at(start)
        if st is not None and not st.id:
            st.assign_id(doc.id)
        ev = min((e for e in events if e.start <= end), key=lambda e: abs(e.start - start), default=None)
        out.append(
            Victim(
                start=start,
                end=end,
                extractor=TAG,
                confidence=0.6,
                statement_id=st.id if st else None,
                evidence=st.evidence if st else None,
                name=name,
                count=1,
                fate=fate,
                time_id=ev.time_id if ev else None,
                place_id=ev.place_id if ev else None,
                perpetrator=perp,
                circumstances=_line(doc.text, start, end),
            )
        )
    return out
