"""A Dask client: on an existing cluster (`--scheduler`), or on a LocalCluster of worker processes."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from ..errors import ConfigError

if TYPE_CHECKING:
    from distributed import Client, LocalCluster

CONNECT_TIMEOUT = "15s"

# Diagnostics a local run never shows (it has no dashboard) but pays for on the cores it shares with
# the writer: a stack sample of the task thread every 10 ms, GIL polling, a system poll twice a second,
# a memory poll of each worker ten times a second (once a second still catches a runaway worker).
QUIET_WORKERS = {
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.gil.enabled": False,
    "distributed.admin.system-monitor.interval": "5s",
}


@contextmanager
def dask_client(workers: int, scheduler: str | None) -> Iterator[Client]:
    """Processes, not threads: the pipeline is CPU-bound Python and would serialise on the GIL."""
    from distributed import Client

    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, ValueError) as e:
            raise ConfigError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from e
        with client:
            yield client
        return
    with local_cluster(workers) as cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        client.run(yield_to_writer)
        yield client


WORKER_NICENESS = 10


def yield_to_writer() -> None:
    """Lower this (local worker) process's CPU priority.

    The single writer process bounds a local run: when the workers and the writer share the cores, a
    writer at the same priority gets only its fair share (2/3 of a core with two workers on two cores)
    and the run waits for it. At a lower priority, the workers use what the writer leaves idle.
    """
    with contextlib.suppress(OSError, AttributeError):  # no nice() here, or not allowed: just slower
        os.nice(WORKER_NICENESS)


def local_cluster(workers: int) -> LocalCluster:
    """Worker processes on this machine; everything listens on loopback only, and no dashboard runs."""
    import dask
    from distributed import LocalCluster

    # The scheduler always starts an HTTP server (health, metrics); serve no routes from it, on a
    # random loopback port (a fixed 8787 would clash with any other cluster on the machine).
    with dask.config.set({"distributed.scheduler.http.routes": [], **QUIET_WORKERS}):
        return LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
            silence_logs=logging.ERROR,
        )


def worker_slots(client: Client) -> int:
    """How many tasks the cluster runs at once (threads over all workers)."""
    info = client.scheduler_info()
    return max(1, sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values()))
