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
            out.append(Extracted(doc, text_vectors(doc), run_rows(doc)))
        except Exception as e:  # one bad text must not lose the others of its chunk
            out.append(failure(prep.name, e))
    return out


def text_vectors(doc: Document) -> dict[str, np.ndarray]:
    """Vectors of the texts of the document's event records, each encoded alone (as linking does)."""
    linker = default_linker()
    sim = linker.text_sim
    if not isinstance(sim, TextSimilarity):
        return {}
    texts = sorted({r.text for r in event_records(doc, linker.cfg) if r.text})
    return {t: sim.vectors([t])[0] for t in texts}
