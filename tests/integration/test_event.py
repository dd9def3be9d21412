"""The run event entity against the fake gateway: one event per run transition."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN, Platform
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from tests.fake_gateway import FakeGateway
from tests.integration.helpers import snapshot_entities, wait_for

MAIN = "agent:main:main"
RUN_EVENT = "event.main_run"


def record_events(hass: HomeAssistant) -> list[dict[str, Any]]:
    """Every event the entity fires: its type and attributes.

    An event is a new timestamp state; going unavailable and back is not one.
    """
    fired: list[dict[str, Any]] = []
    current = hass.states.get(RUN_EVENT)
    last = [current.state if current else None]

    @callback
    def on_change(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if new is None or new.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            return
        if new.state != last[0]:
            last[0] = new.state
            fired.append(dict(new.attributes))

    async_track_state_change_event(hass, [RUN_EVENT], on_change)
    return fired


async def test_snapshot(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await snapshot_entities(hass, mock_config_entry, Platform.EVENT, entity_registry, snapshot)


async def test_run_fires_started_then_final(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    fired = record_events(hass)
    fake_gateway.script_reply(chunks=["Hel", "lo", " there"], delay=0.05)
    client = setup_integration.runtime_data.client

    handle = await client.chat_send(MAIN, "hi")
    await handle.wait(5)
    await wait_for(hass, lambda: len(fired) >= 2)
    await asyncio.sleep(0.1)  # nothing more may follow
    await hass.async_block_till_done()

    assert [e["event_type"] for e in fired] == ["started", "final"]
    assert all(e["run_id"] == handle.run_id for e in fired)
    assert "error" not in fired[-1]


async def test_error_run_fires_error_once(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    """The gateway sends two ``error`` events for a failed run; the entity fires once."""
    fired = record_events(hass)
    fake_gateway.script_reply(chunks=["partial"], error="rate limited by provider")
    client = setup_integration.runtime_data.client

    handle = await client.chat_send(MAIN, "fail")
    assert (await handle.result(5)).state == "error"
    await wait_for(hass, lambda: len(fired) >= 2)
    await asyncio.sleep(0.2)
    await hass.async_block_till_done()

    assert [e["event_type"] for e in fired] == ["started", "error"]
    assert fired[-1]["error"] == "rate limited by provider"
    assert fired[-1]["run_id"] == handle.run_id


async def test_aborted_run(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    fired = record_events(hass)
    fake_gateway.script_reply(chunks=["slow"], hang=True)
    client = setup_integration.runtime_data.client

    handle = await client.chat_send(MAIN, "take your time")
    await wait_for(hass, lambda: len(fired) == 1)
    await client.chat_abort(MAIN)
    assert (await handle.result(5)).state == "aborted"
    await wait_for(hass, lambda: len(fired) == 2)

    assert [e["event_type"] for e in fired] == ["started", "aborted"]


async def test_runs_of_other_sessions_do_not_fire(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    fired = record_events(hass)
    client = setup_integration.runtime_data.client

    await (await client.chat_send("agent:main:elsewhere", "hi")).wait(5)
    await (await client.chat_send(MAIN, "hi")).wait(5)
    await wait_for(hass, lambda: len(fired) >= 2)
    await asyncio.sleep(0.1)
    await hass.async_block_till_done()

    assert [e["event_type"] for e in fired] == ["started", "final"]


async def test_reconnect_fires_nothing(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    client = setup_integration.runtime_data.client
    await (await client.chat_send(MAIN, "hi")).wait(5)
    await hass.async_block_till_done(wait_background_tasks=True)  # the final's usage lookup
    fired = record_events(hass)

    await fake_gateway.drop_all()
    await wait_for(hass, lambda: hass.states.get(RUN_EVENT).state == STATE_UNAVAILABLE)
    await wait_for(hass, lambda: hass.states.get(RUN_EVENT).state != STATE_UNAVAILABLE)

    assert fired == []
