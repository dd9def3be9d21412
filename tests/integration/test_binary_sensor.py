"""The connection binary sensor, and every entity's availability, against the fake gateway."""

from __future__ import annotations

from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, Platform
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.event import async_track_state_change_event
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from tests.fake_gateway import FakeGateway
from tests.integration.helpers import snapshot_entities, wait_for

CONNECTION = "binary_sensor.openclaw_127_0_0_1_connection"


def other_entities(hass: HomeAssistant, entry: MockConfigEntry) -> list[str]:
    registry = er.async_get(hass)
    return [
        e.entity_id
        for e in er.async_entries_for_config_entry(registry, entry.entry_id)
        if e.entity_id != CONNECTION and e.disabled_by is None
    ]


async def test_snapshot(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await snapshot_entities(
        hass, mock_config_entry, Platform.BINARY_SENSOR, entity_registry, snapshot
    )


async def test_offline_gateway_turns_off_and_entities_go_unavailable(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    others = other_entities(hass, setup_integration)
    assert len(others) >= 8
    assert hass.states.get(CONNECTION).state == STATE_ON
    assert all(hass.states.get(e).state != STATE_UNAVAILABLE for e in others)

    await fake_gateway.go_offline()
    await wait_for(hass, lambda: hass.states.get(CONNECTION).state == STATE_OFF)
    # The connection sensor stays available to say "off"; everything else is unavailable.
    assert [e for e in others if hass.states.get(e).state != STATE_UNAVAILABLE] == []

    await fake_gateway.go_online()
    # The client retries after ~1 s (backoff with jitter), then twice that.
    await wait_for(hass, lambda: hass.states.get(CONNECTION).state == STATE_ON, timeout=10)
    assert [e for e in others if hass.states.get(e).state == STATE_UNAVAILABLE] == []
    assert hass.states.get("sensor.main_run_state").state == "idle"


async def test_dropped_connection_recovers(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    seen: list[str] = []

    @callback
    def on_change(event: Event[EventStateChangedData]) -> None:
        if (new := event.data["new_state"]) is not None:
            seen.append(new.state)

    async_track_state_change_event(hass, [CONNECTION], on_change)
    await fake_gateway.drop_all(1012, "service restart")
    await wait_for(hass, lambda: seen[-1:] == [STATE_ON], timeout=10)
    assert seen == [STATE_OFF, STATE_ON]
    assert fake_gateway.stats.hello_ok == 2


async def test_unavailable_after_unload(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    assert await hass.config_entries.async_unload(setup_integration.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(CONNECTION).state == STATE_UNAVAILABLE
