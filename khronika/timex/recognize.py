"""Find time expressions: the language pack's patterns, compiled once, run over the text.

Each pattern yields candidates; the longest candidate wins where they overlap (ties go to the
pattern listed first). Candidates carry their named groups so the resolver can read the parts.

Speed: lexicon alternations are compiled as prefix trees, and one trigger regex finds the
trigger words (and digit runs) of a text. Each pattern runs only near the trigger words it
cannot match without (read off the pattern by the stdlib regex parser), so a month pattern
scans only the text around month names. tests/test_timex.py checks this loses nothing.
"""

from __future__ import annotations

import re
import re._parser as sre  # the stdlib's own regex parser: reads what a pattern must contain
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from khronika import lang as langpacks

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z_0-9]*)(?::([a-z_0-9]+))?\}")
_CONTEXT = 40  # characters of left/right context that guards look at
_WINDOW = 70  # patterns run only this close to a trigger word: every expression holds one
_DIGIT = "#"  # the trigger "word" standing for a run of digits
_WORD_TAIL = re.compile(r"[\w.']*")  # matches everywhere (possibly empty)
_BLANKS = re.compile(r"\s+")


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
    need: int = -1  # index into Pack.needs: trigger words one of which every match holds; -1 = any
    capital_groups: tuple[str, ...] = ()  # groups naming a month or weekday (checked for capitals)


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
    title_rx: re.Pattern[str] | None  # capitalised inside a sentence, these words make a phrase a name
    anaphoric_rel: frozenset[str]  # before a weekday: count back from the day in view ("the previous")
    future_cue: re.Pattern[str] | None
    past_before: re.Pattern[str] | None
    deadline_before: re.Pattern[str] | None  # right before a month alone: a deadline ("by February")
    deadline_undone: re.Pattern[str] | None  # before that: the deadline is told as past ("had")
    future_undone: re.Pattern[str] | None  # before a future cue: the plan lies in the past
    stretch_after: re.Pattern[str] | None
    range_before: re.Pattern[str] | None
    range_join: re.Pattern[str] | None
    number_words: dict[str, float]
    trigger: re.Pattern[str] | None = None
    trigger_words: frozenset[str] = frozenset()
    needs: list[frozenset[str]] = field(default_factory=list)
    token_masks: dict[str, int] = field(default_factory=dict)  # trigger token -> bit per need it meets

    def token_mask(self, token: str) -> int:
        """Which needs a trigger token meets (cached by the token as written: tokens repeat a lot)."""
        key = _DIGIT if token[0].isdigit() else token  # digit runs all meet the same needs
        mask = self.token_masks.get(key)
        if mask is None:
            t = _norm(token)
            words = {_DIGIT} if key == _DIGIT else _words_in(t, self.trigger_words)
            mask = sum(1 << i for i, need in enumerate(self.needs) if words & need)
            self.token_masks[key] = mask
        return mask

    def lookup(self, lexicon: str, text: str) -> Any:
        return self.lexicon.get(lexicon, {}).get(_norm(text))


def _norm(text: str) -> str:
    return _BLANKS.sub(" ", text.strip().lower()).replace("’", "'").replace("ё", "е")


def _alternation(keys: list[str], trie: bool = False) -> str:
    """Keys as a regex alternation, longest first so that "the past" beats "the"; spaces match any blank.

    `trie` writes the same alternation as a prefix tree: the regex engine tries alternatives one by
    one, so a tree of a few hundred words scans several times faster. Longer continuations come
    before the end of a key, so the keys matching at one place are still tried longest first.
    """
    if trie:
        return "(?:" + _trie_regex(_trie(keys)) + ")"
    parts = [re.sub(r"(?:\\)? ", r"\\s+", re.escape(k)) for k in sorted(keys, key=len, reverse=True)]
    return "(?:" + "|".join(parts) + ")"


def _trie(keys: list[str]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for k in keys:
        node = root
        for ch in k:
            node = node.setdefault(ch, {})
        node[""] = {}  # a key ends here
    return root


def _trie_regex(node: dict[str, Any]) -> str:
    alts = [(r"\s+" if ch == " " else re.escape(ch)) + _trie_regex(node[ch]) for ch in sorted(node) if ch]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    return f"(?:{body})?" if "" in node else body


def _number_fragment(words: dict[str, float], vague: dict[str, Any], trie: bool) -> str:
    # articles count as "one" only on their own: "a five year low" is five, not six
    single = [w for w in words if " " not in w and w not in ("a", "an")]
    phrase = [w for w in words if " " in w or w in ("a", "an")] + list(vague)
    word = _alternation(single, trie)
    return rf"(?:\d{{1,3}}(?:[.,]\d+)?|{_alternation(phrase, trie)}|{word}(?:[- ]{word}){{0,3}})"


def _compile_pattern(src: str, macros: dict[str, str], frags: dict[str, str],
                     lex: dict[str, dict[str, Any]], num_frag: str, trie: bool) -> tuple[str, dict[str, str]]:
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
            body = _alternation(list(lex[name]), trie)
        else:
            raise ValueError(f"time pattern uses unknown placeholder {{{name}}}")
        groups[alias] = name
        return f"(?P<{alias}>{body})"

    return _PLACEHOLDER.sub(sub, src), groups


def _words_in(text: str, words: frozenset[str]) -> set[str]:
    """Trigger words that start at a word start in `text` (the trigger regex has a left boundary only)."""
    found: set[str] = set()
    for i in range(len(text)):
        if i and (text[i - 1].isalnum() or text[i - 1] == "_"):
            continue  # not a word start
        found.update(text[i:j] for j in range(i + 1, len(text) + 1) if text[i:j] in words)
    return found


def _is_blank_run(op: Any, av: Any) -> bool:
    r"""`\s+`, which the alternation writes for a space inside a lexicon phrase."""
    if str(op) not in ("MAX_REPEAT", "MIN_REPEAT") or av[0] < 1 or len(av[2]) != 1:
        return False
    sop, sav = av[2][0]
    return str(sop) == "IN" and [(str(a), str(b)) for a, b in sav] == [("CATEGORY", "CATEGORY_SPACE")]


def _class_has_digit(av: Any) -> bool:
    for op, arg in av:
        name = str(op)
        if name == "NEGATE" or (name == "CATEGORY" and str(arg) in ("CATEGORY_DIGIT", "CATEGORY_WORD")):
            return True
        if name == "LITERAL" and chr(arg).isdigit():
            return True
        if name == "RANGE" and arg[0] <= ord("9") and arg[1] >= ord("0"):
            return True
    return False


def _need(items: Any, trig: frozenset[str], glued: bool = False) -> frozenset[str] | None:
    """Trigger words one of which every match of a parsed pattern holds; None when nothing is certain.

    Mandatory parts each give such a set (a literal phrase: the trigger words in it; an alternation:
    the union over its branches); the rarest one is kept, digits being the commonest trigger.
    `glued`: the sequence follows a letter (the parser pulls common prefixes out of alternations,
    "пол(?:часа|года)"), so a word at its very start is no trigger word.
    """
    clauses: list[frozenset[str]] = []
    buf: list[str] = ["x"] if glued else []

    def flush() -> None:
        if buf:
            found = _words_in("".join(buf), trig)
            if found:
                clauses.append(frozenset(found))
            buf.clear()

    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            ch = chr(av).lower()
            buf.append(ch)
            if ch.isdigit():
                clauses.append(frozenset({_DIGIT}))
            continue
        if _is_blank_run(op, av):
            buf.append(" ")
            continue
        after_letter = bool(buf) and (buf[-1].isalnum() or buf[-1] == "_")
        flush()
        sub: frozenset[str] | None = None
        if name == "SUBPATTERN":
            sub = _need(av[3], trig, after_letter)
        elif name == "BRANCH":
            alts = [_need(alt, trig, after_letter) for alt in av[1]]
            sub = None if any(a is None for a in alts) else frozenset().union(*alts)  # type: ignore[arg-type]
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and av[0] >= 1:
            sub = _need(av[2], trig, after_letter)
        elif name == "IN" and _class_has_digit(av):
            sub = frozenset({_DIGIT})
        if sub:
            clauses.append(sub)
    flush()
    if not clauses:
        return None
    return min(clauses, key=lambda c: (_DIGIT in c, len(c)))


def _rule_need(plain: str, trig: frozenset[str], flags: int) -> frozenset[str] | None:
    """The trigger words a pattern needs; None (run it near any trigger) if its parse is unreadable."""
    if not trig:
        return None
    try:  # re._parser is the stdlib's private parser: if it ever changes shape, lose speed, not matches
        return _need(sre.parse(plain, flags).data, trig)
    except (AttributeError, IndexError, TypeError, ValueError):
        return None


def _opt(rx: str | None, flags: int) -> re.Pattern[str] | None:
    return re.compile(rx, flags) if rx else None


def _rules(data: dict[str, Any], lex: dict[str, dict[str, Any]], numbers: dict[str, float],
           trig: frozenset[str], flags: int) -> tuple[list[Rule], list[frozenset[str]]]:
    """The pack's patterns compiled (lexicons as prefix trees), each with the trigger words it needs."""
    vague = lex.get("vague", {})
    num_trie, num_plain = _number_fragment(numbers, vague, True), _number_fragment(numbers, vague, False)
    frags = {k: str(v) for k, v in (data.get("fragments") or {}).items()}
    macros = {k: str(v) for k, v in (data.get("macros") or {}).items()}
    boundary_l, boundary_r = r"(?<![\w$€£₸])", r"(?![\w])"
    rules: list[Rule] = []
    needs: list[frozenset[str]] = []

    def guard(p: dict[str, Any], key: str) -> re.Pattern[str] | None:
        src = p.get(key)
        return _opt(re.sub(r"\{([A-Z_]+)\}", lambda m: macros.get(m[1], m[0]), src) if src else None, flags)

    for i, p in enumerate(data.get("patterns") or []):
        body, groups = _compile_pattern(p["re"], macros, frags, lex, num_trie, True)
        rule = Rule(
            kind=p["kind"], rx=re.compile(boundary_l + "(?:" + body + ")" + boundary_r, flags), groups=groups,
            before=guard(p, "before"), not_before=guard(p, "not_before"),
            after=guard(p, "after"), not_after=guard(p, "not_after"),
            fixed=dict(p.get("fixed") or {}), order=i,
            capital_groups=tuple(g for g, name in groups.items() if name in ("month", "weekday")),
        )
        # the need is read off the plain alternation: a prefix tree splits words across groups
        plain, _ = _compile_pattern(p["re"], macros, frags, lex, num_plain, False)
        need = _rule_need(plain, trig, flags)
        if need is not None:
            if need not in needs:
                needs.append(need)
            rule.need = needs.index(need)
        rules.append(rule)
    return rules, needs


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
    trig_words: set[str] = set()
    for name in data.get("trigger_lexicons") or []:
        trig_words |= set(lex.get(name, {}))
    trig_words |= {_norm(w) for w in data.get("extra_triggers") or []}
    flags = re.IGNORECASE | re.UNICODE
    tw = frozenset(trig_words)
    trigger = re.compile(r"\d+|(?<!\w)" + _alternation(sorted(tw), True), flags) if tw else None
    rules, needs = _rules(data, lex, numbers, tw, flags)
    return Pack(
        lang=lang, lexicon=lex, rules=rules, trigger=trigger, trigger_words=tw, needs=needs,
        needs_capital=frozenset(_norm(w) for w in data.get("needs_capital") or []),
        title_rx=_title_rx(data.get("title_words") or []),
        anaphoric_rel=frozenset(_norm(w) for w in data.get("anaphoric_rel") or []),
        deadline_before=_opt(data.get("deadline_before"), flags),
        deadline_undone=_opt(data.get("deadline_undone"), flags),
        future_cue=_opt(data.get("future_cue"), flags),
        past_before=_opt(data.get("past_before"), flags),
        future_undone=_opt(data.get("future_undone"), flags),
        stretch_after=_opt(data.get("stretch_after"), flags),
        range_before=_opt(data.get("range_before"), flags),
        range_join=_opt(data.get("range_join"), flags),
        number_words=numbers,
    )


def _guards_pass(rule: Rule, text: str, start: int, end: int) -> bool:
    if rule.before is None and rule.not_before is None and rule.after is None and rule.not_after is None:
        return True  # most rules have no guard: skip the slicing
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
    for g in rule.capital_groups:
        s = m.group(g)
        if s and _norm(s) in p.needs_capital and not s[0].isupper():
            return False
    return True


_SENTENCE_OPEN = re.compile(r"(?:^|[.!?:;\n]|[\"'`«“‘(\[—–-])[\s\"'`«“‘(]*$")


def _title_rx(words: list[str]) -> re.Pattern[str] | None:
    """The words written with a capital and the rest in lower case (case-sensitive: "Week", not "week")."""
    if not words:
        return None
    forms = sorted({_norm(w).capitalize() for w in words}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(f) for f in forms) + r")(?!\w)")


def _in_name(p: Pack, text: str, start: int, end: int) -> bool:
    """A time word written with a capital where a sentence does not start is part of a name: a show
    ("This Week", "VOA Today"), not a time (TimeML leaves times inside proper names unmarked)."""
    if p.title_rx is None:
        return False
    for m in p.title_rx.finditer(text, start, end):
        if m.start() > start or not _SENTENCE_OPEN.search(text[max(0, start - 4):start]):
            return True
    return False


def windows(p: Pack, text: str) -> list[list[tuple[int, int]]]:
    """Per need of the pack, stretches of text near a trigger token meeting it; the last list is for
    rules with no need (near any trigger). Stretches are merged and cut at word ends."""
    n_needs = len(p.needs)
    out: list[list[tuple[int, int]]] = [[] for _ in range(n_needs + 1)]
    if p.trigger is None:
        out[-1].append((0, len(text)))
        return out
    n = len(text)
    tail = _WORD_TAIL.match
    for m in p.trigger.finditer(text):
        s = m.start() - _WINDOW
        s = s if s > 0 else 0
        e = m.end() + _WINDOW
        w = tail(text, e) if e < n else None
        e = w.end() if w else n
        mask = p.token_mask(m.group()) | (1 << n_needs)
        i = 0
        while mask:
            if mask & 1:
                spans = out[i]
                if spans and s <= spans[-1][1]:
                    if e > spans[-1][1]:
                        spans[-1] = (spans[-1][0], e)
                else:
                    spans.append((s, e))
            mask >>= 1
            i += 1
    return out


def candidates(p: Pack, text: str) -> list[Candidate]:
    out: list[Candidate] = []
    spans_by_need = windows(p, text)
    for rule in p.rules:
        finditer = rule.rx.finditer
        for s0, e0 in spans_by_need[rule.need]:
            for m in finditer(text, s0, e0):
                gd = m.groupdict()
                if gd.get("span") is not None:
                    s, e = m.span("span")
                else:
                    s, e = m.span()
                if e <= s or not _guards_pass(rule, text, m.start(), m.end()) \
                        or (rule.capital_groups and not _capital_ok(p, m, rule)) or _in_name(p, text, s, e):
                    continue
                parts = {k: v.lower() for k, v in gd.items() if v is not None and k != "span"}
                out.append(Candidate(s, e, rule, parts))
    return out


def _day_beats_hour(cands: list[Candidate]) -> list[Candidate]:
    """"January 5 in the evening": a number right after a month is its day, not five o'clock, even
    though the clock reading is longer. The part of day is then read on its own ("the evening")."""
    days = [(c.start, c.end) for c in cands if "day" in c.parts]
    if not days:
        return cands
    return [c for c in cands if "hour" not in c.parts or not any(s < c.start < e <= c.end for s, e in days)]


def select(cands: list[Candidate]) -> list[Candidate]:
    """Non-overlapping candidates, longest first, ties to the earlier pattern; in text order."""
    taken: list[Candidate] = []
    occupied: list[tuple[int, int]] = []
    for c in sorted(_day_beats_hour(cands), key=lambda c: (-(c.end - c.start), c.rule.order, c.start)):
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
