"""The fast mode switch against the fake gateway (``sessions.patch``)."""

from __future__ import annotations

from homeassistant.components.switch import DOMAIN as SWITCH_DOMAIN
from homeassistant.const import (
    ATTR_ENTITY_ID,
    SERVICE_TURN_OFF,
    SERVICE_TURN_ON,
    STATE_OFF,
    STATE_ON,
    STATE_UNKNOWN,
    Platform,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.openclaw.const import DOMAIN
from tests.fake_gateway import FakeGateway
from tests.integration.helpers import snapshot_entities, wait_for

MAIN = "agent:main:main"
FAST_MODE = "switch.main_fast_mode"


async def turn(hass: HomeAssistant, service: str) -> None:
    await hass.services.async_call(
        SWITCH_DOMAIN, service, {ATTR_ENTITY_ID: FAST_MODE}, blocking=True
    )


async def test_snapshot(
    hass: HomeAssistant,
    fake_gateway: FakeGateway,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    fake_gateway.sessions.ensure(MAIN).settings["fastMode"] = True
    await snapshot_entities(hass, mock_config_entry, Platform.SWITCH, entity_registry, snapshot)


async def test_turn_fast_mode_on_and_off(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    # No explicit setting yet: the gateway's default applies, which HA cannot know.
    assert hass.states.get(FAST_MODE).state == STATE_UNKNOWN

    await turn(hass, SERVICE_TURN_ON)
    session = fake_gateway.sessions.get(MAIN)
    assert session is not None
    assert session.settings["fastMode"] is True
    assert hass.states.get(FAST_MODE).state == STATE_ON

    await turn(hass, SERVICE_TURN_OFF)
    assert session.settings["fastMode"] is False
    assert hass.states.get(FAST_MODE).state == STATE_OFF
    assert fake_gateway.stats.requests["sessions.patch"] == 2


async def test_change_made_elsewhere_is_shown(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    client = setup_integration.runtime_data.client
    await client.sessions_patch(MAIN, fastMode=True)
    await wait_for(hass, lambda: hass.states.get(FAST_MODE).state == STATE_ON)


async def test_gateway_without_the_method(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    """An old gateway that lacks sessions.patch: a translated error, the state unchanged."""
    from tests.fake_gateway.methods import METHODS

    fake_gateway.methods = set(METHODS) - {"sessions.patch"}

    with pytest.raises(HomeAssistantError) as err:
        await turn(hass, SERVICE_TURN_ON)

    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "unsupported_method"
    assert hass.states.get(FAST_MODE).state == STATE_UNKNOWN
