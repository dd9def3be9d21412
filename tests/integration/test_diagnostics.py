"""Diagnostics redact every secret and describe the connection."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.openclaw.const import CONF_DEVICE_KEY, CONF_DEVICE_TOKEN, CONF_TOKEN
from tests.fake_gateway import FakeGateway


async def test_diagnostics_redact_secrets(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    fake_gateway: FakeGateway,
    setup_integration: MockConfigEntry,
) -> None:
    entry = setup_integration
    assert entry.data.get(CONF_DEVICE_TOKEN), "pairing should have stored a device token"
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    for secret in (
        entry.data[CONF_DEVICE_KEY],
        entry.data[CONF_DEVICE_TOKEN],
        entry.data[CONF_TOKEN],
    ):
        assert secret not in text
    assert diagnostics["entry"]["data"][CONF_TOKEN] == "**REDACTED**"
    assert diagnostics["connection"]["connected"] is True
    assert diagnostics["gateway"]["server_version"] == fake_gateway.server_version
    assert diagnostics["gateway"]["protocol"] == 4
    assert "agent:main:main" in diagnostics["sessions"]
