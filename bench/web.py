"""Latency of the workbench API under 50 concurrent clients, on a store of synthetic events.

    python bench/web.py [--events 100000] [--clients 50] [--requests 400] [--workers 1] [--think 1.0]
                        [--store PATH]

1. Builds a temporary SQLite store (migrations as usual) and bulk-inserts `--events` synthetic events
   (no pipeline: rows straight into the tables, in batches, in one transaction per table), one document
   per 10 events, and one service observation per 10 events for the board. With `--store PATH`, the
   store is built there once and kept; later runs with the same PATH reuse it (and its bench user).
2. Starts the server as a separate process on loopback: `khronika serve` for one worker, or
   `python -m khronika.web.server --workers N` (uvicorn's workers, with TCP_NODELAY on their
   connections, see that module) for more, and reports the worker count (the processes actually
   serving, counted in /proc).
3. Runs `--clients` threads, each with its own HTTP connection, that share a bounded list of
   `--requests` requests per endpoint (list, map, board, search), in random order; then stops the
   server and prints p50/p95/p99 per endpoint, and the server's CPU time per request (user + system
   of the server and its workers, read from /proc: compare builds by it on a busy machine, where the
   latencies also measure the neighbours). Goal: p95 < 100 ms.

   Each client waits `--think` seconds (uniformly 0.5x-1.5x) between its requests, like a person
   panning a map or reading a page; `--think 0` is the saturation test (50 clients firing back to
   back, where latency is mostly the queue: 50 x the service time on one worker).

Synthetic distribution (fixed seed): 80% of events in Almaty (normal around 43.25N 76.93E, sd 0.04°),
20% uniform over Kazakhstan's box (41-55N, 50-87E); days uniform over 2022-01-02..15; 10% undated;
ACLED types weighted like a week of unrest (protests 40%, riots 30%, violence against civilians 15%,
battles 5%, strategic developments 10%); evidence levels witnessed 35%, relayed 20%, media 15%,
hearsay 20%, official 5%, belief 5%. Documents get a few words from a small vocabulary for search.

Map requests: a random zoom 5-15 and a box around a random point in Almaty (at zoom >= 13 a
street-level box), with a random 3-day window on half of them: what panning and filtering send.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

TYPES = (("Protests", "Peaceful protest", 40), ("Riots", "Violent demonstration", 30),
         ("Violence against civilians", "Attack", 15), ("Battles", "Armed clash", 5),
         ("Strategic developments", "Looting/property destruction", 10))
EVIDENCE = (("witnessed", 35), ("relayed", 20), ("media", 15), ("hearsay", 20), ("official", 5),
            ("belief", 5))
SERVICES = ("internet", "atm_cash", "mobile", "bread", "fuel", "electricity")
STATES = ("down", "working", "limited")
WORDS = ("square", "akimat", "internet", "bread", "queue", "soldiers", "shots", "airport", "pharmacy",
         "curfew", "smoke", "crowd", "market", "bus", "district", "night", "morning", "police")
DAYS = [f"2022-01-{d:02d}" for d in range(2, 16)]


def _weighted(rng: random.Random, table: tuple[tuple[Any, ...], ...]) -> tuple[Any, ...]:
    return rng.choices(table, weights=[t[-1] for t in table])[0]


def _point(rng: random.Random) -> tuple[float, float]:
    if rng.random() < 0.8:
        return rng.gauss(43.25, 0.04), rng.gauss(76.93, 0.04)
    return rng.uniform(41, 55), rng.uniform(50, 87)


def _chunks(rows: list[dict[str, Any]], n: int = 5000) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), n):
        yield rows[i:i + n]


def build_store(url: str, n_events: int, seed: int = 7) -> None:
    """Migrate a fresh store and bulk-insert the synthetic rows (documents, runs, events, observations)."""
    import sqlalchemy as sa

    from khronika.store import Store
    from khronika.store.schema import documents, events, observations, runs

    rng = random.Random(seed)
    store = Store(url)
    now = "2026-01-01T00:00:00Z"
    n_docs = max(1, n_events // 10)
    docs, run_rows = [], []
    for i in range(n_docs):
        did = f"d{i:08d}"
        text = " ".join(rng.choices(WORDS, k=40))
        docs.append({"id": did, "sha256": uuid.uuid4().hex * 2, "raw": text.encode(), "text": text,
                     "lang": "en", "lang_confidence": 0.9, "published": "2022-01-16", "tz": "Asia/Almaty",
                     "title": f"Testimony {i}", "channel": "file", "source": f"source {i % 500}",
                     "created_at": now})
        run_rows.append({"id": f"r{i:08d}", "doc_id": did, "pipeline": [], "meta": None, "created_at": now,
                         "superseded_by": None, "digest": "0" * 64})
    ev_rows, obs_rows = [], []
    for j in range(n_events):
        d = j % n_docs
        lat, lon = _point(rng)
        typ, sub, _ = _weighted(rng, TYPES)
        day = rng.choice(DAYS) if rng.random() > 0.1 else None
        ev_rows.append({"run_id": f"r{d:08d}", "id": f"e{j:09d}", "doc_id": f"d{d:08d}", "type": typ,
                        "subtype": sub, "family": "acled", "date": day, "time_text": None,
                        "time_begin": f"{day}T{rng.randrange(24):02d}:00:00Z" if day else None,
                        "place": f"spot {j % 300}", "place_id": None, "lat": lat, "lon": lon,
                        "evidence": _weighted(rng, EVIDENCE)[0], "speaker": None, "fatalities": 0,
                        "start": 0, "end": 10, "confidence": 0.8, "snippet": "synthetic event text"})
        if j % 10 == 0:
            day = rng.choice(DAYS)
            obs_rows.append({"run_id": f"r{d:08d}", "id": f"o{j:09d}", "doc_id": f"d{d:08d}",
                             "service": rng.choice(SERVICES), "state": rng.choice(STATES), "date": day,
                             "time_text": None, "period_begin": f"{day}T00:00:00Z",
                             "period_end": f"{day}T23:59:59Z", "place": f"place {j % 40}", "place_id": None,
                             "lat": lat, "lon": lon, "evidence": "witnessed", "speaker": None, "start": 0,
                             "end": 10, "confidence": 0.8, "snippet": "synthetic observation",
                             "qualifiers": {}})
    with store._writer.begin() as conn:
        for table, rows in ((documents, docs), (runs, run_rows), (events, ev_rows), (observations, obs_rows)):
            for part in _chunks(rows):
                conn.execute(sa.insert(table), part)
    store.close()


def make_token(url: str) -> str:
    from khronika.store import Store
    from khronika.store.accounts import create_token, create_user

    store = Store(url)
    try:
        create_user(store, "bench", "analyst", "bench-password-123456")
        return create_token(store, "bench", "bench")
    finally:
        store.close()


def reuse_token(url: str) -> str:
    """A fresh token for the bench user of a kept store (its migrations run first, as the server's do)."""
    from khronika.store import Store
    from khronika.store.accounts import create_token

    store = Store(url)
    try:
        return create_token(store, "bench", "bench")
    finally:
        store.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, port: int, workers: int, home: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KHRONIKA_DB": url, "KHRONIKA_HOME": str(home)}
    if workers <= 1:
        cmd = [str(Path(PY).parent / "khronika"), "serve", "--db", url, "--port", str(port)]
    else:
        cmd = [PY, "-m", "khronika.web.server", "--db", url, "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--log-level", "warning"]
    return subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)


def wait_ready(base: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    import httpx

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise SystemExit(f"server exited early:\n{err[-2000:]}")
        try:
            if httpx.get(base + "/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("server did not come up in time")


def worker_count(pid: int) -> int:
    """Processes serving: the server itself when alone, else its Python children (uvicorn's workers)."""
    children = 0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            cmd = (d / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid and b"spawn_main" in cmd:  # uvicorn's workers (not multiprocessing's tracker)
            children += 1
    return children or 1


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by the server and its worker processes."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(d.name) == pid or int(fields[1]) == pid:  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def endpoints(base: str, headers: dict[str, str]) -> dict[str, str]:
    """Which list and search routes this build has (the documents API may offer either form)."""
    import httpx

    paths = set(httpx.get(base + "/openapi.json", headers=headers, timeout=10).json().get("paths", {}))
    out = {"map": "/api/map", "board": "/api/board"}
    out["list"] = "/api/documents" if "/api/documents" in paths else "/api/timeline"
    search = ("/api/search", "/api/documents/search")
    out["search"] = next((p for p in search if p in paths), "/api/documents")
    return out


def requests_for(kind: str, path: str, n: int, rng: random.Random) -> list[tuple[str, str]]:
    out = []
    for _ in range(n):
        if kind == "map":
            zoom = rng.randint(5, 15)
            lat, lon = rng.gauss(43.25, 0.03), rng.gauss(76.93, 0.03)
            half = 180.0 / 2**zoom * 2  # roughly a laptop screen's box at this zoom
            box = f"{lat - half / 2:.5f},{lon - half:.5f},{lat + half / 2:.5f},{lon + half:.5f}"
            q = f"zoom={zoom}&bbox={box}"
            if rng.random() < 0.5:
                d = rng.randrange(len(DAYS) - 3)
                q += f"&since={DAYS[d]}&until={DAYS[d + 2]}"
            out.append((kind, f"{path}?{q}"))
        elif kind == "search":
            out.append((kind, f"{path}?q={rng.choice(WORDS)}&limit=20"))
        elif kind == "list":
            out.append((kind, f"{path}?limit=50"))
        else:
            out.append((kind, path))
    return out


def run_clients(base: str, headers: dict[str, str], work: list[tuple[str, str]], clients: int,
                think: float = 0.0) -> tuple[dict[str, list[float]], dict[str, int]]:
    import httpx

    lock = threading.Lock()
    times: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    queue = list(work)

    def client(seed: int) -> None:
        pause = random.Random(seed)
        with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
            time.sleep(pause.uniform(0, think))  # clients start spread out, as people do
            while True:
                with lock:
                    if not queue:
                        return
                    kind, url = queue.pop()
                t0 = time.perf_counter()
                try:
                    ok = c.get(url).status_code == 200
                except httpx.HTTPError:
                    ok = False
                ms = (time.perf_counter() - t0) * 1000
                with lock:
                    times.setdefault(kind, []).append(ms)
                    if not ok:
                        errors[kind] = errors.get(kind, 0) + 1
                if think:
                    time.sleep(pause.uniform(0.5 * think, 1.5 * think))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times, errors


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server's process group (uvicorn's workers included)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except ProcessLookupError:  # already gone
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def pct(xs: list[float], p: float) -> float:
    return statistics.quantiles(xs, n=100, method="inclusive")[int(p) - 1] if len(xs) > 1 else xs[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=400, help="requests per endpoint")
    ap.add_argument("--workers", type=int, default=1, help="1: khronika serve; more: khronika.web.server")
    ap.add_argument("--serial", type=int, default=30, help="requests per endpoint from one client first")
    ap.add_argument("--think", type=float, default=1.0, help="seconds each client waits between requests")
    ap.add_argument("--store", type=Path, help="SQLite file to build once and reuse (kept after the run)")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="khronika-bench-web-"))
    db = args.store.resolve() if args.store else tmp / "bench.db"
    url = f"sqlite:///{db}"
    os.environ["KHRONIKA_HOME"] = str(tmp / "home")
    t0 = time.perf_counter()
    reuse = db.exists()
    if not reuse:
        build_store(url, args.events)
    token = reuse_token(url) if reuse else make_token(url)
    print(f"store: {args.events} events, {max(1, args.events // 10)} documents, "
          f"{(args.events + 9) // 10} observations, {'reused' if reuse else 'built'} in "
          f"{time.perf_counter() - t0:.1f} s ({db})")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(url, port, args.workers, tmp / "home")
    try:
        wait_ready(base, proc)
        headers = {"Authorization": f"Bearer {token}"}
        print(f"server: pid {proc.pid}, {worker_count(proc.pid)} worker process(es), {base}")
        routes = endpoints(base, headers)
        rng = random.Random(11)
        work = [r for kind, path in routes.items() for r in requests_for(kind, path, args.requests, rng)]
        rng.shuffle(work)
        # Service time first: one client, no queue (the concurrent numbers add the queue to it).
        serial, _ = run_clients(base, headers, work[: args.serial * len(routes)], 1)
        t1, cpu1 = time.perf_counter(), server_cpu(proc.pid)
        times, errors = run_clients(base, headers, work, args.clients, args.think)
        wall, cpu = time.perf_counter() - t1, server_cpu(proc.pid) - cpu1
    finally:
        stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(work)} requests by {args.clients} clients (think {args.think:g} s) in {wall:.1f} s "
          f"({len(work) / wall:.0f} req/s); server CPU {cpu:.1f} s, {cpu / len(work) * 1000:.1f} ms/request")
    print(f"{'endpoint':<8} {'route':<16} {'n':>5} {'err':>4} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
          f"   {'1 client p50/p95':>16}")
    for kind, path in routes.items():
        xs, one = times.get(kind, []), serial.get(kind, [])
        if xs:
            alone = f"{pct(one, 50):.1f}/{pct(one, 95):.1f}" if one else "-"
            print(f"{kind:<8} {path:<16} {len(xs):>5} {errors.get(kind, 0):>4} {pct(xs, 50):>8.1f} "
                  f"{pct(xs, 95):>8.1f} {pct(xs, 99):>8.1f}   {alone:>16}")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
