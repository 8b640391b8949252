"""Bulk ingest of a synthetic archive with 1 and 2 worker processes: docs/s, speed-up and peak memory.

    .venv/bin/python bench/bulk.py --docs 2000
    .venv/bin/python bench/bulk.py --docs 20000 --pg     # PostgreSQL too (needs KHRONIKA_PG_URL)

The archive (khronika.scale.synth, seeded) is written to a temporary folder with a manifest. Each run is
`khronika ingest --manifest ... --workers W` in a subprocess on a fresh store (a new SQLite file, or a new
PostgreSQL schema), so start-up (model loading, Dask start) is part of the time, as a user sees it.
CPU s is the CPU time of the whole process tree (workers included); unlike the wall time, it hardly
depends on other load. Peak memory is the largest sum of RSS over the ingest process and all its
children (the Dask workers), sampled every 0.2 s. The load average is printed before and after: with
other work on the machine, the wall times (and so the speed-up) are not the machine's own.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from khronika.scale.synth import archive, write_archive


@dataclass
class Result:
    engine: str
    workers: int
    seconds: float
    cpu: float
    peak_mb: float
    summary: str


class PeakRss:
    """Samples the RSS of a process tree in a thread; `peak` is the largest sum seen (bytes)."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.pid, self.every, self.peak = pid, every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                root = psutil.Process(self.pid)
                procs = [root, *root.children(recursive=True)]
                self.peak = max(self.peak, sum(_rss(p) for p in procs))
            except psutil.NoSuchProcess:
                return
            self._stop.wait(self.every)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _rss(p: psutil.Process) -> int:
    try:
        return int(p.memory_info().rss)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0


@contextmanager
def fresh_store(engine: str, tmp: Path, pg_url: str | None) -> Iterator[str]:
    """A URL of an empty store: a new SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if engine == "sqlite":
        yield f"sqlite:///{tmp / ('bulk-' + uuid.uuid4().hex[:8] + '.db')}"
        return
    assert pg_url
    schema = "bulk_" + uuid.uuid4().hex[:12]
    admin = sa.create_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(pg_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def ingest(manifest: Path, url: str, workers: int, batch_size: int) -> tuple[float, float, float, str]:
    """(wall seconds, CPU seconds of the whole process tree, peak MB, summary line)."""
    cmd = [sys.executable, "-m", "khronika.cli", "ingest", "--manifest", str(manifest), "--db", url]
    cmd += ["--workers", str(workers), "--batch-size", str(batch_size)]
    cpu0 = _children_cpu()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = PeakRss(proc.pid)
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    peak.stop()
    if proc.returncode != 0:
        raise SystemExit(f"ingest failed ({proc.returncode}): {err.strip()[-2000:]}")
    return seconds, _children_cpu() - cpu0, peak.peak / 2**20, out.strip().splitlines()[-1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=2000, help="documents in the archive (default 2000)")
    ap.add_argument("--workers", default="1,2", help="worker counts to compare (default 1,2)")
    ap.add_argument("--batch-size", type=int, default=200, help="documents per store transaction")
    ap.add_argument("--pg", action="store_true", help="also PostgreSQL (KHRONIKA_PG_URL)")
    ap.add_argument("--seed", type=int, default=2022)
    args = ap.parse_args()
    pg_url = os.environ.get("KHRONIKA_PG_URL")
    engines = ["sqlite"] + (["postgresql"] if args.pg and pg_url else [])
    if args.pg and not pg_url:
        print("--pg given but KHRONIKA_PG_URL is not set: SQLite only", file=sys.stderr)
    counts = [int(w) for w in args.workers.split(",")]
    print(f"load average before: {os.getloadavg()}, cores: {os.cpu_count()}")
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="khronika-bulk-") as d:
        tmp = Path(d)
        manifest = write_archive(archive(args.docs, seed=args.seed), tmp / "archive")
        for engine in engines:
            for w in counts:
                with fresh_store(engine, tmp, pg_url) as url:
                    secs, cpu, peak, summary = ingest(manifest, url, w, args.batch_size)
                results.append(Result(engine, w, secs, cpu, peak, summary))
                print(f"  {engine} workers={w}: {secs:.1f}s ({cpu:.0f} CPU s)  {summary}", flush=True)
    print(f"load average after: {os.getloadavg()}")
    head = ("engine", "workers", "seconds", "CPU s", "docs/s", "speed-up", "peak MB")
    print("\n{:<11} {:>7} {:>8} {:>7} {:>8} {:>8} {:>8}".format(*head))
    for r in results:
        base = next(x for x in results if x.engine == r.engine and x.workers == counts[0])
        print(
            f"{r.engine:<11} {r.workers:>7} {r.seconds:>8.1f} {r.cpu:>7.0f} {args.docs / r.seconds:>8.1f} "
            f"{base.seconds / r.seconds:>7.2f}x {r.peak_mb:>8.0f}"
        )


if __name__ == "__main__":
    main()
