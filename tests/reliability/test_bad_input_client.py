"""Bad input at the client layer, where the integration's view needs the library's answer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from custom_components.openclaw.aioopenclaw import (
    ChatEvent,
    DeviceIdentity,
    GatewayClient,
    RunState,
)
from custom_components.openclaw.aioopenclaw.errors import DeviceTokenMismatchError
from tests.fake_gateway import FakeGateway


async def test_a_revoked_device_with_a_dead_shared_token_reports_it_once(
    fake: FakeGateway,
    make_client: Callable[..., GatewayClient],
    record: Callable[..., None],
) -> None:
    """The device token is revoked and the shared token rotated: the one fallback to the
    shared token fails too, so the client must stop and report it (the integration then
    asks for re-authentication), not retry forever."""
    identity = DeviceIdentity.generate()
    client = make_client(fake.url, token=fake.token, identity=identity)
    reported: list[BaseException] = []
    client.subscribe_connection(lambda _up, err: reported.append(err) if err else None)
    await client.connect()
    fake.rotate_token("rotated-token")
    fake.revoke(identity.device_id)
    await asyncio.sleep(1.0)  # ~10 attempts at this test's backoff if it kept going
    attempts = fake.stats.connect_attempts
    record(
        "bad_input",
        [
            "revoked device token + rotated shared token",
            "client",
            type(reported[0]).__name__ if reported else "none reported",
            f"{attempts - 1} reconnect attempts in 1 s",
        ],
    )
    assert [type(e) for e in reported] == [DeviceTokenMismatchError]
    assert attempts <= 3  # the device token, then the shared token once
    assert not client.connected


async def test_a_slow_consumer_of_a_run_loses_nothing(
    fake: FakeGateway,
    make_client: Callable[..., GatewayClient],
    record: Callable[..., None],
) -> None:
    """The gateway streams 300 deltas at once; the code reading the run takes 2 ms per event.
    Every delta arrives, in order, then the final once; the link stays up meanwhile."""
    pieces = [f"d{i} " for i in range(300)]
    fake.script_reply(chunks=pieces)
    client = make_client(fake.url, token=fake.token)
    await client.connect()
    handle = await client.chat_send("agent:main:main", "flood me")
    seen: list[ChatEvent] = []
    async for event in handle.events():
        seen.append(event)
        await asyncio.sleep(0.002)
    deltas = [e.delta for e in seen if e.state is RunState.DELTA]
    ends = [e for e in seen if e.state.terminal]
    record(
        "bad_input",
        [
            "slow consumer (2 ms per event, 300 deltas)",
            "client",
            "none needed",
            f"{len(deltas)} deltas, {len(ends)} final, {client.reconnects} reconnects",
        ],
    )
    assert "".join(deltas) == "".join(pieces)
    assert [e.state for e in ends] == [RunState.FINAL]
    assert client.reconnects == 0
