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
    **kwargs: Any,
) -> AsyncIterator[GatewayClient]:
    """A connected ``GatewayClient`` (shared token unless other credentials are given)."""
    if not any(k in kwargs for k in ("token", "device_token", "bootstrap_token")):
        kwargs["token"] = gateway.token
    async with aiohttp.ClientSession() as session:
        client = GatewayClient(
            session, gateway.ws_url, identity=identity or DeviceIdentity.generate(), **kwargs
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
