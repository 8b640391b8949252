"""Scale-out ingest: extraction in Dask worker processes, store writes in batches from one writer.

    khronika ingest archive/ --workers 2                        # a LocalCluster on this machine
    khronika ingest archive/ --scheduler tcp://10.0.0.5:8786    # an existing Dask cluster

Nothing here imports Dask until a parallel job starts, so the serial path pays no start-up cost.
"""

from __future__ import annotations

from .parallel import ParallelOptions, run_parallel

__all__ = ["ParallelOptions", "run_parallel"]
