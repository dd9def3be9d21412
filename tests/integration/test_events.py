"""``openclaw_run`` bus events: coalesced deltas, and each terminal state exactly once."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events

from custom_components.openclaw.aioopenclaw import DeviceIdentity, GatewayClient
from custom_components.openclaw.const import CONF_DELTA_RATE, EVENT_RUN
from tests.fake_gateway import FakeGateway

MAIN = "agent:main:main"


async def run_and_collect(
    hass: HomeAssistant, entry: MockConfigEntry, message: str, *, timeout: float = 10
) -> list[Event[dict[str, Any]]]:
    events = async_capture_events(hass, EVENT_RUN)
    client = entry.runtime_data.client
    handle = await client.chat_send(MAIN, message)
    await handle.result(timeout)
    await asyncio.sleep(0.3)  # a second error event or a stray timer would land by now
    await hass.async_block_till_done()
    return [e for e in events if e.data["run_id"] == handle.run_id]


def states(events: list[Event[dict[str, Any]]]) -> list[str]:
    return [e.data["state"] for e in events]


async def test_a_fast_stream_is_coalesced_and_nothing_is_lost(
    hass: HomeAssistant, fake_gateway: FakeGateway, setup_integration: MockConfigEntry
) -> None:
    chunks = [f"w{i} " for i in range(60)]
    fake_gateway.script_reply(chunks=chunks, delay=0.02)
    started = time.monotonic()
    events = await run_and_collect(hass, setup_integration, "stream")
    duration = time.monotonic() - started
    assert states(events)[0] == "started"
    assert states(events)[-1] == "final"
    assert states(events).count("started") == 1 and states(events).count("final") == 1
    deltas = [e for e in events if e.data["state"] == "delta"]
    # Default rate: 4 per second. Bounded by the rate times the duration, whatever the count.
    assert 1 <= len(deltas) <= 4 * duration + 2
    assert len(deltas) < len(chunks)
    final = events[-1].data
    assert final["text"] == "".join(chunks)
    assert "".join(e.data["delta"] for e in deltas) == final["text"][: len(deltas[-1].data["text"])]
    assert final["usage"] is not None and final["usage"]["total_tokens"]
    assert final["session_key"] == MAIN
    assert final["config_entry_id"] == setup_integration.entry_id


@pytest.mark.parametrize("entry_options", [{CONF_DELTA_RATE: 1000.0}])
async def test_a_high_rate_passes_every_delta(
    hass: HomeAssistant, fake_gateway: FakeGateway, setup_integration: MockConfigEntry
) -> None:
    chunks = ["a ", "b ", "c ", "d"]
    fake_gateway.script_reply(chunks=chunks, delay=0.05)
    events = await run_and_collect(hass, setup_integration, "every delta")
    assert [e.data["delta"] for e in events if e.data["state"] == "delta"] == chunks


async def test_an_error_run_fires_one_error(
    hass: HomeAssistant, fake_gateway: FakeGateway, setup_integration: MockConfigEntry
) -> None:
    fake_gateway.script_reply(error="LLM request failed")
    events = await run_and_collect(hass, setup_integration, "fail")
    assert states(events).count("error") == 1
    error = next(e for e in events if e.data["state"] == "error")
    assert error.data["error"] == "LLM request failed"
    assert "final" not in states(events)


async def test_abort_fires_aborted_once(
    hass: HomeAssistant, fake_gateway: FakeGateway, setup_integration: MockConfigEntry
) -> None:
    fake_gateway.script_reply(chunks=["slow "], delay=0.1, hang=True)
    events = async_capture_events(hass, EVENT_RUN)
    client = setup_integration.runtime_data.client
    handle = await client.chat_send(MAIN, "abort me")
    async for event in handle.events():
        if event.delta:
            break
    await client.chat_abort(MAIN, handle.run_id)
    await handle.result(5)
    await hass.async_block_till_done()
    mine = [e for e in events if e.data["run_id"] == handle.run_id]
    assert states(mine).count("aborted") == 1
    assert mine[-1].data["text"] == "slow "


async def test_a_drop_mid_run_still_gives_exactly_one_final(
    hass: HomeAssistant, fake_gateway: FakeGateway, setup_integration: MockConfigEntry
) -> None:
    fake_gateway.script_reply(chunks=["x ", "y ", "z"], delay=0.1)
    fake_gateway.faults.drop_before_final = True
    events = await run_and_collect(hass, setup_integration, "drop", timeout=15)
    assert states(events).count("final") == 1
    assert events[-1].data["text"] == "x y z"


async def test_runs_started_elsewhere_are_reported_too(
    hass: HomeAssistant, fake_gateway: FakeGateway, setup_integration: MockConfigEntry
) -> None:
    """Every operator sees every run: another client's run reaches the bus once."""
    events = async_capture_events(hass, EVENT_RUN)
    other = GatewayClient(
        async_get_clientsession(hass),
        fake_gateway.url,
        identity=DeviceIdentity.generate(),
        token=fake_gateway.token,
    )
    await other.connect()
    try:
        handle = await other.chat_send(MAIN, "from the phone app")
        await handle.result(5)
    finally:
        await other.close()
    await asyncio.sleep(0.1)
    await hass.async_block_till_done()
    mine = [e for e in events if e.data["run_id"] == handle.run_id]
    assert states(mine)[0] == "started" and states(mine).count("final") == 1
