"""Small helpers shared by the e2e tests (no fixtures here; see conftest.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
import time
from typing import Any
import uuid

import aiohttp

from custom_components.openclaw.aioopenclaw import ChatEvent, DeviceIdentity, GatewayClient

from .gateway import Gateway

# The first turn after a boot or a config reload takes 4-7 s (measured up to ~15 s on a busy
# 2-core machine); later turns take well under a second.
TURN_TIMEOUT = 60.0


def unique_session() -> str:
    """A fresh session key, so heartbeat and wake turns in the main session never interfere."""
    return f"agent:main:e2e-{uuid.uuid4().hex[:10]}"


def unique_text(label: str) -> str:
    return f"{label} {uuid.uuid4().hex[:8]}"


async def wait_for(probe: Callable[[], Any], timeout: float = 30.0, interval: float = 0.2) -> Any:
    """Poll ``probe()`` until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout:.0f} s")
        await asyncio.sleep(interval)


@asynccontextmanager
async def connected_client(
    gateway: Gateway,
    *,
    identity: DeviceIdentity | None = None,
    url: str | None = None,
    **kwargs: Any,
) -> AsyncIterator[GatewayClient]:
    """A connected ``GatewayClient`` (shared token unless other credentials are given)."""
    if not any(k in kwargs for k in ("token", "device_token", "bootstrap_token")):
        kwargs["token"] = gateway.token
    async with aiohttp.ClientSession() as session:
        client = GatewayClient(
            session,
            url or gateway.ws_url,
            identity=identity or DeviceIdentity.generate(),
            **kwargs,
        )
        try:
            await client.connect()
            yield client
        finally:
            await client.close()


class ChatLog:
    """Every chat event a client delivered to its subscribers, for exactly-once checks."""

    def __init__(self, client: GatewayClient) -> None:
        self.events: list[ChatEvent] = []
        self.unsubscribe = client.subscribe_chat(self.events.append)

    def of(self, run_id: str) -> list[ChatEvent]:
        return [e for e in self.events if e.run_id == run_id]

    def terminal(self, run_id: str) -> list[ChatEvent]:
        return [e for e in self.of(run_id) if e.state.terminal]


class TcpProxy:
    """A loopback TCP relay in front of the gateway that a test can cut and restore.

    ``cut()`` drops every relayed connection and refuses new ones (as a network outage
    would); ``restore()`` listens again on the same port.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._relay, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        self._writers.update((writer, up_writer))
        for src, dst in ((reader, up_writer), (up_reader, writer)):
            task = asyncio.create_task(self._pipe(src, dst))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        try:
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()
        except OSError:
            pass
        finally:
            dst.close()

    async def cut(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()  # an abrupt drop, no close handshake
        self._writers.clear()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)
        if server is not None:
            await server.wait_closed()  # 3.12+: also waits for the relayed connections

    async def restore(self) -> None:
        await self.start()

    async def close(self) -> None:
        await self.cut()
