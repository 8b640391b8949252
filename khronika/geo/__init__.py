"""Places: gazetteer-aware toponym recognition and resolution (component khronika.places)."""

from __future__ import annotations

from collections.abc import Callable

from ..model import Document, PlaceRef
from ..registry import component
from .gazetteer import R_ADM1, R_AREA, R_CC, R_ID, R_KIND, R_LAT, R_LON, R_NAME, R_PREC, Gazetteer
from .resolve import Resolved, Resolver, km
from .toponyms import Mention, Recognizer

NAME = "khronika.places"
VERSION = "1"
TAG = f"{NAME}@{VERSION}"
AREA_RADIUS_KM = 40.0  # a document mentioning a place this close to a local area may use its generic words


class Geoparser:
    """Recognise and resolve toponyms in a text; build once, call per document."""

    def __init__(self, gaz: Gazetteer | None = None) -> None:
        self.gaz = gaz or Gazetteer.load()
        self.resolver = Resolver(self.gaz)
        self._rec: dict[str, Recognizer] = {}
        self._areas = self._area_centres()

    def _area_centres(self) -> dict[str, tuple[float, float]]:
        pts: dict[str, list[tuple[float, float]]] = {}
        for p in self.gaz.local_places():
            if p.area:
                pts.setdefault(p.area, []).append((p.lat, p.lon))
        return {a: (sum(x for x, _ in v) / len(v), sum(y for _, y in v) / len(v)) for a, v in pts.items()}

    def recognizer(self, lang: str) -> Recognizer:
        if lang not in self._rec:
            self._rec[lang] = Recognizer(self.gaz, lang)
        return self._rec[lang]

    def parse(self, text: str, lang: str = "en", default_country: str | None = None) -> list[Resolved]:
        rec = self.recognizer(lang)
        mentions = rec.find(text)
        res = self.resolver.resolve(mentions, default_country)
        active = self._active_areas(res)
        if active:
            taken = [(r.mention.start, r.mention.end) for r in res]
            extra = [m for m in rec.generic(text, active) if not _overlaps(m, taken)]
            extra = _drop_nested(extra)
            res.extend(Resolved(m, m.cands[0], 0.5) for m in extra)
            res.sort(key=lambda r: r.mention.start)
        return res

    def _active_areas(self, res: list[Resolved]) -> set[str]:
        out: set[str] = set()
        for r in res:
            row = self.gaz.row(r.row)
            if row[R_AREA]:
                out.add(row[R_AREA])
            elif row[R_KIND] in ("city", "capital"):
                out.update(a for a, (la, lo) in self._areas.items()
                           if km(row[R_LAT], row[R_LON], la, lo) <= AREA_RADIUS_KM)
        return out

    def place_refs(self, text: str, lang: str = "en", default_country: str | None = None,
                   offset: int = 0) -> list[PlaceRef]:
        out = []
        for r in self.parse(text, lang, default_country):
            row = self.gaz.row(r.row)
            m = r.mention
            out.append(PlaceRef(start=m.start + offset, end=m.end + offset, text=m.text, name=row[R_NAME],
                                place_id=row[R_ID], lat=row[R_LAT], lon=row[R_LON], precision=row[R_PREC],
                                country=row[R_CC] or None, admin1=row[R_ADM1] or None, extractor=TAG,
                                confidence=_confidence(r)))
        return out


def _confidence(r: Resolved) -> float:
    n = len(r.mention.cands)
    base = 0.9 if n == 1 else 0.75 if n < 4 else 0.6
    return round(base * (0.8 if r.mention.generic else 1.0), 3)


def _overlaps(m: Mention, spans: list[tuple[int, int]]) -> bool:
    return any(m.start < e and s < m.end for s, e in spans)


def _drop_nested(ms: list[Mention]) -> list[Mention]:
    out: list[Mention] = []
    for m in sorted(ms, key=lambda x: (x.start, -x.end)):
        if not out or m.start >= out[-1].end:
            out.append(m)
    return out


_PRECISION_RANK = {"point": 0, "street": 1, "district": 2, "city": 3, "region": 4, "country": 5}


def primary_place(refs: list[PlaceRef]) -> PlaceRef | None:
    """The place a short report is about: the most specific place in the text's main country
    (first mention wins a tie). A town abroad named in passing does not outrank the local one."""
    refs = [r for r in refs if r.lat is not None and r.lon is not None]
    if not refs:
        return None
    weight: dict[str, float] = {}
    for r in refs:
        if r.country:
            weight[r.country] = weight.get(r.country, 0.0) + r.confidence
    main = max(weight, key=lambda c: weight[c]) if weight else None
    return min(refs, key=lambda r: (r.country != main, _PRECISION_RANK.get(r.precision or "", 6), r.start))


_CITY_LEVEL = ("point", "street", "district", "city")


def place_in_span(doc: Document, lo: int, hi: int) -> PlaceRef | None:
    """The place a stretch of text (a statement) is about: its primary place, so that "in Aborey
    village (Bulo Burto, Hiraan)" gives the village, not the region named last or nearest."""
    return primary_place([p for p in doc.places if lo <= p.start < hi])


def fallback_place(doc: Document, pos: int) -> PlaceRef | None:
    """Where something said at `pos` without a place of its own happened: the nearest resolved place
    earlier in the same testimony (the speaker is still talking about it), else the document's
    primary place at city level or finer (a country says too little to place a service outage)."""
    lo = 0
    for t in doc.testimonies:
        if t.start <= pos < t.end:
            lo = t.start
            break
    earlier = [p for p in doc.places if lo <= p.start and p.end <= pos and p.lat is not None]
    if earlier:
        return max(earlier, key=lambda p: p.start)
    return primary_place([p for p in doc.places if p.precision in _CITY_LEVEL])


_PARSER: Geoparser | None = None


def geoparser() -> Geoparser:
    """The shared geoparser (the gazetteer is loaded once per process)."""
    global _PARSER
    if _PARSER is None:
        _PARSER = Geoparser()
    return _PARSER


@component(NAME, version=VERSION, requires=("statements",), assigns=("places",))
def make_places() -> Callable[[Document], None]:
    gp = geoparser()

    def run(doc: Document) -> None:
        if doc.lang not in ("en", "ru") or not doc.text:
            return
        # Whole text at once: the document's focus needs every mention, statements or not.
        cc = gp.gaz.tz_country.get(doc.tz or "")
        doc.places.extend(gp.place_refs(doc.text, doc.lang, default_country=cc))

    return run
