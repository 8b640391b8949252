"""How long a failed login takes when the name exists and when it does not (they should match, so the
answer time does not tell an attacker which names are real), and what one login costs.

    .venv/bin/python bench/login_timing.py               # 30 rounds on a temporary SQLite store
    .venv/bin/python bench/login_timing.py --rounds 100

Prints the median and the spread (p10-p90) in milliseconds for: a right password, a wrong password for
an existing user, an unknown user, and a machine user (which has no password). Each call runs the full
`authenticate` (a store read and one argon2 verification).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def _measure(fn: Callable[[], object], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _row(label: str, ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=10)
    return f"{label:<28} median {statistics.median(ms):7.1f} ms   p10-p90 {q[0]:6.1f}-{q[-1]:6.1f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=30)
    args = ap.parse_args()

    from khronika.store import Store
    from khronika.store import accounts as acc

    with tempfile.TemporaryDirectory() as tmp, Store(f"sqlite:///{Path(tmp) / 'k.db'}") as store:
        acc.create_user(store, "dana", "analyst", "dana's bench passphrase")
        acc.create_user(store, "gateway", "ingest", None)
        cases: dict[str, Callable[[], object]] = {
            "right password": lambda: acc.authenticate(store, "dana", "dana's bench passphrase"),
            "wrong password": lambda: acc.authenticate(store, "dana", "not the passphrase"),
            "unknown user": lambda: acc.authenticate(store, "nobody-here", "not the passphrase"),
            "machine user (no password)": lambda: acc.authenticate(store, "gateway", "not the passphrase"),
        }
        for fn in cases.values():  # warm up: first connection, page cache
            fn()
        results = {label: _measure(fn, args.rounds) for label, fn in cases.items()}
    for label, ms in results.items():
        print(_row(label, ms))
    gap = abs(statistics.median(results["unknown user"]) - statistics.median(results["wrong password"]))
    print(f"unknown vs wrong password: medians differ by {gap:.1f} ms")


if __name__ == "__main__":
    main()
