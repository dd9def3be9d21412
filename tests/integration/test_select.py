"""Thinking and reasoning level selects against the fake gateway (``sessions.patch``)."""

from __future__ import annotations

from typing import Any
from unittest.mock import patch

from homeassistant.components.select import (
    ATTR_OPTION,
    ATTR_OPTIONS,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.const import ATTR_ENTITY_ID, STATE_UNKNOWN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from syrupy.assertion import SnapshotAssertion

from custom_components.openclaw.const import DOMAIN, SCOPES
from tests.fake_gateway import FakeGateway
from tests.integration.helpers import snapshot_entities, wait_for

MAIN = "agent:main:main"
THINKING = "select.main_thinking_level"
REASONING = "select.main_reasoning_level"


@pytest.fixture
def admin_scope() -> Any:
    """The integration asks the gateway for operator.admin too (not its default)."""
    with patch("custom_components.openclaw.client_factory.SCOPES", (*SCOPES, "operator.admin")):
        yield


async def select(hass: HomeAssistant, entity_id: str, option: str) -> None:
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: entity_id, ATTR_OPTION: option},
        blocking=True,
    )


async def test_snapshot(
    hass: HomeAssistant,
    fake_gateway: FakeGateway,
    mock_config_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    fake_gateway.sessions.ensure(MAIN).settings["thinkingLevel"] = "medium"
    await snapshot_entities(hass, mock_config_entry, Platform.SELECT, entity_registry, snapshot)


async def test_select_thinking_level_patches_the_session(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    assert hass.states.get(THINKING).state == STATE_UNKNOWN

    await select(hass, THINKING, "low")

    assert fake_gateway.stats.requests["sessions.patch"] == 1
    session = fake_gateway.sessions.get(MAIN)
    assert session is not None
    assert session.settings["thinkingLevel"] == "low"
    # The state follows the row the gateway answered with, without waiting for an event.
    assert hass.states.get(THINKING).state == "low"


async def test_level_the_model_refuses(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    fake_gateway.thinking_levels = ("off",)  # like a model without reasoning support
    await select(hass, THINKING, "off")

    with pytest.raises(ServiceValidationError) as err:
        await select(hass, THINKING, "high")

    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "invalid_request"
    assert "not supported" in str(err.value.translation_placeholders)
    assert hass.states.get(THINKING).state == "off"
    assert fake_gateway.sessions.get(MAIN).settings["thinkingLevel"] == "off"


async def test_change_made_elsewhere_is_shown(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """Another operator patches the session: ``sessions.changed`` updates the select."""
    client = setup_integration.runtime_data.client
    await client.sessions_patch(MAIN, thinkingLevel="medium")

    await wait_for(hass, lambda: hass.states.get(THINKING).state == "medium")


async def test_options_come_from_the_gateway_when_listed(
    hass: HomeAssistant, fake_gateway: FakeGateway, mock_config_entry: MockConfigEntry
) -> None:
    """9.x rows list the model's levels and its default; the select offers exactly those."""
    row = fake_gateway.sessions.ensure(MAIN).settings
    row["thinkingLevels"] = [{"id": "off", "label": "off"}, {"id": "adaptive", "label": "auto"}]
    row["thinkingDefault"] = "adaptive"
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()

    state = hass.states.get(THINKING)
    assert state.attributes[ATTR_OPTIONS] == ["off", "adaptive"]
    assert state.state == "adaptive"
    await hass.config_entries.async_unload(mock_config_entry.entry_id)


async def test_no_reasoning_select_without_admin_scope(
    hass: HomeAssistant, setup_integration: MockConfigEntry
) -> None:
    """2026.9.6 needs operator.admin to patch reasoningLevel: no control that cannot work."""
    assert hass.states.get(THINKING) is not None
    assert hass.states.get(REASONING) is None


@pytest.mark.usefixtures("admin_scope")
async def test_reasoning_level_with_admin_scope(
    hass: HomeAssistant, setup_integration: MockConfigEntry, fake_gateway: FakeGateway
) -> None:
    state = hass.states.get(REASONING)
    assert state is not None
    assert state.attributes[ATTR_OPTIONS] == ["off", "on", "stream"]

    await select(hass, REASONING, "stream")

    assert fake_gateway.sessions.get(MAIN).settings["reasoningLevel"] == "stream"
    assert hass.states.get(REASONING).state == "stream"
