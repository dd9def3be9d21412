"""Sensors against the fake gateway: reply, run state, usage, gateway version, active runs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from unittest.mock import PropertyMock, patch

from homeassistant.components.recorder import Recorder
from homeassistant.components.recorder.history import get_significant_states
from homeassistant.const import STATE_UNKNOWN, Platform
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, State, callback
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    mock_restore_cache,
    snapshot_platform,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.openclaw.const import (
    CONF_DELTA_RATE,
    CONF_SESSIONS,
    DOMAIN,
    MAX_REPLY_ATTRIBUTE,
    MAX_STATE_LENGTH,
)
from tests.fake_gateway import FakeGateway
from tests.integration.helpers import wait_for

MAIN = "agent:main:main"
REPLY = "sensor.main_latest_reply"
RUN_STATE = "sensor.main_run_state"
TOKENS = "sensor.main_last_run_tokens"
INPUT_TOKENS = "sensor.main_last_run_input_tokens"
OUTPUT_TOKENS = "sensor.main_last_run_output_tokens"
ACTIVE_RUNS = "sensor.openclaw_127_0_0_1_active_runs"
VERSION = "sensor.openclaw_127_0_0_1_version"


@pytest.fixture
def mock_recorder_before_hass(async_test_recorder: Any) -> None:
    """The recorder test needs its database prepared before ``hass`` starts."""


@pytest.fixture
def enable_all_entities() -> Iterator[None]:
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        new_callable=PropertyMock,
        return_value=True,
    ):
        yield


def record_states(hass: HomeAssistant, entity_id: str) -> list[str]:
    seen: list[str] = []

    @callback
    def on_change(event: Event[EventStateChangedData]) -> None:
        if (new := event.data["new_state"]) is not None:
            seen.append(new.state)

    async_track_state_change_event(hass, [entity_id], on_change)
    return seen


def dedupe(states: list[str]) -> list[str]:
    return [s for i, s in enumerate(states) if i == 0 or states[i - 1] != s]


@pytest.mark.usefixtures("enable_all_entities")
async def test_snapshot(
    hass: HomeAssistant,
    fake_gateway: FakeGateway,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    with patch("custom_components.openclaw.PLATFORMS", [Platform.SENSOR]):
        mock_config_entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
        await hass.async_block_till_done()
    # One finished run, with a fixed run id, so the snapshot shows filled-in states.
    usage = {"input": 1000, "output": 5, "totalTokens": 1005}
    fake_gateway.script_reply(text="Snapshot reply.", usage=usage)
    client = mock_config_entry.runtime_data.client
    await (await client.chat_send(MAIN, "hi", idempotency_key="run-snapshot")).wait(5)
    await wait_for(hass, lambda: hass.states.get(TOKENS).state == "1005")

    await snapshot_platform(hass, entity_registry, snapshot, mock_config_entry.entry_id)
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_usage_details_disabled_by_default(
    hass: HomeAssistant, setup_integration: MockConfigEntry, entity_registry: er.EntityRegistry
) -> None:
    for entity_id in (INPUT_TOKENS, OUTPUT_TOKENS):
        entry = entity_registry.async_get(entity_id)
        assert entry is not None
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert hass.states.get(TOKENS) is not None


async def test_run_updates_reply_state_and_usage(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    run_states = record_states(hass, RUN_STATE)
    active = record_states(hass, ACTIVE_RUNS)
    usage = {"input": 1200, "output": 34, "cacheRead": 0, "cacheWrite": 0, "totalTokens": 1234}
    fake_gateway.script_reply(chunks=["Hello", " from", " the", " agent."], delay=0.05, usage=usage)
    client = setup_integration.runtime_data.client

    handle = await client.chat_send(MAIN, "hi")
    await handle.wait(5)
    await wait_for(hass, lambda: hass.states.get(RUN_STATE).state == "idle")

    assert dedupe(run_states) == ["running", "idle"]
    assert dedupe(active) == ["1", "0"]
    reply = hass.states.get(REPLY)
    assert reply.state == "Hello from the agent."
    assert reply.attributes["full_text"] == "Hello from the agent."
    assert reply.attributes["run_id"] == handle.run_id
    assert hass.states.get(RUN_STATE).attributes["run_id"] == handle.run_id
    assert hass.states.get(TOKENS).state == "1234"


async def test_reply_streams_into_the_state(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    """Deltas reach the state while the run is going (coalesced, not only at the end)."""
    replies = record_states(hass, REPLY)
    fake_gateway.script_reply(chunks=["one", " two", " three"], delay=0.4)
    client = setup_integration.runtime_data.client

    handle = await client.chat_send(MAIN, "count")
    await handle.wait(5)
    await wait_for(hass, lambda: hass.states.get(RUN_STATE).state == "idle")

    assert replies[-1] == "one two three"
    # Pieces 0.4 s apart exceed the 0.25 s coalescing interval: each prefix was shown.
    assert "one" in replies
    assert "one two" in replies


async def test_long_reply_is_capped(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    text = "".join(f"word{i} " for i in range(4000))  # ~30 KB
    fake_gateway.script_reply(chunks=[text])
    client = setup_integration.runtime_data.client

    handle = await client.chat_send(MAIN, "long")
    await handle.wait(5)
    await wait_for(hass, lambda: hass.states.get(RUN_STATE).state == "idle")

    reply = hass.states.get(REPLY)
    assert len(reply.state) == MAX_STATE_LENGTH
    assert reply.state.endswith("…")
    assert text.startswith(reply.state[:-1])
    full = reply.attributes["full_text"]
    assert len(full) == MAX_REPLY_ATTRIBUTE
    assert text.startswith(full[:-1])


async def test_full_text_not_recorded(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    fake_gateway: FakeGateway,
) -> None:
    start = dt_util.utcnow() - timedelta(seconds=1)
    fake_gateway.script_reply(text="A reply worth keeping out of the database.")
    client = setup_integration.runtime_data.client
    handle = await client.chat_send(MAIN, "hi")
    await handle.wait(5)
    await wait_for(hass, lambda: hass.states.get(REPLY).state.endswith("database."))
    assert hass.states.get(REPLY).attributes["full_text"]
    await async_wait_recording_done(hass)

    history = await hass.async_add_executor_job(get_significant_states, hass, start, None, [REPLY])
    recorded = history[REPLY]
    assert recorded[-1].state == "A reply worth keeping out of the database."
    for state in recorded:
        assert "full_text" not in state.attributes
        assert "run_id" in state.attributes


async def test_reply_restored_after_restart(
    hass: HomeAssistant, fake_gateway: FakeGateway, mock_config_entry: MockConfigEntry
) -> None:
    full = "Yesterday's answer. " * 30
    mock_restore_cache(
        hass,
        [State(REPLY, full[: MAX_STATE_LENGTH - 1] + "…", {"full_text": full, "run_id": "old"})],
    )
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    reply = hass.states.get(REPLY)
    assert reply.state == full[: MAX_STATE_LENGTH - 1] + "…"
    assert reply.attributes["full_text"] == full
    assert reply.attributes["run_id"] == "old"

    # The next run replaces it.
    fake_gateway.script_reply(text="Today's answer.")
    client = mock_config_entry.runtime_data.client
    handle = await client.chat_send(MAIN, "hi")
    await handle.wait(5)
    await wait_for(hass, lambda: hass.states.get(REPLY).state == "Today's answer.")
    assert hass.states.get(REPLY).attributes["run_id"] == handle.run_id
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_error_run(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    run_states = record_states(hass, RUN_STATE)
    fake_gateway.script_reply(chunks=["partial"], error="model exploded")
    client = setup_integration.runtime_data.client

    handle = await client.chat_send(MAIN, "fail please")
    assert (await handle.result(5)).state == "error"
    await wait_for(hass, lambda: hass.states.get(RUN_STATE).state == "error")
    # The fake sends the error twice (as the real gateway does); the state changes once.
    await asyncio.sleep(0.1)
    await hass.async_block_till_done()

    assert dedupe(run_states) == ["running", "error"]
    state = hass.states.get(RUN_STATE)
    assert state.attributes["error"] == "model exploded"
    assert state.attributes["run_id"] == handle.run_id


async def test_active_runs_counts_parallel_runs(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    fake_gateway: FakeGateway,
) -> None:
    fake_gateway.script_reply(chunks=["a"], hang=True, count=2)
    client = setup_integration.runtime_data.client

    await client.chat_send(MAIN, "one")
    await client.chat_send("agent:main:other", "two")
    await wait_for(hass, lambda: hass.states.get(ACTIVE_RUNS).state == "2")
    await client.chat_abort(MAIN)
    await wait_for(hass, lambda: hass.states.get(ACTIVE_RUNS).state == "1")
    await client.chat_abort("agent:main:other")
    await wait_for(hass, lambda: hass.states.get(ACTIVE_RUNS).state == "0")
    assert hass.states.get(RUN_STATE).state == "aborted"


async def test_version(hass: HomeAssistant, setup_integration: MockConfigEntry) -> None:
    assert hass.states.get(VERSION).state == "2026.9.6"


@pytest.fixture
def entry_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    return dict(getattr(request, "param", {}))


@pytest.mark.parametrize("entry_options", [{CONF_SESSIONS: ["agent:main:kitchen"]}], indirect=True)
async def test_chosen_session_gets_its_entities(
    hass: HomeAssistant,
    setup_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    fake_gateway: FakeGateway,
) -> None:
    assert hass.states.get("sensor.main_kitchen_latest_reply") is not None
    assert hass.states.get(REPLY) is not None

    fake_gateway.script_reply(text="Lights are off.")
    client = setup_integration.runtime_data.client
    handle = await client.chat_send("agent:main:kitchen", "lights off")
    await handle.wait(5)
    await wait_for(
        hass,
        lambda: (
            hass.states.get("sensor.main_kitchen_run_state").state == "idle"
            and hass.states.get("sensor.main_kitchen_latest_reply").state == "Lights are off."
        ),
    )
    # A run in another session leaves the main session's state alone.
    assert hass.states.get(REPLY).state == STATE_UNKNOWN

    entry_id = setup_integration.entry_id
    gateway = device_registry.async_get_device_by_identifier((DOMAIN, entry_id), entry_id)
    kitchen = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{entry_id}_agent:main:kitchen"), entry_id
    )
    assert gateway is not None
    assert kitchen is not None
    assert kitchen.via_device_id == gateway.id


async def test_exposing_a_session_in_options_adds_it(
    hass: HomeAssistant,
    fake_gateway: FakeGateway,
    setup_integration: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    assert hass.states.get("sensor.main_garden_latest_reply") is None
    fake_gateway.add_message("agent:main:garden", "user", "water the tomatoes")

    flow = await hass.config_entries.options.async_init(setup_integration.entry_id)
    result = await hass.config_entries.options.async_configure(
        flow["flow_id"], {CONF_SESSIONS: ["agent:main:garden"], CONF_DELTA_RATE: 4.0}
    )
    assert result["type"] == "create_entry"
    await hass.async_block_till_done()
    await wait_for(
        hass, lambda: hass.states.get("sensor.main_garden_run_state") is not None, timeout=15
    )

    assert hass.states.get("sensor.main_garden_run_state").state == "idle"
    entry_id = setup_integration.entry_id
    assert device_registry.async_get_device_by_identifier(
        (DOMAIN, f"{entry_id}_agent:main:garden"), entry_id
    )


@pytest.mark.parametrize(
    "entry_options", [{CONF_SESSIONS: ["agent:main:fake-1234"]}], indirect=True
)
async def test_thousands_of_sessions_expose_only_the_chosen(
    hass: HomeAssistant,
    fake_gateway: FakeGateway,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    keys = fake_gateway.add_sessions(10_000)
    chosen = "agent:main:fake-1234"
    assert chosen in keys
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    entry_id = mock_config_entry.entry_id
    devices = dr.async_entries_for_config_entry(device_registry, entry_id)
    identifiers = {ident for device in devices for _, ident in device.identifiers}
    assert identifiers == {entry_id, f"{entry_id}_{MAIN}", f"{entry_id}_{chosen}"}
    entities = er.async_entries_for_config_entry(entity_registry, entry_id)
    per_session = len(entities) - 3  # connection, version, active runs
    assert per_session % 2 == 0
    assert all(e.device_id in {d.id for d in devices} for e in entities)
    await hass.config_entries.async_unload(entry_id)
