"""What runs inside a Dask worker: build documents from prepared bytes, run the pipeline, derive the
rows the store will insert, and encode the sentences linking will compare.

The pipeline (spaCy, natasha, gazetteer) and the sentence encoder are built once per worker process
(`default_pipeline()`, `default_linker()`) and kept for every later task. Encoding here takes the
heaviest part of linking off the single writer, which would otherwise limit the speed-up; building the
rows here (`run_rows`) leaves the writer little but its inserts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..ingest import Prepared, failure
from ..link import default_linker, event_records
from ..link.text import TextSimilarity
from ..model import Document
from ..pipeline import default_pipeline
from ..store.store import RunRows, run_rows


@dataclass
class Extracted:
    doc: Document
    vectors: dict[str, np.ndarray] = field(default_factory=dict)  # text -> unit vector, for linking
    rows: RunRows | None = None  # what the store inserts for this run


def extract_chunk(chunk: list[Prepared]) -> list[Extracted | str]:
    """One result per input, in order: the processed document, or the one-line error."""
    pipe = default_pipeline()
    out: list[Extracted | str] = []
    for prep in chunk:
        try:
            doc = pipe(prep.build())
            out.append(Extracted(doc, rows=run_rows(doc)))
        except Exception as e:  # one bad text must not lose the others of its chunk
            out.append(failure(prep.name, e))
    add_text_vectors([x for x in out if isinstance(x, Extracted)])
    return out


def add_text_vectors(done: list[Extracted]) -> None:
    """Vectors of the texts of the documents' event records, encoded in one call for the chunk (less
    than half the CPU of a call per text; the vectors differ from those by float rounding only)."""
    linker = default_linker()
    sim = linker.text_sim
    if not isinstance(sim, TextSimilarity):
        return
    texts = {x.doc.id: sorted({r.text for r in event_records(x.doc, linker.cfg) if r.text}) for x in done}
    uniq = sorted({t for ts in texts.values() for t in ts})
    vecs = dict(zip(uniq, sim.vectors(uniq), strict=True)) if uniq else {}
    for x in done:
        x.vectors = {t: vecs[t] for t in texts[x.doc.id]}
