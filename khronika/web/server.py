"""Serving the app with uvicorn in one or several worker processes.

    python -m khronika.web.server [--db URL] [--host 127.0.0.1] [--port 8765] [--workers N]

With `workers` > 1, uvicorn binds the socket itself with socket.socket(family) (protocol number 0), and
asyncio sets TCP_NODELAY only on sockets whose protocol is IPPROTO_TCP: the workers' connections keep
Nagle's algorithm, and a small response, written as headers then body, waits for the client's delayed
ACK (about 40 ms on Linux). `NoDelayH11Protocol` sets TCP_NODELAY on every connection, as a single
uvicorn process does already. Each worker opens its own Store (from KHRONIKA_DB) and keeps its own
caches; SQLite in WAL mode serves readers in several processes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol

APP = "khronika.web.app:create_app"


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, with TCP_NODELAY on the connection's socket."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)  # type: ignore[arg-type]  # uvicorn's narrower annotation


def run(db: str, host: str = "127.0.0.1", port: int = 8765, workers: int = 1,
        log_level: str = "info") -> None:
    """uvicorn on the app factory, `workers` processes sharing the socket, each app on the store `db`."""
    import uvicorn

    os.environ["KHRONIKA_DB"] = db  # read by create_app() in each worker process
    uvicorn.run(APP, factory=True, host=host, port=port, workers=workers, http=NoDelayH11Protocol,
                log_level=log_level, proxy_headers=False, server_header=False)


def main() -> None:
    from ..store.store import resolve_url

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", default=None)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--log-level", default="info")
    args = ap.parse_args()
    run(resolve_url(args.db), args.host, args.port, args.workers, args.log_level)


if __name__ == "__main__":
    main()
