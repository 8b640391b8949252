"""An optional sub-type classifier (TF-IDF + logistic regression) fitted by `khronika train`.

The model lives in the user's data folder (KHRONIKA_HOME or ~/.local/share/khronika), never in the
package; the events component uses it when present to re-type a document's lead event.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from khronika.paths import data_home

# Arrays and JSON in an .npz read with allow_pickle=False: loading a model file can never run code,
# which a pickle could (a model may be shared between teams).
MODEL_FILE = "events_classifier.npz"
_VECTORIZER_PARAMS = ("analyzer", "ngram_range", "min_df", "sublinear_tf", "lowercase")


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
        """Write the fitted parameters (vocabularies, idf weights, coefficients) as plain arrays."""
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {}
        meta: dict[str, Any] = {"format": 2, "labels": self.labels, "vectorizers": []}
        for name, vec in self.pipeline.named_steps["f"].transformer_list:
            terms = sorted(vec.vocabulary_, key=vec.vocabulary_.__getitem__)
            meta["vectorizers"].append({"name": name, **{k: getattr(vec, k) for k in _VECTORIZER_PARAMS}})
            arrays[f"{name}_terms"] = np.array(terms, dtype=str)
            arrays[f"{name}_idf"] = vec.idf_
        lr = self.pipeline.named_steps["lr"]
        arrays.update(classes=np.array(lr.classes_, dtype=str), coef=lr.coef_, intercept=lr.intercept_)
        arrays["meta"] = np.array(json.dumps(meta))
        tmp = path.with_name(path.name + ".tmp.npz")
        np.savez_compressed(tmp, **arrays)
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> SubtypeClassifier:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion, Pipeline

        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            if meta.get("format") != 2:
                raise ValueError(f"{path}: unknown model format {meta.get('format')}")
            parts = []
            for v in meta["vectorizers"]:
                params = {k: v[k] for k in _VECTORIZER_PARAMS}
                params["ngram_range"] = tuple(params["ngram_range"])
                terms = [str(x) for x in z[f"{v['name']}_terms"]]
                vec = TfidfVectorizer(vocabulary={term: i for i, term in enumerate(terms)}, **params)
                vec.idf_ = z[f"{v['name']}_idf"]  # the setter rebuilds the fitted transformer
                parts.append((v["name"], vec))
            lr = LogisticRegression()
            lr.classes_, lr.coef_, lr.intercept_ = z["classes"], z["coef"], z["intercept"]
        return cls(Pipeline([("f", FeatureUnion(parts)), ("lr", lr)]), list(meta["labels"]))


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
