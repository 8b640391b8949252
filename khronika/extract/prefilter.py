"""Keyword prefilters that let many cue patterns run fast without changing what they match.

Python's `re` tries every alternative of a big alternation at every word start, so a few hundred cue
patterns cost far more than the text is long. Two exact shortcuts, both derived from the patterns
themselves at load time (no extra word lists to keep in step):

- `first_keys(pattern)`: the possible first one to three characters of a match. A pattern wrapped in
  `(?<!\\w)...` that starts with a word character can only match where a word begins with one of
  these keys, so `CueIndex` tries it (with `Pattern.match`) only at such word starts. Internally a key
  shorter than three characters may also say that the first word is exactly that ("I" before `\\b`
  or a space), so "in" and "it" are not tried against it.
- `required(pattern)`: sets of literal strings of which every match must contain one (per set); a
  regex whose sets are not all present in the lower-cased text cannot match and is skipped.

Both are sound over-approximations: when in doubt (a class like `\\w` or `\\d` first), they give up and
the pattern runs as before.

`CueIndex` keeps each name's matches apart (many independent cue lists); `WordAlternation` is one
ordered alternation with one match stream (named groups say which part matched: the service and
need lexicons), and `WordAlternations` walks the words once for several of them (the evidence cues).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from re import _constants as sre_c  # type: ignore[attr-defined]
from re import _parser as sre_parse
from typing import Any

_KEY_LEN = 3
_MAX_KEYS = 256
_MIN_LITERAL = 3  # shorter required literals filter nothing ("ed", "a ")

_HEAD_RX = re.compile(rf"(?<!\w)\w{{1,{_KEY_LEN}}}")  # the head of every word


class _GiveUp(Exception):
    pass


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _in_chars(av: Any) -> list[str] | None:
    """The characters of a `[...]` class made only of literals (else None)."""
    out: list[str] = []
    for op, val in av:
        if op is sre_c.LITERAL:
            out.append(chr(val).lower())
        elif op is sre_c.RANGE and val[1] - val[0] < 16:
            out.extend(chr(c).lower() for c in range(val[0], val[1] + 1))
        else:
            return None
    return out


_NON_WORD = (sre_c.CATEGORY_SPACE, sre_c.CATEGORY_NOT_WORD)
_EXACT = " "  # a key ending in this: the first word is exactly the key (a word shorter than a full key)


def _exact(word: str) -> str:
    # Only a word shorter than a key is told apart: a 3-character head may start a longer word.
    return word + _EXACT if len(word) < _KEY_LEN else word


def _keys(stack: tuple[Sequence[Any], ...], acc: str, ends: bool, depth: int = 0) -> set[str]:
    """Keys (the first up-to-3 characters of the first word) that a match of `stack` can produce.

    `ends`: the end of the pattern ends a word (it is wrapped in `(?!\\w)`)."""
    if depth > 60:
        raise _GiveUp
    if acc and not _is_word(acc[-1]):
        if len(acc) == 1:
            raise _GiveUp  # the match may start with a non-word character
        return {_exact(acc[:-1])}
    if len(acc) >= _KEY_LEN:
        return {acc[:_KEY_LEN]}
    while stack and not stack[0]:
        stack = stack[1:]
    if not stack:
        if not acc:
            raise _GiveUp
        return {_exact(acc) if ends else acc}
    (op, av), rest = stack[0][0], (stack[0][1:], *stack[1:])
    if op is sre_c.LITERAL:
        return _keys(rest, acc + chr(av).lower(), ends, depth + 1)
    if op is sre_c.AT and av is sre_c.AT_BOUNDARY and acc:
        return {_exact(acc)}  # \b after a word character: the first word ends here
    if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
        return _keys(rest, acc, ends, depth + 1)  # zero-width
    if op is sre_c.SUBPATTERN:
        return _keys((list(av[3]), *rest), acc, ends, depth + 1)
    if op is getattr(sre_c, "ATOMIC_GROUP", None):
        return _keys((list(av), *rest), acc, ends, depth + 1)
    if op is sre_c.BRANCH:
        return _union(_keys((list(b), *rest), acc, ends, depth + 1) for b in av[1])
    if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)):
        lo, hi, sub = av
        more: list[Any] = []
        if hi is sre_c.MAXREPEAT or hi > 1:
            nhi = hi if hi is sre_c.MAXREPEAT else hi - 1
            more = [(sre_c.MAX_REPEAT, (max(lo - 1, 0), nhi, sub))]
        once = _keys((list(sub), more, *rest), acc, ends, depth + 1)
        return once if lo > 0 else _union([once, _keys(rest, acc, ends, depth + 1)])
    if op is sre_c.IN and all(o is sre_c.CATEGORY and v in _NON_WORD for o, v in av):
        if not acc:
            raise _GiveUp
        return {_exact(acc)}  # "my\\s+...": a space or other non-word character ends the first word
    if op is sre_c.IN:
        chars = _in_chars(av)
        if chars is not None:
            return _union(_keys(rest, acc + c, ends, depth + 1) for c in chars)
    # Any other element (\w, \d, ., negated classes, back references): the word goes on unknown.
    if not acc:
        raise _GiveUp
    return {acc}


def _union(sets: Iterable[set[str]]) -> set[str]:
    out: set[str] = set()
    for s in sets:
        out |= s
        if len(out) > _MAX_KEYS:
            raise _GiveUp
    return out


def first_keys(pattern: str, flags: int = re.I) -> frozenset[str] | None:
    """Lower-case keys such that a match begins with a word whose first len(key) characters are the key.

    None when the pattern may start elsewhere than at a word, or its start is not a literal.
    """
    keys = _index_keys(pattern, flags, ends=False)
    return None if keys is None else frozenset(k.rstrip(_EXACT) for k in keys)


def _index_keys(pattern: str, flags: int, *, ends: bool) -> frozenset[str] | None:
    """`first_keys`, where a key ending in `_EXACT` says the first word is exactly that (see `_heads`)."""
    try:
        parsed = sre_parse.parse(pattern, flags)
        return frozenset(_keys((list(parsed),), "", ends))
    except (_GiveUp, RecursionError, re.error):
        return None


def _heads(head: str) -> list[str]:
    """The index keys that apply to a word with this head (its first 1-3 lower-case characters): every
    prefix of it, and the exact word when the head is shorter than a key (then it is the whole word)."""
    keys = [head[:n] for n in range(1, len(head) + 1)]
    if len(head) < _KEY_LEN:
        keys.append(head + _EXACT)
    return keys


def _key_groups(index: Iterable[str]) -> list[list[str]]:
    """Every set of keys (`_heads`) some word can bring, derived from an index's keys, so that the
    alternations are compiled up front (compiling on first sight would bill it to the first texts).
    A word either is a key's word (its exact key applies) or starts with one (only prefixes apply)."""
    out = []
    for key in index:
        word = key.rstrip(_EXACT)
        out.append(_heads(word))
        out.append([word[:n] for n in range(1, len(word) + 1)])
    return out


def _req(items: Sequence[Any]) -> list[frozenset[str]]:
    """Clauses (sets of literals, one of which every match contains) of a sequence."""
    out: list[frozenset[str]] = []
    run = ""
    for op, av in items:
        if op is sre_c.LITERAL:
            run += chr(av).lower()
            continue
        if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            continue  # zero-width: a literal run goes on across it only if nothing is consumed
        if len(run) >= _MIN_LITERAL:
            out.append(frozenset([run]))
        run = ""
        if op is sre_c.SUBPATTERN:
            out += _req(av[3])
        elif op is getattr(sre_c, "ATOMIC_GROUP", None):
            out += _req(av)
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)):
            if av[0] >= 1:
                out += _req(av[2])
        elif op is sre_c.BRANCH:
            best: list[frozenset[str]] = []
            for b in av[1]:
                cl = _req(b)
                if not cl:
                    best = []
                    break
                best.append(max(cl, key=lambda s: min(len(x) for x in s)))
            if best:
                out.append(frozenset().union(*best))
    if len(run) >= _MIN_LITERAL:
        out.append(frozenset([run]))
    return out


def required(pattern: str, flags: int = re.I) -> tuple[frozenset[str], ...]:
    """Clauses of literals (lower case): a match contains one literal of every clause. () if none known."""
    try:
        return tuple(_req(sre_parse.parse(pattern, flags)))
    except (RecursionError, re.error):
        return ()


def may_match(clauses: tuple[frozenset[str], ...], lowered: str) -> bool:
    has = lowered.__contains__
    return all(any(map(has, cl)) for cl in clauses)


class Prefiltered:
    """A compiled regex that is only run when its required literals occur in the text."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.rx = re.compile(pattern, flags)
        self.clauses = required(pattern, flags)

    def finditer(self, text: str, lowered: str | None = None) -> Iterable[re.Match[str]]:
        if self.clauses and not may_match(self.clauses, text.lower() if lowered is None else lowered):
            return ()
        return self.rx.finditer(text)

    def search(self, text: str, lowered: str | None = None) -> re.Match[str] | None:
        if self.clauses and not may_match(self.clauses, text.lower() if lowered is None else lowered):
            return None
        return self.rx.search(text)


# ----------------------------------------------------------------------------- word-start index


_WORDS: dict[str, list[tuple[int, str]]] = {}


def _words(text: str) -> list[tuple[int, str]]:
    """(offset, lower-case head of up to 3 characters) of every word start, in text order.

    Cached for the last few texts: the cue, context and actor indexes read the same stretch in turn.
    """
    hit = _WORDS.get(text)
    if hit is not None:
        return hit
    low = text.lower()
    if len(low) != len(text):  # a few characters lower-case to two; keep offsets exact
        low = "".join(c.lower()[:1] for c in text)
    out = [(m.start(), m.group()) for m in _HEAD_RX.finditer(low)]
    if len(_WORDS) >= 4:
        _WORDS.clear()
    _WORDS[text] = out
    return out


class CueIndex:
    r"""Many named alternations of word-bounded patterns, matched together.

    `CueIndex([(name, [patterns]), ...])` behaves, for each name, like
    `re.compile(rf"(?<!\w)(?:{alt})(?!\w)", flags)` with the alternatives sorted longest first (the
    order the cue files have always used): `finditer` gives the same non-overlapping matches and
    `search` the same yes/no. At a word start only the alternatives that can begin with that word
    are tried, as one smaller alternation in the same order (so the same alternative wins).
    A name with an alternative whose start cannot be keyed runs the old way when that alternative
    may match (its literals are in the text).
    """

    def __init__(self, named: Iterable[tuple[Any, Iterable[str]]], flags: int = re.I) -> None:
        self.flags = flags
        self.names: list[Any] = []
        self.ordered: list[list[str]] = []  # per name: its alternatives, in matching order
        # Per name with alternatives whose start cannot be keyed: the full alternation, run the old way
        # whenever the literals those alternatives need are in the text (else only keyed ones can match).
        self.whole: dict[int, tuple[re.Pattern[str], tuple[frozenset[str], ...]]] = {}
        self.index: dict[str, list[tuple[int, int]]] = {}  # key -> (name index, alternative index)
        self.by_name: dict[Any, int] = {}
        for name, pats in named:
            i = len(self.names)
            self.names.append(name)
            self.by_name[name] = i
            ordered = sorted(pats, key=len, reverse=True)
            self.ordered.append(ordered)
            keys = [_index_keys(p, flags, ends=True) for p in ordered]
            rest = [p for p, k in zip(ordered, keys, strict=True) if k is None]
            if rest:
                alt = "|".join(f"(?:{p})" for p in ordered)
                need = required("|".join(f"(?:{p})" for p in rest), flags)
                self.whole[i] = (re.compile(rf"(?<!\w)(?:{alt})(?!\w)", flags), need)
            for a, ks in enumerate(keys):
                for k in ks or ():
                    self.index.setdefault(k, []).append((i, a))
        self._by_head: dict[str, list[tuple[int, re.Pattern[str]]]] = {}
        self._by_alts: dict[tuple[int, tuple[int, ...]], re.Pattern[str]] = {}

        for group in _key_groups(self.index):
            self._entries(group)

    def _head(self, head: str) -> list[tuple[int, re.Pattern[str]]]:
        """Per name, one alternation of the alternatives a word with this head may start (built once)."""
        got = self._by_head.get(head)
        if got is None:
            got = self._by_head[head] = self._entries(_heads(head))
        return got

    def _entries(self, keys: list[str]) -> list[tuple[int, re.Pattern[str]]]:
        per: dict[int, set[int]] = {}
        for key in keys:
            for i, a in self.index.get(key, ()):
                per.setdefault(i, set()).add(a)
        return [(i, self._compiled(i, tuple(sorted(alts)))) for i, alts in sorted(per.items())]

    def _compiled(self, i: int, alts: tuple[int, ...]) -> re.Pattern[str]:
        rx = self._by_alts.get((i, alts))
        if rx is None:  # many heads share one set of alternatives: compile it once
            alt = "|".join(f"(?:{self.ordered[i][a]})" for a in alts)
            rx = self._by_alts[(i, alts)] = re.compile(rf"(?<!\w)(?:{alt})(?!\w)", self.flags)
        return rx

    def finditer(self, text: str) -> list[tuple[Any, re.Match[str]]]:
        """(name, match) for every name, each name's matches non-overlapping as `re.finditer` gives them.

        One walk over the word starts in text order; per name, a start inside its previous match is
        skipped, which is what `re.finditer` does. Sorted by name (in the given order), then offset.
        """
        found: list[tuple[int, int, re.Match[str]]] = []
        last_end = [-1] * len(self.names)
        if self.whole:
            low = text.lower()
            for i, (whole, need) in self.whole.items():
                if may_match(need, low):
                    last_end[i] = len(text) + 1  # the keyed walk leaves this name alone
                    found.extend((i, m.start(), m) for m in whole.finditer(text))
        by_head = self._by_head
        for p, h in _words(text):
            entries = by_head.get(h)
            if entries is None:
                entries = self._head(h)
            for i, rx in entries:
                if p >= last_end[i]:
                    m = rx.match(text, p)
                    if m is not None:
                        found.append((i, p, m))
                        e = m.end()
                        last_end[i] = e if e > p else p + 1
        found.sort(key=_name_then_offset)
        names = self.names
        return [(names[i], m) for i, _p, m in found]

    def finditer_one(self, i: int, text: str) -> list[re.Match[str]]:
        """The matches of the name at index `i`, as `re.finditer` of its alternation gives them."""
        whole = self._whole_for(i, text)
        if whole is not None:
            return list(whole.finditer(text))
        out: list[re.Match[str]] = []
        last_end = -1
        for p, h in _words(text):
            if p < last_end:
                continue
            for j, rx in self._head(h):
                if j == i:
                    m = rx.match(text, p)
                    if m is not None:
                        out.append(m)
                        last_end = m.end() if m.end() > p else p + 1
                    break
        return out

    def search(self, name: Any, text: str) -> bool:
        i = self.by_name.get(name)
        if i is None:
            return False
        whole = self._whole_for(i, text)
        if whole is not None:
            return whole.search(text) is not None
        for p, h in _words(text):
            for j, rx in self._head(h):
                if j == i and rx.match(text, p) is not None:
                    return True
        return False

    def _whole_for(self, i: int, text: str) -> re.Pattern[str] | None:
        w = self.whole.get(i)
        return w[0] if w is not None and may_match(w[1], text.lower()) else None

    def count(self, name: Any, text: str) -> int:
        i = self.by_name.get(name)
        return 0 if i is None else len(self.finditer_one(i, text))


def _name_then_offset(t: tuple[int, int, Any]) -> tuple[int, int]:
    return t[0], t[1]


# ----------------------------------------------------------------------------- one keyed alternation


def _starts_at_word(pattern: str, flags: int) -> bool:
    r"""Does every match begin at a word start? True when the pattern opens with `\b` or `(?<!\w)`
    followed by a literal word (`first_keys` then says which): `\b` before a word character is `(?<!\w)`."""
    try:
        parsed = list(sre_parse.parse(pattern, flags))
    except re.error:
        return False
    while len(parsed) == 1 and parsed[0][0] is sre_c.SUBPATTERN:
        parsed = list(parsed[0][1][3])  # "(?P<name>\b...)": look inside the group
    if not parsed:
        return False
    op, av = parsed[0]
    if op is sre_c.AT and av is sre_c.AT_BOUNDARY:
        return True
    # (?<!\w): ASSERT_NOT with direction -1 over the single class IN [CATEGORY word]
    return bool(
        op is sre_c.ASSERT_NOT and av[0] == -1 and len(av[1]) == 1 and av[1][0][0] is sre_c.IN
        and list(av[1][0][1]) == [(sre_c.CATEGORY, sre_c.CATEGORY_WORD)]
    )


class WordAlternation:
    r"""One ordered alternation whose parts all match from a word start, tried only at word starts.

    `WordAlternation(parts, flags, bounded=True)` behaves like
    `re.compile(rf"(?<!\w)(?:{'|'.join(parts)})(?!\w)", flags)` (with `bounded=False`, like
    `re.compile("|".join(parts), flags)`, each part opening with `\b` or `(?<!\w)`): `finditer`
    gives the same matches, with the same groups (so `m.lastgroup` still names the part). Unlike
    `CueIndex` it keeps the parts in the given order and one match stream for all of them, as the
    grouped service and need patterns require. At a word start only the parts that may begin with
    that word are tried, as one smaller alternation in the same order (so the same part wins).
    When a part's start cannot be keyed, the whole regex runs the old way if that part's literals
    occur in the text.
    """

    def __init__(self, parts: Sequence[str], flags: int = re.I, *, bounded: bool = True) -> None:
        self.flags = flags
        self.bounded = bounded
        self.parts = list(parts)
        self.rx = self._compile(self.parts)
        keys = [
            _index_keys(p, flags, ends=bounded) if bounded or _starts_at_word(p, flags) else None
            for p in self.parts
        ]
        rest = [p for p, k in zip(self.parts, keys, strict=True) if k is None]
        # Literals an unkeyed part needs; None when every part is keyed. () means "always run whole".
        self.need: tuple[frozenset[str], ...] | None = (
            required("|".join(f"(?:{p})" for p in rest), flags) if rest else None
        )
        self.index: dict[str, list[int]] = {}  # key -> indexes of the parts that may start with it
        for i, ks in enumerate(keys):
            for k in ks or ():
                self.index.setdefault(k, []).append(i)
        self._by_head: dict[str, re.Pattern[str] | None] = {}
        self._by_parts: dict[tuple[int, ...], re.Pattern[str]] = {}
        for group in _key_groups(self.index):
            self._alternation(group)

    def _compile(self, parts: Sequence[str]) -> re.Pattern[str]:
        alt = "|".join(parts)
        return re.compile(rf"(?<!\w)(?:{alt})(?!\w)" if self.bounded else alt, self.flags)

    def _head(self, head: str) -> re.Pattern[str] | None:
        """The alternation of the parts a word with this head (1-3 lower-case characters) may start."""
        if head not in self._by_head:
            self._by_head[head] = self._alternation(_heads(head))
        return self._by_head[head]

    def _alternation(self, keys: list[str]) -> re.Pattern[str] | None:
        idx = tuple(sorted({i for key in keys for i in self.index.get(key, ())}))
        if idx and idx not in self._by_parts:  # many heads share one set of parts: compile it once
            self._by_parts[idx] = self._compile([self.parts[i] for i in idx])
        return self._by_parts[idx] if idx else None

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> list[re.Match[str]]:
        """The matches `re.finditer(text, pos, endpos)` of the whole alternation gives, in order."""
        end = len(text) if endpos is None else min(endpos, len(text))
        if self.need is not None and (not self.need or may_match(self.need, text[pos:end].lower())):
            return list(self.rx.finditer(text, pos, end))
        if not self.index:  # no part can be keyed, and their literals are absent
            return []
        words = _words(text)
        by_head = self._by_head
        out: list[re.Match[str]] = []
        last_end = pos
        for i in range(bisect_left(words, (pos, "")), len(words)):
            p, h = words[i]
            if p >= end:
                break
            if p < last_end:
                continue
            if p + len(h) > end:
                h = h[: end - p]  # the window cuts this word: the shorter word is what can match
            rx = by_head[h] if h in by_head else self._head(h)  # inlined: this loop runs once per word
            if rx is not None:
                m = rx.match(text, p, end)
                if m is not None:
                    out.append(m)
                    last_end = m.end() if m.end() > p else p + 1
        return out


class WordAlternations:
    """Several `WordAlternation`s matched in one walk over the word starts of a text.

    `finditer` gives (name, match) for every name, each name's matches as its own `finditer` gives
    them, sorted by name (in the given order) and then offset: what a loop over the names gives.
    """

    def __init__(self, named: Iterable[tuple[Any, WordAlternation]]) -> None:
        pairs = list(named)
        self.names: list[Any] = [n for n, _ in pairs]
        self.alts: list[WordAlternation] = [a for _, a in pairs]
        # Names with an unkeyed part run on their own (their literals decide whether whole or keyed).
        self.alone = [i for i, a in enumerate(self.alts) if a.need is not None]
        self.walked = [i for i, a in enumerate(self.alts) if a.need is None]
        self._by_head: dict[str, list[tuple[int, re.Pattern[str]]]] = {}

    def _head(self, head: str) -> list[tuple[int, re.Pattern[str]]]:
        got = self._by_head.get(head)
        if got is None:
            got = [(i, rx) for i in self.walked if (rx := self.alts[i]._head(head)) is not None]
            self._by_head[head] = got
        return got

    def finditer(self, text: str, pos: int = 0, endpos: int | None = None) -> list[tuple[Any, re.Match[str]]]:
        end = len(text) if endpos is None else min(endpos, len(text))
        found: list[tuple[int, int, re.Match[str]]] = []
        for i in self.alone:
            found.extend((i, m.start(), m) for m in self.alts[i].finditer(text, pos, end))
        words = _words(text)
        by_head = self._by_head
        last_end = [pos] * len(self.alts)
        for k in range(bisect_left(words, (pos, "")), len(words)):
            p, h = words[k]
            if p >= end:
                break
            if p + len(h) > end:
                h = h[: end - p]  # the window cuts this word: the shorter word is what can match
            entries = by_head[h] if h in by_head else self._head(h)  # inlined: once per word
            for i, rx in entries:
                if p >= last_end[i]:
                    m = rx.match(text, p, end)
                    if m is not None:
                        found.append((i, p, m))
                        e = m.end()
                        last_end[i] = e if e > p else p + 1
        found.sort(key=_name_then_offset)
        names = self.names
        return [(names[i], m) for i, _p, m in found]
