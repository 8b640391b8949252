"""An optional sub-type classifier (TF-IDF + logistic regression) fitted by `khronika train`.

The model lives in the user's data folder (KHRONIKA_HOME or ~/.local/share/khronika), never in the
package; the events component uses it when present to re-type a document's lead event.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

from khronika.paths import data_home

MODEL_FILE = "events_classifier.pkl"


def model_path(models_dir: Path | None = None) -> Path:
    return (models_dir or data_home() / "models") / MODEL_FILE


class SubtypeClassifier:
    """Wraps a fitted scikit-learn pipeline; labels are ACLED sub-type names."""

    def __init__(self, pipeline: Any, labels: list[str]) -> None:
        self.pipeline = pipeline
        self.labels = labels

    @classmethod
    def fit(cls, texts: list[str], labels: list[str]) -> SubtypeClassifier:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion, Pipeline

        feats = FeatureUnion(
            [
                ("w", TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True, lowercase=True)),
                ("c", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True)),
            ]
        )
        pipe = Pipeline(
            [("f", feats), ("lr", LogisticRegression(max_iter=2000, C=5.0, class_weight="balanced"))]
        )
        pipe.fit(texts, labels)
        return cls(pipe, sorted(set(labels)))

    def predict_one(self, text: str) -> tuple[str, float]:
        probs = self.pipeline.predict_proba([text])[0]
        i = int(probs.argmax())
        return str(self.pipeline.classes_[i]), float(probs[i])

    def predict(self, texts: list[str]) -> list[str]:
        return [str(x) for x in self.pipeline.predict(texts)]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as f:
            pickle.dump({"format": 1, "pipeline": self.pipeline, "labels": self.labels}, f)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> SubtypeClassifier:
        with path.open("rb") as f:
            d = pickle.load(f)  # the user's own file, written by `khronika train`
        return cls(d["pipeline"], list(d["labels"]))


def load_user_model() -> SubtypeClassifier | None:
    """The user's trained model, or None when there is none (or it cannot be read)."""
    if os.environ.get("KHRONIKA_NO_USER_MODEL"):
        return None
    p = model_path()
    if not p.is_file():
        return None
    try:
        return SubtypeClassifier.load(p)
    except Exception:
        return None
