"""Find time expressions: the language pack's patterns, compiled once, run over the text.

Each pattern yields candidates; the longest candidate wins where they overlap (ties go to the
pattern listed first). Candidates carry their named groups so the resolver can read the parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from khronika import lang as langpacks

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z_0-9]*)(?::([a-z_0-9]+))?\}")
_CONTEXT = 40  # characters of left/right context that guards look at
_WINDOW = 70  # patterns run only this close to a trigger word: every expression holds one


@dataclass
class Rule:
    kind: str
    rx: re.Pattern[str]
    groups: dict[str, str]  # group name -> lexicon or fragment name
    before: re.Pattern[str] | None = None
    not_before: re.Pattern[str] | None = None
    after: re.Pattern[str] | None = None
    not_after: re.Pattern[str] | None = None
    fixed: dict[str, Any] = field(default_factory=dict)
    order: int = 0


@dataclass
class Candidate:
    start: int
    end: int
    rule: Rule
    parts: dict[str, str]  # group name -> matched text (lower case)

    @property
    def kind(self) -> str:
        return self.rule.kind


@dataclass
class Pack:
    """A language's compiled time lexicon and patterns."""

    lang: str
    lexicon: dict[str, dict[str, Any]]
    rules: list[Rule]
    needs_capital: frozenset[str]
    future_cue: re.Pattern[str] | None
    range_before: re.Pattern[str] | None
    range_join: re.Pattern[str] | None
    number_words: dict[str, float]
    trigger: re.Pattern[str] | None = None

    def lookup(self, lexicon: str, text: str) -> Any:
        return self.lexicon.get(lexicon, {}).get(_norm(text))


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower()).replace("’", "'").replace("ё", "е")


def _alternation(keys: list[str]) -> str:
    """Keys as a regex alternation, longest first so that "the past" beats "the"; spaces match any blank."""
    parts = [re.sub(r"(?:\\)? ", r"\\s+", re.escape(k)) for k in sorted(keys, key=len, reverse=True)]
    return "(?:" + "|".join(parts) + ")"


def _number_fragment(words: dict[str, float], vague: dict[str, Any]) -> str:
    # articles count as "one" only on their own: "a five year low" is five, not six
    single = [w for w in words if " " not in w and w not in ("a", "an")]
    phrase = [w for w in words if " " in w or w in ("a", "an")] + list(vague)
    word = _alternation(single)
    return rf"(?:\d{{1,3}}(?:[.,]\d+)?|{_alternation(phrase)}|{word}(?:[- ]{word}){{0,3}})"


def _compile_pattern(src: str, macros: dict[str, str], frags: dict[str, str],
                     lex: dict[str, dict[str, Any]], num_frag: str) -> tuple[str, dict[str, str]]:
    for _ in range(3):  # macros may use macros
        src = re.sub(r"\{([A-Z_]+)\}", lambda m: macros.get(m[1], m[0]), src)
    groups: dict[str, str] = {}

    def sub(m: re.Match[str]) -> str:
        name, alias = m[1], m[2] or m[1]
        if name == "num":
            body = num_frag
        elif name in frags:
            body = frags[name]
        elif name in lex:
            body = _alternation(list(lex[name]))
        else:
            raise ValueError(f"time pattern uses unknown placeholder {{{name}}}")
        groups[alias] = name
        return f"(?P<{alias}>{body})"

    return _PLACEHOLDER.sub(sub, src), groups


def _opt(rx: str | None, flags: int) -> re.Pattern[str] | None:
    return re.compile(rx, flags) if rx else None


@cache
def pack(lang: str) -> Pack | None:
    """The compiled pack for `lang`, or None when the language ships no time pack."""
    data = langpacks.load(lang, "time")
    if not data:
        return None
    lex: dict[str, dict[str, Any]] = {
        name: {_norm(str(k)): v for k, v in (entries or {}).items()}
        for name, entries in (data.get("lexicon") or {}).items()
    }
    # "unit" is any form of a unit word, singular or plural
    lex["unit"] = {**lex.get("unit_sg", {}), **lex.get("unit_pl", {})}
    numbers = {k: float(v) for k, v in lex.get("numbers", {}).items()}
    num_frag = _number_fragment(numbers, lex.get("vague", {}))
    frags = {k: str(v) for k, v in (data.get("fragments") or {}).items()}
    macros = {k: str(v) for k, v in (data.get("macros") or {}).items()}
    flags = re.IGNORECASE | re.UNICODE
    boundary_l, boundary_r = r"(?<![\w$€£₸])", r"(?![\w])"
    rules: list[Rule] = []

    def guard(p: dict[str, Any], key: str) -> re.Pattern[str] | None:
        src = p.get(key)
        return _opt(re.sub(r"\{([A-Z_]+)\}", lambda m: macros.get(m[1], m[0]), src) if src else None, flags)

    for i, p in enumerate(data.get("patterns") or []):
        body, groups = _compile_pattern(p["re"], macros, frags, lex, num_frag)
        rules.append(Rule(
            kind=p["kind"], rx=re.compile(boundary_l + "(?:" + body + ")" + boundary_r, flags), groups=groups,
            before=guard(p, "before"), not_before=guard(p, "not_before"),
            after=guard(p, "after"), not_after=guard(p, "not_after"),
            fixed=dict(p.get("fixed") or {}), order=i,
        ))
    trig_words: set[str] = set()
    for name in data.get("trigger_lexicons") or []:
        trig_words |= set(lex.get(name, {}))
    trig_words |= {_norm(w) for w in data.get("extra_triggers") or []}
    trigger = re.compile(r"\d|(?<!\w)" + _alternation(sorted(trig_words)), flags) if trig_words else None
    return Pack(
        lang=lang, lexicon=lex, rules=rules, trigger=trigger,
        needs_capital=frozenset(_norm(w) for w in data.get("needs_capital") or []),
        future_cue=_opt(data.get("future_cue"), flags),
        range_before=_opt(data.get("range_before"), flags),
        range_join=_opt(data.get("range_join"), flags),
        number_words=numbers,
    )


def _guards_pass(rule: Rule, text: str, start: int, end: int) -> bool:
    left = text[max(0, start - _CONTEXT):start]
    right = text[end:end + _CONTEXT]
    if rule.before and not rule.before.search(left):
        return False
    if rule.not_before and rule.not_before.search(left):
        return False
    if rule.after and not rule.after.search(right):
        return False
    return not (rule.not_after and rule.not_after.search(right))


def _capital_ok(p: Pack, m: re.Match[str], rule: Rule) -> bool:
    """Words like "may" or "march" count as months only when capitalised."""
    for g, lexname in rule.groups.items():
        if lexname not in ("month", "weekday"):
            continue
        s = m.group(g)
        if s and _norm(s) in p.needs_capital and not s[0].isupper():
            return False
    return True


def windows(p: Pack, text: str) -> list[tuple[int, int]]:
    """Stretches of text near a trigger word, merged, cut at word ends so no word is split."""
    if p.trigger is None:
        return [(0, len(text))]
    out: list[tuple[int, int]] = []
    n = len(text)
    for m in p.trigger.finditer(text):
        s, e = max(0, m.start() - _WINDOW), min(n, m.end() + _WINDOW)
        while e < n and (text[e].isalnum() or text[e] in "._'"):
            e += 1
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def candidates(p: Pack, text: str) -> list[Candidate]:
    out: list[Candidate] = []
    spans = windows(p, text)
    for rule in p.rules:
        for m in (m for s, e in spans for m in rule.rx.finditer(text, s, e)):
            gd = m.groupdict()
            if "span" in gd and gd["span"] is not None:
                s, e = m.span("span")
            else:
                s, e = m.span()
            if e <= s or not _guards_pass(rule, text, m.start(), m.end()) or not _capital_ok(p, m, rule):
                continue
            parts = {k: v.lower() for k, v in gd.items() if v is not None and k != "span"}
            out.append(Candidate(s, e, rule, parts))
    return out


def select(cands: list[Candidate]) -> list[Candidate]:
    """Non-overlapping candidates, longest first, ties to the earlier pattern; in text order."""
    taken: list[Candidate] = []
    occupied: list[tuple[int, int]] = []
    for c in sorted(cands, key=lambda c: (-(c.end - c.start), c.rule.order, c.start)):
        if any(c.start < e and s < c.end for s, e in occupied):
            continue
        taken.append(c)
        occupied.append((c.start, c.end))
    return sorted(taken, key=lambda c: c.start)


def find(p: Pack, text: str) -> list[Candidate]:
    return select(candidates(p, text))


def parse_number(p: Pack, text: str) -> float | str | None:
    """A number written in digits or words ("24", "twenty four", "a couple of"); "X" for vague ones."""
    t = _norm(text)
    vague = p.lexicon.get("vague", {})
    if t in vague:
        return str(vague[t]) if not isinstance(vague[t], int | float) else float(vague[t])
    if re.fullmatch(r"\d+(?:[.,]\d+)?", t):
        return float(t.replace(",", "."))
    if t in p.number_words:
        return p.number_words[t]
    total, current = 0.0, 0.0
    for w in re.split(r"[- ]+", t):
        v = p.number_words.get(w)
        if v is None:
            return None
        if v in (100.0, 1000.0):
            current = (current or 1.0) * v
            if v == 1000.0:
                total, current = total + current, 0.0
        else:
            current += v
    return total + current
