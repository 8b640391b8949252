"""Redaction policies: YAML data (`policies/*.yaml`) read into a checked `PolicySpec`, and `Policy`.

A `Policy` is one export's (or one response's) session: witnesses get numbers in the order they are
first met ("Witness 1", "Witness 2, a teacher") and keep them for the policy object's life, so get a
fresh one per export with `get_policy(name)`.

Names inside text are replaced from the names known for the row's document: learnt with `learn(...)`
or read from the store given to `get_policy(name, store=...)`. A text whose document's names are
unknown is withheld, never let out unredacted.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError
from .names import NameMatcher, name_parts, norm_name

CHOICES: dict[str, tuple[str, ...]] = {
    "witnesses.names": ("pseudonym", "mask", "keep"),
    "witnesses.roles": ("keep", "drop"),
    "relayers": ("keep", "drop"),
    "third_parties": ("keep", "drop"),
    "victims": ("keep", "drop"),
    "free_text": ("none", "redacted", "full"),
    "coordinates.mode": ("exact", "grid", "parent", "drop"),
    "unknown_names": ("mask", "keep"),
}
WITNESS_LABEL = "Witness {n}"
WITNESS_ROLE_LABEL = "Witness {n}, {role}"
MASKS = {"witness": "[witness]", "person": "[person]", "victim": "[victim]"}
MIN_DEGREES, MAX_DEGREES = 0.001, 5.0
DOC_CACHE = 512  # documents whose names (and compiled name patterns) a policy session keeps at once


@dataclass(frozen=True)
class PolicySpec:
    """A policy file, checked."""

    name: str
    description: str
    admin_only: bool
    witness_names: str
    witness_roles: str
    relayers: str
    third_parties: str
    victims: str
    free_text: str
    coord_mode: str
    coord_degrees: float
    private_channels: frozenset[str]
    unknown_names: str = "mask"  # free text: also mask words that look like names nobody extracted

    @property
    def protects_witnesses(self) -> bool:
        """Strict enough for the viewer role: nobody named but victims, no exact places, no raw text."""
        return (
            self.witness_names != "keep"
            and self.relayers == "drop"
            and self.third_parties == "drop"
            and self.coord_mode != "exact"
            and self.free_text != "full"
        )

    @property
    def is_identity(self) -> bool:
        return self.free_text == "full" and self.witness_names == "keep" and self.coord_mode == "exact"


@dataclass(frozen=True)
class DocNames:
    """Every person name known for one document, by category."""

    witnesses: Mapping[str, str | None]  # name -> role
    relayers: frozenset[str] = frozenset()
    third_parties: frozenset[str] = frozenset()
    victims: frozenset[str] = frozenset()

    def all(self) -> list[str]:
        return [*self.witnesses, *self.relayers, *self.third_parties, *self.victims]


NameSource = Callable[[str], DocNames | None]


def _pick(data: Mapping[str, Any], dotted: str, where: str) -> str:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise ConfigError(f"policy field {dotted!r} is missing", path=where)
        node = node[part]
    if node not in CHOICES[dotted]:
        raise ConfigError(f"policy field {dotted!r} must be one of {', '.join(CHOICES[dotted])}", path=where)
    return str(node)


def _degrees(coords: Mapping[str, Any], mode: str, where: str) -> float:
    raw = coords.get("degrees", 0.05 if mode != "parent" else 0.2)
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not MIN_DEGREES <= raw <= MAX_DEGREES:
        bounds = f"[{MIN_DEGREES}, {MAX_DEGREES}]"
        raise ConfigError(f"coordinates.degrees must be a number in {bounds}", path=where)
    return float(raw)


def parse_policy(text: str, where: str = "<policy>") -> PolicySpec:
    """A policy from YAML text; ConfigError naming the field on anything malformed."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ConfigError(f"not valid YAML: {str(e).splitlines()[0]}", path=where) from e
    if not isinstance(data, Mapping):
        raise ConfigError("a policy must be a YAML mapping", path=where)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or not name.replace("-", "").replace("_", "").isalnum():
        raise ConfigError("policy 'name' must be a word (letters, digits, - and _)", path=where)
    coords = data.get("coordinates")
    if not isinstance(coords, Mapping):
        raise ConfigError("policy field 'coordinates' must be a mapping with a 'mode'", path=where)
    mode = _pick(data, "coordinates.mode", where)
    channels = data.get("private_channels", [])
    if not isinstance(channels, list) or not all(isinstance(c, str) for c in channels):
        raise ConfigError("policy field 'private_channels' must be a list of channel names", path=where)
    admin_only = data.get("admin_only", False)
    if not isinstance(admin_only, bool):
        raise ConfigError("policy field 'admin_only' must be true or false", path=where)
    spec = PolicySpec(
        name=name,
        description=str(data.get("description", "")),
        admin_only=admin_only,
        witness_names=_pick(data, "witnesses.names", where),
        witness_roles=_pick(data, "witnesses.roles", where),
        relayers=_pick(data, "relayers", where),
        third_parties=_pick(data, "third_parties", where),
        victims=_pick(data, "victims", where),
        free_text=_pick(data, "free_text", where),
        coord_mode=mode,
        coord_degrees=_degrees(coords, mode, where),
        private_channels=frozenset(channels),
        unknown_names=_pick(data, "unknown_names", where) if "unknown_names" in data else "mask",
    )
    if spec.is_identity and not spec.admin_only:
        raise ConfigError("a policy that redacts nothing must be admin_only", path=where)
    return spec


def _policy_files() -> dict[str, Any]:
    """Shipped policies, then the user's (KHRONIKA_HOME/policies/*.yaml), which may add but not replace."""
    from ..paths import data_home

    out: dict[str, Any] = {}
    for entry in resources.files(__package__).joinpath("policies").iterdir():
        if entry.name.endswith(".yaml"):
            out[entry.name[: -len(".yaml")]] = entry
    user = data_home() / "policies"
    if user.is_dir():
        for path in sorted(user.glob("*.yaml")):
            out.setdefault(path.stem, path)
    return out


def policy_names() -> list[str]:
    return sorted(_policy_files())


def load_spec(name: str) -> PolicySpec:
    files = _policy_files()
    if name not in files:
        raise ConfigError(f"unknown redaction policy {name!r} (known: {', '.join(sorted(files))})")
    entry = files[name]
    where = str(entry) if isinstance(entry, Path) else f"policies/{name}.yaml"
    spec = parse_policy(entry.read_text(encoding="utf-8"), where)
    if spec.name != name:
        raise ConfigError(f"policy file says name {spec.name!r}, expected {name!r}", path=where)
    return spec


def _with_article(role: str) -> str:
    """"teacher" -> "a teacher", "accountant" -> "an accountant"; other languages and "the ..." as given."""
    first = role.split()[0].lower()
    if not role.isascii() or not role[0].isalpha() or first in ("a", "an", "the") or role[0].isupper():
        return role
    return f"{'an' if first[0] in 'aeiou' else 'a'} {role}"


class Policy:
    """Redacts rows and texts for one export. See the module docstring."""

    def __init__(self, spec: PolicySpec, names: NameSource | None = None) -> None:
        self.spec = spec
        self.name = spec.name
        self._source = names
        self._learned: dict[str, DocNames] = {}
        # Bounded: an export meets every document once or a few times; memory must not grow with them.
        self._loaded: OrderedDict[str, DocNames | None] = OrderedDict()
        self._witness_no: dict[str, int] = {}
        self._roles: dict[str, str | None] = {}
        self._witnesses: dict[str, str] = {}  # normalised -> as written, for matching inside names
        self._matchers: OrderedDict[str, NameMatcher] = OrderedDict()
        self._witness_matcher: tuple[int, NameMatcher] | None = None
        self._witness_hits: list[str] = []
        self._opaque: dict[str, int] = {}

    # -- names ---------------------------------------------------------------------------------------

    def learn(self, doc_id: str, names: DocNames) -> None:
        """Tell the policy the person names of a document (the store does this when given)."""
        self._learned[doc_id] = names
        self._matchers.pop(doc_id, None)
        self._remember_witnesses(names)

    def _remember_witnesses(self, names: DocNames) -> None:
        for w, role in names.witnesses.items():
            self._roles.setdefault(norm_name(w), role)
            self._witnesses.setdefault(norm_name(w), w)

    def doc_names(self, doc_id: str | None) -> DocNames | None:
        if not doc_id:
            return None
        if doc_id in self._learned:
            return self._learned[doc_id]
        if doc_id in self._loaded:
            self._loaded.move_to_end(doc_id)
            return self._loaded[doc_id]
        found = self._source(doc_id) if self._source is not None else None
        self._loaded[doc_id] = found
        if len(self._loaded) > DOC_CACHE:
            self._loaded.popitem(last=False)
        if found is not None:
            self._remember_witnesses(found)
        return found

    def prefetch(self, doc_ids: Iterable[str | None]) -> None:
        """Load the names of documents about to be met, in one query when the source can."""
        many = getattr(self._source, "many", None)
        wanted = {d for d in doc_ids if d and d not in self._learned and d not in self._loaded}
        if many is None or not wanted:
            return
        for doc_id, found in many(wanted).items():
            self._loaded[doc_id] = found
            if found is not None:
                self._remember_witnesses(found)
        while len(self._loaded) > max(DOC_CACHE, len(wanted)):
            self._loaded.popitem(last=False)

    def witness_label(self, name: str | None, role: str | None = None) -> str | None:
        """"Witness 3, a teacher", "[witness]" or the name, as the policy says."""
        if not name:
            return name
        mode = self.spec.witness_names
        if mode == "keep":
            return name
        if mode == "mask":
            return MASKS["witness"]
        key = norm_name(name)
        n = self._witness_no.setdefault(key, len(self._witness_no) + 1)
        role = role or self._roles.get(key)
        if self.spec.witness_roles == "keep" and role:
            return WITNESS_ROLE_LABEL.format(n=n, role=_with_article(" ".join(role.split())))
        return WITNESS_LABEL.format(n=n)

    def person_label(self, name: str | None) -> str | None:
        return name if not name or self.spec.third_parties == "keep" else MASKS["person"]

    def relayer_label(self, name: str | None) -> str | None:
        return name if not name or self.spec.relayers == "keep" else MASKS["person"]

    def victim_label(self, name: str | None, doc_id: str | None = None) -> str | None:
        """Victims may be named; but a "victim" that is a witness's name (an extraction slip, or a
        witness hurt themselves) is a witness, and a witness is never named."""
        if not name:
            return name
        self.doc_names(doc_id)
        witness = self._witness_of(name)
        if witness is not None:
            return self.witness_label(witness)
        return name if self.spec.victims == "keep" else MASKS["victim"]

    def _witness_of(self, name: str) -> str | None:
        """The known witness whose name (or a part or case form of it) `name` contains, if any."""
        if not self._witnesses:
            return None
        if self._witness_matcher is None or self._witness_matcher[0] != len(self._witnesses):
            matcher = NameMatcher(list(self._witnesses.values()), self._note_witness)
            self._witness_matcher = (len(self._witnesses), matcher)
        self._witness_hits.clear()
        self._witness_matcher[1].replace(name)
        return self._witness_hits[0] if self._witness_hits else None

    def _note_witness(self, witness: str) -> str:
        self._witness_hits.append(witness)
        return witness

    def name_label(self, doc_id: str | None, name: str | None) -> str | None:
        """A person's name met in a field: labelled by what the document says they are."""
        if not name:
            return name
        return self._label_for(self.doc_names(doc_id))(name)

    def source_label(self, doc_id: str | None, channel: Any, value: Any) -> str | None:
        """A document's source: private channels say only the channel; names inside are replaced."""
        if not isinstance(value, str) or not value:
            return None
        if self.spec.free_text == "full":
            return value
        if isinstance(channel, str) and channel in self.spec.private_channels:
            return f"{channel} message"
        return self.names_in_place(doc_id, value)

    def opaque(self, key: str, prefix: str) -> str:
        """A stable stand-in for an internal key that may spell a name ("p:aliya nurlanovna")."""
        if not key or self.spec.free_text == "full":
            return key
        n = self._opaque.setdefault(key, len(self._opaque) + 1)
        return f"{prefix}{n}"

    def _label_for(self, doc: DocNames | None) -> Callable[[str], str]:
        witnesses = {norm_name(w) for w in doc.witnesses} if doc else set()
        victims = {norm_name(v) for v in doc.victims} if doc else set()
        relayers = {norm_name(r) for r in doc.relayers} if doc else set()

        def label(name: str) -> str:
            key = norm_name(name)
            if key in witnesses or key in self._witness_no or key in self._roles:
                return self.witness_label(name) or ""
            if key in victims:
                return self.victim_label(name) or ""
            if key in relayers:
                return self.relayer_label(name) or ""
            return self.person_label(name) or ""

        return label

    def _kept(self, doc: DocNames) -> set[str]:
        """Names this policy lets through as they are (so the matcher leaves them alone)."""
        kept: set[str] = set()
        if self.spec.witness_names == "keep":
            kept |= set(doc.witnesses)
        if self.spec.victims == "keep":
            kept |= set(doc.victims)
        if self.spec.relayers == "keep":
            kept |= set(doc.relayers)
        if self.spec.third_parties == "keep":
            kept |= set(doc.third_parties)
        return {norm_name(k) for k in kept} - {norm_name(w) for w in doc.witnesses if w not in kept}

    def redact_text(self, text: str | None, names: Iterable[str]) -> str | None:
        """`text` with every given name (and its parts and case forms) replaced as the policy says.

        Names the policy knows as witnesses get their pseudonym; victims their policy; anyone else
        is a third party.
        """
        if text is None or self.spec.free_text == "full":
            return text
        matcher = NameMatcher(list(names), self._label_for(None))
        return self._net(matcher.replace(text), frozenset())

    def _net(self, text: str, keep: frozenset[str]) -> str:
        if self.spec.unknown_names != "mask":
            return text
        from .guess import mask_unknown_names

        return mask_unknown_names(text, keep=keep)

    def _kept_words(self, doc_id: str | None) -> frozenset[str]:
        doc = self.doc_names(doc_id)
        return frozenset(w.casefold() for n in (self._kept(doc) if doc else ()) for w in name_parts(n))

    def _matcher(self, doc_id: str | None) -> NameMatcher | None:
        doc = self.doc_names(doc_id)
        if doc is None:
            return None
        key = doc_id or ""
        if key in self._matchers:
            self._matchers.move_to_end(key)
            return self._matchers[key]
        kept = self._kept(doc)
        names = [n for n in doc.all() if norm_name(n) not in kept]
        matcher = self._matchers[key] = NameMatcher(names, self._label_for(doc))
        if len(self._matchers) > DOC_CACHE:
            self._matchers.popitem(last=False)
        return matcher

    def text_for(self, doc_id: str | None, text: str | None) -> str | None:
        """A free-text field of a row of `doc_id`: full, redacted with its document's names, or None."""
        if text is None or self.spec.free_text == "full":
            return text
        if self.spec.free_text == "none":
            return None
        matcher = self._matcher(doc_id)
        if matcher is None:
            return None  # names unknown: withheld rather than risk a leak
        return self._net(matcher.replace(text), self._kept_words(doc_id))

    def names_in_place(self, doc_id: str | None, place: str | None) -> str | None:
        """Place names pass, but a person's name inside one ("Marat's shop") does not."""
        if place is None or self.spec.free_text == "full":
            return place
        matcher = self._matcher(doc_id)
        return place if matcher is None else matcher.replace(place)

    # -- records -------------------------------------------------------------------------------------

    def redact_record(self, kind: str, row: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of a flat row of `kind` as this policy lets it out (see fields.yaml)."""
        from .records import redact_row

        if self.spec.is_identity:
            return dict(row)
        return redact_row(self, kind, row)
