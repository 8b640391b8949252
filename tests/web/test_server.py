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


def test_uvicorn_alone_leaves_nagle_on_for_such_a_socket() -> None:
    assert _run(H11Protocol) == 0  # the problem khronika.web.server works around


def test_worker_connections_get_tcp_nodelay() -> None:
    assert _run(NoDelayH11Protocol) != 0
