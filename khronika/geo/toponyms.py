"""Toponym recognition: capitalised n-grams looked up in the gazetteer's alias index.

No NER model on the default path: a regex tokeniser, runs of capitalised words, longest match in the
alias index, and cue lists from the language packs (stop words, first names, street words). Russian
case forms are brought back to the nominative with pymorphy3, with a suffix table as fallback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from .. import lang as langpacks
from .gazetteer import R_KIND, R_PREC, Gazetteer, normalize

MAX_N = 6
# Russian names a street by its namesake alone after these prepositions: "на Абая" = on Abai Avenue.
_RU_STREET_PREPS = frozenset({"на", "по"})

# A token: an initialism (U.S., N.Y.), or a word with inner hyphens/apostrophes and an optional dot.
_TOKEN = re.compile(r"[A-Z]\.[A-Z][a-z]{1,3}\.|(?:[^\W\d_]\.){2,}|[^\W\d_][\w'\u2019\-]*\.?|\d+")
_SAID = re.compile(r"\b([A-Z][a-z]+)(?:'s)? (?:said|says|told|added)\b"
                   r"|\b(?:said|says) ([A-Z][a-z]+)\b(?! [A-Z])")
_INITIAL = re.compile(r"\b[A-Z][a-z]+ [A-Z]\. ([A-Z][\w'\u2019-]+)")  # "Tyrise M. Bell": a person
_INITIALISM = re.compile(r"^(?:[^\W\d_]\.){2,}$")
_ROAD_AFTER = re.compile(r"\s+(?:highway|road|route|railway|corridor)\b", re.IGNORECASE)
_KIND_BEFORE_BRACKET = re.compile(r"\s+([A-Za-z]+)(?=\s*\()")
_SENT_END = re.compile(r"[.!?:;\"\u201c\u201d\n]\s*$")


@dataclass
class Mention:
    """A recognised toponym: span, the alias key it matched and its candidate rows."""

    start: int
    end: int
    text: str
    key: str
    cands: tuple[int, ...]
    generic: bool = False  # matched a local row's generic word ("the akimat")
    hint: str | None = None  # normalised text of a following ", Region" qualifier
    # "settlement" / "unit" (a kind word follows), "abbrev", "qualifier", "qualified" (the hint came from a
    # bracket or a state abbreviation, so it says where the place lies, not just what comes next), ...
    flags: set[str] = field(default_factory=set)
    # Weak evidence that this is a name at all (a capitalised word at a sentence's start, a common noun
    # or a person's name that is also some town): kept only if it resolves to a well-known place, or to
    # a town in the document's main country with at least this population.
    min_pop: int | None = None


@dataclass(frozen=True)
class _Cues:
    stop: frozenset[str]
    first_names: frozenset[str]
    titles: frozenset[str]
    street_after: frozenset[str]
    stop_lead: frozenset[str]
    place_suffix: frozenset[str]
    abbrev: dict[str, str]
    keep_dot: frozenset[str]
    street_prefixes: frozenset[str]
    suffixes: tuple[tuple[str, str], ...]
    person_names: frozenset[str]
    place_cues: frozenset[str]
    settlement_words: frozenset[str]
    unit_words: frozenset[str]


@cache
def cues(lang: str) -> _Cues:
    d: dict[str, Any] = langpacks.load(lang, "places")

    def fs(name: str) -> frozenset[str]:
        return frozenset(str(x).rstrip(".") for x in d.get(name) or [])

    return _Cues(stop=fs("stop"), first_names=fs("first_names"), titles=fs("titles"),
                 street_after=fs("street_after"), stop_lead=fs("leading_function_words"),
                 place_suffix=fs("place_suffix"), abbrev={str(k): str(v) for k, v in
                                                          (d.get("region_abbreviations") or {}).items()},
                 keep_dot=fs("keep_dot"),
                 street_prefixes=frozenset(str(x) for x in d.get("street_prefixes") or []),
                 suffixes=tuple((str(a), str(b)) for a, b in d.get("suffixes") or []),
                 person_names=fs("person_names"),
                 place_cues=frozenset(str(x) for x in d.get("place_cues") or []),
                 settlement_words=frozenset(str(x) for x in d.get("settlement_words") or []),
                 unit_words=frozenset(str(x) for x in d.get("unit_words") or []))


# ---- Russian case forms ---------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _morph() -> Any:
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=65536)
def _ru_word_forms(word: str) -> tuple[str, ...]:
    """Nominative singular candidates of one Russian word, surface form first."""
    out = [word.lower()]
    for p in _morph().parse(word)[:3]:
        infl = p.inflect({"nomn", "sing"}) if "plur" not in p.tag else p.inflect({"nomn"})
        for w in (infl.word if infl else None, p.normal_form):
            if w and w not in out:
                out.append(w)
    low = word.lower()
    for a, b in cues("ru").suffixes:
        if low.endswith(a) and len(low) - len(a) >= 3:
            w = low[: len(low) - len(a)] + b
            if w not in out:
                out.append(w)
    return tuple(out)


RU_WEAK_POP = 20_000  # a Russian common word or sentence-initial word is a town only if the town is this big
NAME_GRAMMEMES = frozenset({"Name", "Surn", "Patr"})


@lru_cache(maxsize=65536)
def ru_word_kind(word: str) -> str:
    """What pymorphy3 makes of a capitalised Russian word: "geo" (a toponym reading, no person's name),
    "name_geo" (both a person's name and a toponym: "Абая"), "name", "common" (a dictionary word with
    no toponym reading: "Магазины", "Света") or "unknown" (not in the dictionary: a guess, no evidence)."""
    m = _morph()
    low = word.lower()
    if not m.word_is_known(low):
        return "unknown"  # pymorphy's guess from the ending says nothing about name-hood
    parses = m.parse(word)
    geo = sum(p.score for p in parses if "Geox" in p.tag)
    name = sum(p.score for p in parses if NAME_GRAMMEMES & p.tag.grammemes)
    if geo:
        # "Алматы" has a rare plural-name reading too; "Абая" is mostly the poet's name.
        return "geo" if geo >= name else "name_geo"
    return "name" if name else "common"


def ru_keys(phrase: str) -> list[str]:
    """Alias keys to try for a Russian phrase: every word brought to the nominative (small product)."""
    words = phrase.split()
    if not words or len(words) > 4:
        return []
    keys = [""]
    for w in words:
        forms = _ru_word_forms(w)[:4]
        keys = [(k + " " + f).strip() for k in keys for f in forms][:24]
    return list(dict.fromkeys(normalize(k) for k in keys))


# ---- recognition ----------------------------------------------------------------------------------

_HIER_BEFORE = re.compile(r"\(\s*$|\([^()]{1,60},\s*$")
_HIER_AFTER = re.compile(r"\s*[,)]")


def _in_hierarchy(text: str, start: int, end: int) -> bool:
    """Is this span one member of a parenthesised admin hierarchy: "(Jilib, Middle Juba)"?"""
    before = text[max(0, start - 62):start]
    mb = _HIER_BEFORE.search(before)
    if not mb or not _HIER_AFTER.match(text, end):
        return False
    close = text.find(")", end, end + 62)
    return close >= 0 and "," in text[start - len(before) + mb.start():close]


def _bare(tok: str) -> str:
    return tok.rstrip(".").removesuffix("'s").removesuffix("\u2019s")


def _is_cap(tok: str) -> bool:
    return tok[:1].isupper()


class Recognizer:
    """Finds toponym mentions in a text; one per language, reused across documents."""

    def __init__(self, gaz: Gazetteer, lang: str) -> None:
        self.gaz = gaz
        self.lang = lang
        self.cues = cues(lang)
        self._abbr = {normalize(k): v for k, v in self.cues.abbrev.items()}

    def _lookup(self, phrase: str) -> tuple[str, tuple[int, ...]]:
        key = normalize(phrase)
        hits = self.gaz.ids(key)
        if hits or self.lang != "ru":
            return key, hits
        for k in ru_keys(phrase):
            hits = self.gaz.ids(k)
            if hits:
                return k, hits
        return key, ()

    def find(self, text: str) -> list[Mention]:
        toks = self._split_hyphens(text, [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)])
        persons = self._persons(text, toks)
        out: list[Mention] = []
        i, n = 0, len(toks)
        while i < n:
            t = toks[i][2]
            if self.lang == "ru" and t.lower() in _RU_STREET_PREPS and i + 1 < n:
                m = self._elliptic_street(text, toks, i + 1)
                if m:
                    out.append(m)
                    i = self._skip_to(toks, m.end, i)
                    continue
            if self.lang == "ru" and t.lower() in self.cues.street_prefixes and i + 1 < n:
                m = self._street(text, toks, i)
                if m:
                    out.append(m)
                    i = self._skip_to(toks, m.end, i)
                    continue
            if not _is_cap(t):
                i += 1
                continue
            if t in self.cues.stop and i + 1 < n and t[0].isupper() and not t.isupper() \
                    and self.cues.stop_lead and t in self.cues.stop_lead:
                i += 1  # "The Madison County ...": a leading function word is not part of the name
                continue
            j = i
            while j + 1 < n and _is_cap(toks[j + 1][2]) and toks[j + 1][0] - toks[j][1] <= 1 \
                    and j + 1 - i < 8 and not self._ends_sentence(toks[j][2]):
                j += 1
            out.extend(self._match_run(text, toks, i, j, persons))
            i = j + 1
        self._qualifiers(text, out)
        return out

    def _split_hyphens(self, text: str, toks: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
        """"Tbilisi-based", "Gainesville-area", "Egyptian-US": a hyphenated word that is no name as a
        whole ("Winston-Salem" is) is read as its parts, so the place inside it is found. A road named
        after its ends ("the Dhaka-Aricha highway") stays whole: its towns are not where things happen."""
        out: list[tuple[int, int, str]] = []
        for s, e, t in toks:
            core = t.strip("-")
            if "-" not in core or not _is_cap(t) or self.gaz.has(normalize(t)) or _ROAD_AFTER.match(text, e):
                out.append((s, e, t))
                continue
            pos = s
            for part in t.split("-"):
                if part:
                    out.append((pos, pos + len(part), part))
                pos += len(part) + 1
        return out

    def _persons(self, text: str, toks: list[tuple[int, int, str]]) -> set[str]:
        """Surnames used in this text, so that a bare "Brown" later is not read as a town: the word
        after a first name or a title ("Kristina Brown", "Sgt. Brown"), the last word of a short
        capitalised run that is no place as a whole ("Kristina Brown said"), a word next to "said"."""
        out: set[str] = set()
        c = self.cues
        n = len(toks)
        for k in range(n - 1):
            w = toks[k][2].rstrip(".")
            nxt = toks[k + 1]
            mid_run = k > 0 and _is_cap(toks[k - 1][2]) and toks[k][0] - toks[k - 1][1] <= 1
            if (w in c.titles or (w in c.first_names and not mid_run)) and _is_cap(nxt[2]) \
                    and nxt[0] - toks[k][1] <= 2 and _bare(nxt[2]) not in c.place_suffix:
                # ("Henry County" is a county, not Mr. County)
                if len(nxt[2].rstrip(".")) == 1 and k + 2 < n:  # a middle initial: "James C. Verduin"
                    nxt = toks[k + 2]
                out.add(_bare(nxt[2]))
        k = 0
        while k < n:
            j = k
            while j + 1 < n and _is_cap(toks[j][2]) and _is_cap(toks[j + 1][2]) \
                    and toks[j + 1][0] - toks[j][1] <= 1 and not toks[j][2].endswith("."):
                j += 1
            if 1 <= j - k <= 2 and _is_cap(toks[k][2]):
                last = _bare(toks[j][2])
                words = [_bare(t[2]) for t in toks[k:j + 1]]
                if not any(w in c.stop or w in c.place_suffix or w in c.street_after for w in words) \
                        and not self.gaz.has(normalize(" ".join(words))) \
                        and not any(self._unit_key(normalize(w)) for w in words):
                    out.add(last)
            k = j + 1
        for mm in _INITIAL.finditer(text):
            out.add(mm.group(1))
        for mm in _SAID.finditer(text):
            out.add(_bare(mm.group(1) or mm.group(2)))
        return out

    def _ends_sentence(self, tok: str) -> bool:
        """A word with a full stop ends the run, unless it is an initialism or a known abbreviation."""
        if not tok.endswith("."):
            return False
        return not (_INITIALISM.match(tok) or normalize(tok) in self._abbr or tok[:-1] in self.cues.keep_dot)

    @staticmethod
    def _skip_to(toks: list[tuple[int, int, str]], end: int, i: int) -> int:
        while i < len(toks) and toks[i][0] < end:
            i += 1
        return i

    def _street(self, text: str, toks: list[tuple[int, int, str]], i: int) -> Mention | None:
        """"проспекте Абая": the prefix and up to two following words, looked up as one phrase."""
        for k in (3, 2):
            if i + k - 1 >= len(toks) or not _is_cap(toks[i + 1][2]):
                continue
            s, e = toks[i][0], toks[i + k - 1][1]
            if text[e - 1] == "." and toks[i + k - 1][2].rstrip(".") not in self.cues.keep_dot:
                e -= 1  # the sentence's full stop ("на проспекте Абая."), not part of the name
            key, hits = self._lookup(text[s:e])
            if hits:
                return Mention(s, e, text[s:e], key, hits)
        return None

    def _elliptic_street(self, text: str, toks: list[tuple[int, int, str]], i: int) -> Mention | None:
        """"на Абая", "на Толе би": the namesake alone (as written, usually a genitive) names a street;
        taken only when the gazetteer has a street called "<street word> <namesake>", so "надеюсь на
        Ерлана" names nothing."""
        if not _is_cap(toks[i][2]):
            return None
        for k in (2, 1):
            if i + k > len(toks) or any(toks[x][0] - toks[x - 1][1] > 1 for x in range(i + 1, i + k)):
                continue  # the words must be adjacent
            s, e = toks[i][0], toks[i + k - 1][1]
            name = text[s:e].rstrip(".")
            e = s + len(name)
            for head in sorted(self.cues.street_prefixes):
                key = normalize(f"{head} {name}")
                hits = tuple(x for x in self.gaz.ids(key)
                             if self.gaz.row(x)[R_KIND] == "local" and self.gaz.row(x)[R_PREC] == "street")
                if hits:
                    return Mention(s, e, name, key, hits)
        return None

    def _match_run(self, text: str, toks: list[tuple[int, int, str]], i: int, j: int,
                   persons: set[str]) -> list[Mention]:
        """Greedy longest matches inside the capitalised run toks[i..j]."""
        out: list[Mention] = []
        a = i
        while a <= j:
            # In "(Ceel Buur, Galgaduud)" the whole run names a unit: its spelling variant beats "Ceel".
            found = self._spelling_variant(text, toks, i, j) if a == i and self.lang == "en" else None
            for b in range(min(j, a + MAX_N - 1), a - 1, -1):
                if found is not None:
                    break
                s, e = toks[a][0], toks[b][1]
                phrase = text[s:e]
                if phrase.endswith(".") and normalize(phrase) in self._abbr:
                    # "Ill.", "S.C.": a region's abbreviation
                    key, hits = self._lookup(self._abbr[normalize(phrase)])
                    if hits:
                        found = (b, Mention(s, e, phrase, key, hits, flags={"abbrev"}))
                        break
                if phrase.endswith(".") and not _INITIALISM.match(toks[b][2]):
                    phrase, e = phrase[:-1], e - 1  # a sentence's full stop, not part of the name
                flags: set[str] = set()
                if phrase.endswith(("'s", "\u2019s", "'", "\u2019")):
                    cut = 2 if phrase.endswith("s") else 1
                    phrase, e = phrase[:-cut], e - cut
                    flags.add("possessive")
                key, hits = self._lookup(phrase)
                if hits:
                    found = (b, Mention(s, e, phrase, key, hits, flags=flags))
                    break
            if found is None:
                a += 1
                continue
            b, m = found
            if (a > i or b < j) and "possessive" not in m.flags and self._kind_word_after(text, toks[j][1]):
                break  # "Ceel Cali Mire village": the whole run names the village; "Ceel" alone is no place
            if self._keep(text, toks, i, j, a, b, m, persons):
                out.append(m)
            a = b + 1
        return out

    def _keep(self, text: str, toks: list[tuple[int, int, str]], i: int, j: int, a: int, b: int,
              m: Mention, persons: set[str]) -> bool:
        """Filters against the usual false positives of a name-list matcher."""
        c = self.cues
        words = [toks[k][2].rstrip(".") for k in range(a, b + 1)]
        strong = self._strong(m)
        if " ".join(words) in c.stop and not any(self.gaz.row(x)[9] == "local" for x in m.cands[:1]) \
                and not (_in_hierarchy(text, m.start, m.end) and self._unit_key(m.key)):
            return False  # ("Bay" is a word, but "(Baydhaba, Bay)" names a region)
        if len(m.text) < 3 and not strong:
            return False
        if a == b and not strong and self.lang == "en" \
                and not any(normalize(self.gaz.row(x)[1]) == m.key for x in m.cands[:40]) \
                and not (self._place_cue(toks, a) or _in_hierarchy(text, m.start, m.end)):
            # one word that is only some small town's alternate or former name ("Lenin"), unless the
            # text says it is a place; not for Russian, where a Cyrillic name is always an alternate
            return False
        acronym = (m.text.isupper() and len(m.text) <= 4) or _INITIALISM.match(m.text + ".")
        if a == b and not strong and acronym:
            return False  # "EMS", "S.E.": acronyms, unless they name a country or region
        # Part of a person's name: a first name right before, or the run is First Last.
        if a > i and toks[a - 1][2].rstrip(".") in c.first_names:
            return False
        cue = self._place_cue(toks, a)
        if a == b and not strong and not cue and (words[0] in c.first_names or words[0] in c.person_names):
            return False  # "according to Lenin", "Dinara wrote": a person, unless "in Dinar"
        if any(w in persons for w in words) and not self._country(m) and "variant" not in m.flags:
            return False
        if b < j and "possessive" not in m.flags and _bare(toks[b + 1][2]) in persons:
            return False  # "Kristina Brown", "Jordan Henderson": a first name before a surname of this text
        if b < j and "possessive" not in m.flags:  # "Gainesville's Tom Thumb": the name ended
            nxt = toks[b + 1][2].rstrip(".")
            # "Dublin Road" is a street; "Ohio Department of ..." still names Ohio.
            if nxt in c.street_after or (nxt in c.first_names and not strong):
                return False
        if "abbrev" in m.flags and re.match(r"\s*\d", text[m.end:m.end + 3]):
            return False  # "W.Va. 61": a highway number
        if a == b and not strong and re.search(r"\b" + re.escape(words[0].lower()) + r"\b", text):
            return False  # the word is written in lower case here too: a common word, not a name
        if a > i and not strong and not self._lead_word(text, toks, i, a):
            prev = toks[a - 1][2].rstrip(".")
            if prev not in ("North", "South", "East", "West", "Northern", "Southern", "Eastern", "Western",
                            "Central", "Upper", "Lower", "Greater"):
                return False
        if not strong:
            m.min_pop = self._weak_pop(text, toks, a, b, cue)
            if m.min_pop is not None and m.min_pop < 0:
                return False
        self._unit_flags(text, m)
        return True

    def _kind_word_after(self, text: str, end: int) -> bool:
        """Is the run followed by a lower-case kind word ("village", "district")?"""
        nxt = re.match(r"\s+([a-z]+)", text[end:end + 20])
        if nxt is None:
            return False
        return nxt.group(1) in self.cues.settlement_words or nxt.group(1) in self.cues.unit_words

    def _lead_word(self, text: str, toks: list[tuple[int, int, str]], i: int, a: int) -> bool:
        """Is the run's one word before the name only capitalised because it starts the sentence
        ("Another Gainesville business", "Yesterday Madison County ...")? Not a first name or title,
        and no place of its own."""
        w = toks[i][2].rstrip(".")
        return a == i + 1 and self._sentence_initial(text, toks[i][0]) and not w.isupper() \
            and w not in self.cues.first_names and w not in self.cues.titles \
            and not self.gaz.has(normalize(w))

    def _spelling_variant(self, text: str, toks: list[tuple[int, int, str]], i: int,
                          j: int) -> tuple[int, Mention] | None:
        """A whole run that the index lacks but that sits where an admin hierarchy names a unit
        ("... village (Xudur, Bakool)"): look it up by its spelling skeleton ("Bossaso" = "Bosaso").
        Kept only if it resolves in the document's main country (weak evidence, see Mention.min_pop)."""
        s, e = toks[i][0], toks[j][1]
        if j - i > 2 or not _in_hierarchy(text, s, e) or text[e - 1] == ".":
            return None
        if self.gaz.has(normalize(text[s:e])):
            return None  # the exact spelling is known: the ordinary lookup takes it
        hits = self.gaz.skeleton_ids(text[s:e])
        if not hits:
            return None
        return j, Mention(s, e, text[s:e], normalize(text[s:e]), hits, flags={"variant"}, min_pop=0)

    def _place_cue(self, toks: list[tuple[int, int, str]], a: int) -> bool:
        """Is the word right before the name one that introduces a place ("in", "near", "в", "село")?"""
        if a == 0:
            return False
        prev = toks[a - 1]
        return toks[a][0] - prev[1] <= 2 and prev[2].lower() in self.cues.place_cues

    def _weak_pop(self, text: str, toks: list[tuple[int, int, str]], a: int, b: int, cue: bool) -> int | None:
        """How much corroboration a name that is no well-known place needs: None (none), a minimum
        population in the document's main country, or -1 (reject). Capitalisation at a sentence's
        start is no evidence of a name; in Russian, morphology tells common words and person names."""
        initial = self._sentence_initial(text, toks[a][0])
        if self.lang != "ru" or a != b:
            return 0 if initial and not cue else None
        kind = ru_word_kind(toks[a][2].rstrip("."))
        if kind == "geo":
            return None
        if kind == "unknown":
            return RU_WEAK_POP if initial and not cue else None
        if kind == "common":
            return 0 if cue else RU_WEAK_POP
        # A person's name ("Динара", "на Абая" = the avenue named after the poet): only after "в", "село".
        return RU_WEAK_POP if cue else -1

    def _unit_flags(self, text: str, m: Mention) -> None:
        """ "Sylhet city", "Kurigram district": the word after a name says which kind of place it is."""
        nxt = re.match(r"\s+([a-zа-яё]+)", text[m.end:m.end + 20])
        if not nxt:
            return
        w = nxt.group(1)
        if w in self.cues.settlement_words:
            m.flags.add("settlement")
        elif w in self.cues.unit_words:
            m.flags.add("unit")

    def _country(self, m: Mention) -> bool:
        return any(self.gaz.row(x)[9] == "country" for x in m.cands[:40])

    def _strong(self, m: Mention) -> bool:
        """A name that is a place on its own: a country, a region, a local row or a big city."""
        return "abbrev" in m.flags or self._strong_key(m.key, m.cands)

    @lru_cache(maxsize=65536)  # noqa: B019 - one recogniser per language lives for the process
    def _unit_key(self, key: str) -> bool:
        """Does this word name a country or region (so a run holding it is no person's name)?"""
        return any(self.gaz.row(x)[9] in ("country", "admin1", "region") for x in self.gaz.ids(key)[:40])

    @lru_cache(maxsize=65536)  # noqa: B019 - one recogniser per language lives for the process
    def _strong_key(self, key: str, cands: tuple[int, ...] | None = None) -> bool:
        if cands is None:
            cands = self.gaz.ids(key)
        for x in cands[:40]:
            r = self.gaz.row(x)
            if r[9] in ("country", "admin1", "region", "capital", "local") \
                    or (r[7] >= 200_000 and normalize(r[1]) == key):
                return True
        return False

    @staticmethod
    def _sentence_initial(text: str, pos: int) -> bool:
        before = text[max(0, pos - 3):pos]
        return pos == 0 or bool(_SENT_END.search(before))

    def _qualifiers(self, text: str, out: list[Mention]) -> None:
        """"Alexandria, La." / "Springfield, Ill.": mark the qualifier as a hint for the town before it."""
        for k, m in enumerate(out):
            # "Ceel-Dheer village (Bulo Burto, Hiraan)": the kind word may stand before the bracket
            kw = _KIND_BEFORE_BRACKET.match(text, m.end, m.end + 24)
            at = kw.end() if kw and kw.group(1).lower() in self.cues.settlement_words else m.end
            rest = text[at:at + 24]
            mm = re.match(r"(?:,|\s*\()\s*((?:[A-Z][a-z]*\.){1,2}[A-Za-z]*\.?|[A-Z][\w ]+)", rest)
            if not mm:
                continue
            q = mm.group(1)
            qk = normalize(q)
            if qk in self._abbr:
                m.hint = normalize(self._abbr[qk])
                m.flags.add("qualified")
                s = at + mm.start(1)
                e = s + len(q)
                if not any(o.start == s for o in out):
                    key, hits = self._lookup(self._abbr[qk])
                    if hits:
                        out.append(Mention(s, e, q, key, hits, flags={"qualifier"}))
            elif k + 1 < len(out) and out[k + 1].start == at + mm.start(1):
                m.hint = out[k + 1].key
                if rest.lstrip().startswith("("):  # a bracket qualifies; a comma may only list
                    m.flags.add("qualified")
        out.sort(key=lambda x: x.start)

    def generic(self, text: str, active_areas: set[str]) -> list[Mention]:
        """Local generic words ("the akimat", "the airport") for areas the document is about."""
        if not active_areas:
            return []
        out: list[Mention] = []
        toks = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
        for i in range(len(toks)):
            for k in (3, 2, 1):
                if i + k > len(toks):
                    continue
                s, e = toks[i][0], toks[i + k - 1][1]
                key = normalize(text[s:e])
                ids = [x for x in self.gaz.generic_ids(key) if self.gaz.row(x)[11] in active_areas]
                if ids:
                    out.append(Mention(s, e, text[s:e], key, tuple(ids), generic=True))
                    break
        return out
