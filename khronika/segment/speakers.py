"""Split a text into testimonies: the author's framing and the blocks each named speaker says.

Layouts recognised (words come from `lang/<code>/speakers.yaml`):
- a heading line naming a speaker: "Teacher Aliya Akhetova", "Nurman Saskibaev, PR specialist",
  "Entrepreneur Serik Jamalbekov:"; the block runs to the next heading;
- an inline label: "Serik Jamalbekov, driver: we stood ...";
- quote attribution in the author's text: "— said Aliya", "..., says Serik, a driver";
- interview transcripts: "Q:/A:" labels or "— " dialogue; the answerer is the speaker.
Text owned by no speaker is the author's testimony (`is_author=True`, speaker None).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache

from khronika import lang as langpacks

_UPPER = "A-ZА-ЯЁӘҒҚҢӨҰҮҺІ"
_WORD_RE = re.compile(r"[^\s,]+|,")
_DASH_LINE_RE = re.compile(r"^[—–-]\s")
_MAX_HEADING_WORDS = 8
_MAX_ROLE_WORDS = 5
_END_PUNCT = (".", "!", "?", "…", ";")
_QUOTE_PUNCT = frozenset("\"”»,.!?… —–-")


@dataclass
class Block:
    """A testimony under construction; offsets are into the document text."""

    start: int
    end: int
    speaker: str | None = None
    role: str | None = None
    is_author: bool = False
    header_start: int | None = None
    header_end: int | None = None
    answerer: bool = False  # speaker to be filled from the interview's context
    kind: str = "author"  # author, heading, label, quote, answer


@dataclass(frozen=True)
class Person:
    name: str
    role: str | None


@dataclass
class SpeakerLexicon:
    """Role words and patterns for one language, compiled once."""

    lang: str
    role_words: frozenset[str]
    role_heads: frozenset[str]
    modifiers: frozenset[str]
    connectors: frozenset[str]
    articles: frozenset[str]
    not_names: frozenset[str]
    particles: frozenset[str]
    q_labels: tuple[str, ...]
    a_labels: tuple[str, ...]
    titles: tuple[str, ...] = ()
    attribution: list[re.Pattern[str]] = field(default_factory=list)
    mention: re.Pattern[str] | None = None
    qa_re: re.Pattern[str] | None = None
    lemma: Callable[[str], str] | None = None

    def is_role_word(self, tok: str) -> bool:
        low = tok.lower()
        if low in self.role_words or low in self.modifiers:
            return True
        return bool(self.lemma and self.lemma(low) in self.role_words)

    def is_head(self, tok: str) -> bool:
        low = tok.lower()
        return low in self.role_heads or bool(self.lemma and self.lemma(low) in self.role_heads)


def _alt(words: Iterable[str]) -> str:
    """A regex alternation, longest first so that "taxi driver" wins over "driver"."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@cache
def lexicon(lang: str) -> SpeakerLexicon:
    data = langpacks.load(lang, "speakers")
    roles = [str(r).lower() for r in data.get("roles", [])]
    role_words = frozenset(w for r in roles for w in r.split())
    heads = frozenset(r.split()[-1] for r in roles)
    lex = SpeakerLexicon(
        lang=lang,
        role_words=role_words,
        role_heads=heads,
        modifiers=frozenset(str(m).lower() for m in data.get("modifiers", [])),
        connectors=frozenset(str(c).lower() for c in data.get("connectors", [])),
        articles=frozenset(str(a).lower() for a in data.get("articles", [])),
        not_names=frozenset([*(str(n) for n in data.get("not_names", [])),
                             *(str(t) for t in data.get("titles", []))]),
        particles=frozenset(str(p) for p in data.get("name_particles", [])),
        q_labels=tuple(str(q) for q in data.get("qa", {}).get("question", [])),
        a_labels=tuple(str(a) for a in data.get("qa", {}).get("answer", [])),
        titles=tuple(str(t) for t in data.get("titles", [])),
    )
    if lang == "ru":
        lex.lemma = _ru_lemmatizer()
    _compile_patterns(lex, roles, [str(v) for v in data.get("speech_verbs", [])],
                      [str(x) for x in data.get("name_intro", [])])
    return lex


def _ru_lemmatizer() -> Callable[[str], str]:
    """Normal forms for Russian role words in oblique cases; only called on heading candidates."""
    import pymorphy3

    morph = pymorphy3.MorphAnalyzer()

    @lru_cache(maxsize=4096)
    def lemma(word: str) -> str:
        return str(morph.parse(word)[0].normal_form)

    return lemma


def _compile_patterns(lex: SpeakerLexicon, roles: list[str], verbs: list[str], intros: list[str]) -> None:
    word_alt = _alt(list(lex.role_words) + list(lex.modifiers))
    head_alt = _alt(roles)
    conn = _alt(lex.connectors) or "(?!)"
    art = rf"(?:(?i:{_alt(lex.articles)})\s+)?" if lex.articles else ""
    role = rf"(?i:(?:(?:{word_alt})\s+(?:(?:{conn})\s+)?)*(?:{head_alt}))(?![\w-])"
    part = _alt(lex.particles) or "(?!)"
    title = rf"(?:(?:{_alt(lex.titles)})\.?\s+)?" if lex.titles else ""  # "said Mr. Sadykov" -> Sadykov
    name = rf"{title}(?P<name>[{_UPPER}][\w'’-]+(?:\s+(?:(?:{part})\s+)?[{_UPPER}][\w'’-]+){{0,2}})"
    verb = rf"(?i:{_alt(verbs)})"
    quote_end = r"(?:[\"”»][,.!?…]?|[,.!?…][\"”»]?)\s*(?:[—–-]\s*)?"
    quoted_end = r"(?:[\"”»][,.!?…]?\s*(?:[—–-]\s*)?|[,.!?…][\"”»]?\s*[—–-]\s*)"
    lex.attribution = [
        # '..." said Aliya Akhetova, a teacher' / '— сказала учительница Алия'
        re.compile(rf"{quote_end}\b{verb}\s+{art}(?:(?P<role1>{role})\s+)?{name}"
                   rf"(?:\s*,\s*{art}(?P<role2>{role}))?"),
        # '..." Aliya said' / '..., — Aliya, a teacher, says': a closing quote or a dash is required, so
        # that a news sentence "Police said ..." does not make "Police" a speaker
        re.compile(rf"{quoted_end}{name}(?:\s*,\s*{art}(?P<role2>{role})\s*,)?\s+{verb}\b"),
        # 'Aliya Akhetova, a teacher at a school, said:' / 'Teacher Aliya said:'
        re.compile(rf"(?:^|(?<=[.!?]\s))(?:(?P<role1>{role})\s+)?{name}"
                   rf"(?:\s*,\s*{art}(?P<role2>{role})[^,.:;\"“”«»]{{0,40}},)?\s+{verb}\s*:"),
        # 'Aliya, a teacher, says the queues ...'
        re.compile(rf"(?:^|(?<=[.!?]\s)){name}\s*,\s*{art}(?P<role2>{role})[^,.:;\"“”«»]{{0,40}},\s*{verb}\b"),
    ]
    name2 = name.replace("?P<name>", "?P<name2>")
    # A role and its name share a line: "an Almaty nurse" ending a headline is not the role of the
    # capitalised word that opens the next paragraph.
    mention = rf"(?:(?P<role1>{role})[ \t]+{name})|(?:{name2}\s*,\s*{art}(?P<role2>{role}))"
    # How a text names someone it has described: "asked us to use only her first name, Gulnara".
    name3 = name.replace("?P<name>", "?P<name3>")
    for k, intro in enumerate(intros):
        mention += "|(?i:" + intro.replace("<name>", f"(?-i:{name3.replace('name3', f'name3_{k}')})") + ")"
    lex.mention = re.compile(mention)
    labels = _alt(lex.q_labels + lex.a_labels)
    lex.qa_re = re.compile(rf"^(?P<label>{labels})\s*:\s*") if labels else None


# --- headings -----------------------------------------------------------------------------------


def _is_name_token(tok: str, lex: SpeakerLexicon) -> bool:
    if tok in lex.not_names or tok.lower() in lex.role_words:
        return False
    if len(tok) == 2 and tok[0].isupper() and tok[1] == ".":  # an initial
        return True
    if tok.endswith(("'s", "’s")):  # a possessive ("Iraq's") is not a name
        return False
    body = tok.replace("-", "").replace("'", "").replace("’", "")
    return tok[0].isupper() and body.isalpha() and any(c.islower() for c in body)


def _name_span(toks: list[str], lex: SpeakerLexicon) -> bool:
    """1-3 name tokens, particles allowed inside."""
    core = [t for t in toks if t not in lex.particles]
    return 1 <= len(core) <= 3 and all(_is_name_token(t, lex) for t in core) and toks[0] not in lex.particles


def _role_span(toks: list[str], lex: SpeakerLexicon) -> bool:
    if not toks or not lex.is_head(toks[-1]):
        return False
    return all(lex.is_role_word(t) or t.lower() in lex.connectors for t in toks)


def norm_role(text: str) -> str:
    """Lower-case title-case words, keep acronyms ("Chess Grandmaster" -> "chess grandmaster", "PR")."""
    return " ".join(w.lower() if w[:1].isupper() and w[1:].islower() else w for w in text.split())


def parse_heading(line: str, lex: SpeakerLexicon, *, allow_bare_name: bool) -> Person | None:
    """Read a short line as 'role Name', 'Name, role' or (if allowed) a bare 'Name'."""
    toks = _WORD_RE.findall(line)
    words = [t for t in toks if t != ","]
    if not words or len(words) > _MAX_HEADING_WORDS:
        return None
    if "," in toks:
        i = toks.index(",")
        name_toks, role_toks = toks[:i], [t for t in toks[i + 1:] if t.lower() not in lex.articles]
        if "," in role_toks or not _name_span(name_toks, lex) or not _role_span(role_toks, lex):
            return None
        return Person(" ".join(name_toks), norm_role(" ".join(role_toks)))
    k = 0
    while k < len(words) and (lex.is_role_word(words[k]) or words[k].lower() in lex.connectors):
        k += 1
    while k > 0 and not lex.is_head(words[k - 1]):  # a role ends on a head word
        k -= 1
    while k and k < len(words) - 1 and words[k][:1].islower() and k < _MAX_ROLE_WORDS:
        k += 1  # a complement of the role: "учитель физкультуры", "driver of a bus"
    if k and k < len(words) and _name_span(words[k:], lex):
        return Person(" ".join(words[k:]), norm_role(" ".join(words[:k])))
    if allow_bare_name and k == 0 and len(words) >= 2 and _name_span(words, lex):
        return Person(" ".join(words), None)
    return None


def _strip_label(line: str) -> tuple[str, bool]:
    """Drop a trailing colon or dash from a heading; report whether there was a colon."""
    s = line.rstrip()
    colon = s.endswith(":")
    return s.rstrip(":—–- ").rstrip(), colon


def heading_line(line: str, lex: SpeakerLexicon) -> Person | None:
    core, colon = _strip_label(line)
    if not core or core.endswith(_END_PUNCT):
        return None
    return parse_heading(core, lex, allow_bare_name=colon)


def inline_label(line: str, lex: SpeakerLexicon, *, allow_bare_name: bool) -> tuple[Person, int] | None:
    """'Name, role: text...' -> (person, offset just past the colon and spaces)."""
    i = line.find(":")
    if i <= 0 or i > 80 or i == len(line.rstrip()) - 1:
        return None
    person = parse_heading(line[:i], lex, allow_bare_name=allow_bare_name)
    if person is None:
        return None
    j = i + 1
    while j < len(line) and line[j] == " ":
        j += 1
    return person, j


# --- the document ---------------------------------------------------------------------------------


def line_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every non-blank line, stripped of surrounding spaces."""
    out: list[tuple[int, int]] = []
    pos = 0
    for raw in text.split("\n"):
        s = len(raw) - len(raw.lstrip())
        e = len(raw.rstrip())
        if e > s:
            out.append((pos + s, pos + e))
        pos += len(raw) + 1
    return out


def find_testimonies(text: str, lang: str) -> list[Block]:
    """The testimonies of a text, in order, covering every non-blank line exactly once."""
    lex = lexicon(lang)
    lines = line_spans(text)
    if not lines:
        return []
    owners = _label_lines(text, lines, lex)
    _attribute_author_lines(text, lines, owners, lex)
    blocks = _group(lines, owners)
    _fill_answerers(text, blocks, lex)
    return blocks


def _bare_label_count(text: str, lines: list[tuple[int, int]], lex: SpeakerLexicon) -> int:
    n = 0
    for s, e in lines:
        line = text[s:e]
        if heading_line(line, lex) is None and inline_label(line, lex, allow_bare_name=True):
            n += 1
    return n


def _label_lines(text: str, lines: list[tuple[int, int]], lex: SpeakerLexicon) -> list[Block | None]:
    """Owner block of each line from headings, inline labels and Q/A labels (None = author)."""
    allow_bare_inline = _bare_label_count(text, lines, lex) >= 2  # a transcript, not a stray colon
    owners: list[Block | None] = []
    current: Block | None = None
    for s, e in lines:
        line = text[s:e]
        qa = lex.qa_re.match(line) if lex.qa_re else None
        if qa:
            is_answer = qa.group("label") in lex.a_labels
            current = Block(s, e, header_start=s, header_end=s + qa.end("label") + 1, answerer=True,
                            kind="answer") if is_answer else Block(s, e, is_author=True)
            owners.append(current)
            continue
        person = heading_line(line, lex)
        if person:
            current = Block(s, e, speaker=person.name, role=person.role, header_start=s, header_end=e,
                            kind="heading")
            owners.append(current)
            continue
        inline = inline_label(line, lex, allow_bare_name=allow_bare_inline)
        if inline:
            person, off = inline
            current = Block(s, e, speaker=person.name, role=person.role, header_start=s,
                            header_end=s + off, kind="label")
            owners.append(current)
            continue
        owners.append(current)
    return owners


def _attribute_author_lines(text: str, lines: list[tuple[int, int]], owners: list[Block | None],
                            lex: SpeakerLexicon) -> None:
    """Inside the author's text, give quoted paragraphs to the person they are attributed to."""
    prev: Block | None = None
    for i, (s, e) in enumerate(lines):
        if owners[i] is not None:
            prev = None
            continue
        line = text[s:e]
        found = _attribution(line, lex)
        if found:
            person, hs, he = found
            prev = Block(s, e, speaker=person.name, role=person.role, header_start=s + hs,
                         header_end=s + he, kind="quote")
            owners[i] = prev
        elif prev is not None and line[:1] in "\"“«—–":  # the quote goes on in the next paragraph
            owners[i] = prev
        else:
            prev = None
    _dialogue_runs(text, lines, owners)


def _attribution(line: str, lex: SpeakerLexicon) -> tuple[Person, int, int] | None:
    for pat in lex.attribution:
        for m in pat.finditer(line):
            name = _clean_name(m.group("name"), lex)
            if not name:
                continue
            role = m.groupdict().get("role1") or m.groupdict().get("role2")
            hs = m.start()
            while hs < m.end() and line[hs] in _QUOTE_PUNCT:  # the header is the words, not the quote
                hs += 1
            return Person(name, norm_role(role) if role else None), hs, m.end()
    return None


def _clean_name(raw: str, lex: SpeakerLexicon) -> str | None:
    toks = raw.split()
    while toks and toks[-1] in lex.not_names:
        toks.pop()
    if not toks or not _name_span(toks, lex):
        return None
    return " ".join(toks)


def _dialogue_runs(text: str, lines: list[tuple[int, int]], owners: list[Block | None]) -> None:
    """'— question?' / '— answer' paragraphs in the author's text: the answers belong to the answerer."""
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and owners[j] is None and _DASH_LINE_RE.match(text[lines[j][0]:lines[j][1]]):
            j += 1
        run = range(i, j)
        questions = [k for k in run if text[lines[k][0]:lines[k][1]].rstrip().endswith("?")]
        if len(run) >= 3 and questions and len(questions) < len(run):
            for k in run:
                if k not in questions:
                    s, e = lines[k]
                    owners[k] = Block(s, e, header_start=s, header_end=s + 1, answerer=True, kind="answer")
        i = max(j, i + 1)


def _group(lines: list[tuple[int, int]], owners: list[Block | None]) -> list[Block]:
    """Merge consecutive lines of one owner into a block; author runs become author blocks."""
    blocks: list[Block] = []
    for (s, e), owner in zip(lines, owners, strict=True):
        last = blocks[-1] if blocks else None
        if owner is None or owner.is_author:
            if last is not None and last.is_author:
                last.end = e
            else:
                blocks.append(Block(s, e, is_author=True))
        elif owner is last:
            last.end = e
        else:
            owner.end = e
            blocks.append(owner)
    return blocks


def _fill_answerers(text: str, blocks: list[Block], lex: SpeakerLexicon) -> None:
    """An interview's answers belong to the person its lede introduces, else the last heading's speaker."""
    heading: Person | None = None
    answerer: Person | None = None
    region = 0  # where the text that may introduce the interviewee starts
    for b in blocks:
        if b.answerer:
            if answerer is None:
                answerer = find_person_mention(text[region: b.start], lex, last=True) or heading
            if answerer is not None:
                b.speaker, b.role = answerer.name, answerer.role
        elif not b.is_author:
            region, answerer = b.end, None
            if b.kind in ("heading", "label") and b.speaker:
                heading = Person(b.speaker, b.role)


def find_person_mention(text: str, lex: SpeakerLexicon, *, last: bool = False) -> Person | None:
    """The first (or last) 'role Name' or 'Name, role' in a stretch of text."""
    if lex.mention is None:
        return None
    found = list(lex.mention.finditer(text))
    for m in reversed(found) if last else found:
        groups = m.groupdict()
        raw = m.group("name") or m.group("name2") or next(
            (v for k, v in groups.items() if k.startswith("name3") and v), None)
        name = _clean_name(raw, lex) if raw else None
        if name:
            role = m.group("role1") or m.group("role2")
            return Person(name, norm_role(role) if role else None)
    return None
