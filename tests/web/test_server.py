"""Worker connections get TCP_NODELAY: on a listening socket made the way uvicorn makes it for several
workers (socket.socket(family), protocol number 0), asyncio leaves Nagle's algorithm on, and small
responses wait for the client's delayed ACK. No timing here: the socket option itself is read."""

from __future__ import annotations

import asyncio
import socket
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from khronika.web.server import NoDelayH11Protocol


async def _app(scope: Any, receive: Any, send: Any) -> None:  # never called: no request is sent
    raise AssertionError("no request expected")


async def _nodelay_of(protocol_class: type[H11Protocol]) -> int:
    """TCP_NODELAY of the server side of one connection accepted by `protocol_class`."""
    config = Config(app=_app, log_level="warning", lifespan="off")
    state = ServerState()
    made: list[H11Protocol] = []

    def factory() -> H11Protocol:
        made.append(protocol_class(config=config, server_state=state, app_state={}))
        return made[-1]

    listener = socket.socket(family=socket.AF_INET)  # as uvicorn's Config.bind_socket does
    listener.bind(("127.0.0.1", 0))
    server = await asyncio.get_running_loop().create_server(factory, sock=listener)
    try:
        _reader, writer = await asyncio.open_connection(*listener.getsockname())
        for _ in range(200):  # until the server side has accepted (no wall-clock assumption)
            if made and getattr(made[0], "transport", None) is not None:
                break
            await asyncio.sleep(0.01)
        sock = made[0].transport.get_extra_info("socket")
        value = int(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        writer.close()
        await writer.wait_closed()
        return value
    finally:
        server.close()
        await server.wait_closed()


def _run(protocol_class: type[H11Protocol]) -> int:
    # In a thread of its own: the browser tests' Playwright may keep an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _nodelay_of(protocol_class)).result(timeout=30)


def test_worker_connections_get_tcp_nodelay() -> None:
    assert _run(NoDelayH11Protocol) != 0


def test_serve_with_two_workers_answers_from_two_processes(tmp_path: Any) -> None:
    """`khronika serve --workers 2`: a first-run admin, two server processes, pages that answer."""
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    import psutil

    from .live import free_port

    port = free_port()
    env = {**os.environ, "KHRONIKA_HOME": str(tmp_path / "home")}
    cmd = [sys.executable, "-m", "khronika.cli", "serve", "--workers", "2", "--port", str(port),
           "--db", f"sqlite:///{tmp_path / 'k.db'}"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        status = 0
        for _ in range(300):  # start-up, not speed: up to a minute on a busy machine
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                    status = r.status
                break
            except OSError:
                time.sleep(0.2)
        assert status == 200
        servers = [c for c in psutil.Process(proc.pid).children(recursive=True) if "multiprocessing" in
                   " ".join(c.cmdline())]
        assert len(servers) >= 2, [c.cmdline() for c in psutil.Process(proc.pid).children(recursive=True)]
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert "One-time password" in out
