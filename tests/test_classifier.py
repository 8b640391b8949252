"""The user's sub-type model is saved as plain arrays (no pickle) and loads back to the same model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from khronika.extract.classifier import SubtypeClassifier

# Invented, minimal coded notes: three sub-types, each phrased a few ways.
CODED = {
    "Peaceful protest": ["residents marched with banners", "a calm rally filled the square",
                         "teachers held a sit-in outside the ministry"],
    "Armed clash": ["gunmen and soldiers exchanged fire", "militants clashed with troops at the bridge",
                    "an armed group fought the army for hours"],
    "Looting/property destruction": ["a mob looted the electronics store", "shops were ransacked overnight",
                                     "rioters smashed and emptied a pharmacy"],
}


def test_save_and_load_give_the_same_predictions(tmp_path: Path) -> None:
    texts = [t for ts in CODED.values() for t in ts] * 2
    labels = [lab for lab, ts in CODED.items() for _ in ts] * 2
    model = SubtypeClassifier.fit(texts, labels)
    path = tmp_path / "model.npz"
    model.save(path)
    with np.load(path, allow_pickle=False) as z:  # would raise on any pickled object
        assert "coef" in z.files
    again = SubtypeClassifier.load(path)
    probe = ["troops and gunmen fought near the bridge", "a rally with banners", "the mob looted a shop"]
    assert again.predict(probe) == model.predict(probe)
    assert np.allclose(again.pipeline.predict_proba(probe), model.pipeline.predict_proba(probe))
    assert again.labels == sorted(CODED)


def test_a_foreign_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    np.savez(path, meta=np.array('{"format": 1}'))
    with pytest.raises(ValueError, match="unknown model format"):
        SubtypeClassifier.load(path)
