"""Fuzzed frames over a real socket: the fake gateway sends them while a run streams.

A frame the client cannot use must be ignored: no reader crash (logged as an unexpected
error), no reconnect, the connection keeps answering, and the run in flight still ends
exactly once with its whole text.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import json
import logging

import pytest

from custom_components.openclaw.aioopenclaw import ConnectionClosedError, GatewayClient
from tests.fake_gateway import FakeGateway

from .chaos import Observer
from .fuzzing import FuzzCounts, examples, frames
from .test_fuzz_parsers import ODD_FRAMES

MAIN = "agent:main:main"
FRAMES = 300


def _well_formed(frame: str) -> bool:
    """A JSON object of a frame type the client reads (else it must ignore it)."""
    try:
        data = json.loads(frame)
    except ValueError, RecursionError:
        return False
    return isinstance(data, dict) and data.get("type") in ("event", "res")


async def _answering(client: GatewayClient) -> None:
    """The connection answers a request (after reconnecting, if the frame broke it)."""
    for _attempt in range(5):
        await client.wait_connected(10)
        try:
            await client.health()
        except ConnectionClosedError:
            await asyncio.sleep(0.05)
        else:
            return
    raise AssertionError("the connection did not recover")


async def test_fuzzed_frames_over_the_wire(
    fake: FakeGateway,
    make_client: Callable[..., GatewayClient],
    record: Callable[..., None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="custom_components.openclaw.aioopenclaw")
    batch = ODD_FRAMES + examples(frames(["stray-1", "stray-2"]), FRAMES)
    client = make_client(fake.url, token=fake.token)
    await client.connect()
    observer = Observer(client)
    pieces = [f"p{i} " for i in range(60)]
    fake.script_reply(chunks=pieces, delay=0.01)
    handle = await client.chat_send(MAIN, "fuzz me", idempotency_key="fuzz-run")

    counts = FuzzCounts("WS frames over the wire (fake gateway)", recovered=0)
    broke: list[str] = []
    for frame in batch:
        reconnects = client.reconnects
        outages = len(observer.outages)
        fake.send_raw(frame)
        await _answering(client)
        counts.examples += 1
        assert isinstance(counts.recovered, int)
        counts.recovered += 1
        if client.reconnects != reconnects or len(observer.outages) != outages:
            broke.append(frame[:120])
    crashes = [r for r in caplog.records if "unexpected error" in r.getMessage()]
    counts.unhandled = [("reader crash", f) for f in broke]
    counts.typed = sum(not _well_formed(f) for f in batch)
    counts.accepted = counts.examples - counts.typed - len(broke)
    result = await handle.wait(10)
    record("fuzz", counts.row())

    assert broke == [], f"{len(broke)} frames cost a reconnect ({len(crashes)} reader crashes)"
    assert crashes == []
    assert result.text == "".join(pieces)
    assert len(observer.terminal["fuzz-run"]) == 1
