"""khronika.timex against the dev gold: TimeBank (TempEval-3) values and ACLED note dates.

Reads ../shared/eval at run time and skips when it is absent. The floors sit a little below what
the recogniser reaches today, so a regression fails; the reference scorer does the scoring.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from khronika.timex import find_times, local_day

EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval"
GOLD = EVAL / "dev" / "timebank.jsonl"

pytestmark = pytest.mark.skipif(not GOLD.is_file(), reason=f"dev gold not found at {GOLD}")


def _score(tmp_path: Path) -> dict[str, float]:
    pred = tmp_path / "timebank_pred.jsonl"
    with GOLD.open(encoding="utf-8") as src, pred.open("w", encoding="utf-8") as out:
        for line in src:
            d = json.loads(line)
            refs = find_times(d["text"], "en", d.get("published"), tz="UTC")
            tx = [{"start": t.start, "end": t.end, "text": t.text, "type": t.timex_type, "value": t.value}
                  for t in refs]
            out.write(json.dumps({"id": d["id"], "timexes": tx}) + "\n")
    res = subprocess.run([sys.executable, str(EVAL / "score.py"), str(GOLD), str(pred)],
                         capture_output=True, text=True, check=True)
    scores: dict[str, float] = json.loads(res.stdout.strip().splitlines()[-1])
    return scores


def test_timebank_value_and_span_f1(tmp_path: Path) -> None:
    s = _score(tmp_path)
    assert s["timex_value_f1"] >= 0.845, s
    assert s["timex_relaxed_f1"] >= 0.95, s
    assert s["timex_strict_f1"] >= 0.90, s


@pytest.mark.parametrize("name", ["acled_bangladesh", "acled_somalia"])
def test_acled_first_date_is_the_event_date(name: str) -> None:
    path = EVAL / "dev" / f"{name}.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} absent")
    ok = n = 0
    for line in path.open(encoding="utf-8"):
        d = json.loads(line)
        n += 1
        days = [local_day(t) for t in find_times(d["text"], "en", d.get("published"))]
        ok += next((x for x in days if x), None) == d["events"][0]["date"]
    assert ok / n >= 0.98, (ok, n)
