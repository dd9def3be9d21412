"""The abort button against the fake gateway (``chat.abort``)."""

from __future__ import annotations

from homeassistant.components.button import DOMAIN as BUTTON_DOMAIN, SERVICE_PRESS
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from tests.fake_gateway import FakeGateway
from tests.integration.helpers import snapshot_entities, wait_for

MAIN = "agent:main:main"
ABORT = "button.main_abort_run"
RUN_STATE = "sensor.main_run_state"


async def press(hass: HomeAssistant) -> None:
    await hass.services.async_call(
        BUTTON_DOMAIN, SERVICE_PRESS, {ATTR_ENTITY_ID: ABORT}, blocking=True
    )


async def test_snapshot(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await snapshot_entities(hass, mock_config_entry, Platform.BUTTON, entity_registry, snapshot)


async def test_abort_stops_a_slow_run(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    fake_gateway.script_reply(chunks=["Once", " upon", " a", " time", "…"] * 20, delay=0.2)
    client = setup_integration.runtime_data.client
    handle = await client.chat_send(MAIN, "tell me a long story")
    await wait_for(hass, lambda: hass.states.get(RUN_STATE).state == "running")

    await press(hass)

    result = await handle.result(5)
    assert result.state == "aborted"
    assert fake_gateway.runs.runs[handle.run_id].state == "aborted"
    await wait_for(hass, lambda: hass.states.get(RUN_STATE).state == "aborted")
    assert fake_gateway.stats.requests["chat.abort"] == 1


async def test_abort_with_nothing_running_is_fine(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    await press(hass)

    assert fake_gateway.stats.requests["chat.abort"] == 1
    assert hass.states.get(RUN_STATE).state == "idle"


async def test_unavailable_while_disconnected(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    await fake_gateway.go_offline()
    await wait_for(hass, lambda: hass.states.get(ABORT).state == STATE_UNAVAILABLE)
    await fake_gateway.go_online()
    await wait_for(hass, lambda: hass.states.get(ABORT).state != STATE_UNAVAILABLE, timeout=10)

    fake_gateway.script_reply(chunks=["x"], hang=True)
    client = setup_integration.runtime_data.client
    handle = await client.chat_send(MAIN, "again")
    await wait_for(hass, lambda: hass.states.get(RUN_STATE).state == "running")
    await press(hass)
    assert (await handle.result(5)).state == "aborted"
