"""Fixtures for the Home Assistant tests: a fake gateway and a config entry pointing at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

from custom_components.openclaw.aioopenclaw import DeviceIdentity
from custom_components.openclaw.client_factory import gateway_unique_id
from custom_components.openclaw.const import CONF_DEVICE_KEY, CONF_TOKEN, CONF_URL, DOMAIN
from tests.fake_gateway import FakeGateway

# A fixed entry id keeps unique ids (and so snapshots) stable.
ENTRY_ID = "01JZOPENCLAWENTRY000000000"


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """HA's serializer (stable ids, no timestamps), snapshots under ``snapshots/``."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Load custom_components/ in every test."""


@pytest.fixture
async def fake_gateway(socket_enabled: None) -> AsyncIterator[FakeGateway]:
    """A started fake gateway on 127.0.0.1 (closed inside the test, before hass checks)."""
    async with FakeGateway() as gateway:
        yield gateway


@pytest.fixture
def device_identity() -> DeviceIdentity:
    return DeviceIdentity.generate()


@pytest.fixture
def entry_options() -> dict[str, Any]:
    return {}


@pytest.fixture
def mock_config_entry(
    fake_gateway: FakeGateway, device_identity: DeviceIdentity, entry_options: dict[str, Any]
) -> MockConfigEntry:
    """An entry as the config flow makes it for a URL + token pairing."""
    return MockConfigEntry(
        domain=DOMAIN,
        entry_id=ENTRY_ID,
        title="OpenClaw 127.0.0.1",
        unique_id=gateway_unique_id(fake_gateway.url),
        data={
            CONF_URL: fake_gateway.url,
            CONF_DEVICE_KEY: device_identity.to_storage(),
            CONF_TOKEN: fake_gateway.token,
        },
        options=entry_options,
    )


@pytest.fixture
async def setup_integration(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> AsyncIterator[MockConfigEntry]:
    """The entry set up against the fake gateway; unloaded at the end of the test."""
    # Always loaded in a real Home Assistant (Assist's exposed entities live there).
    assert await async_setup_component(hass, "homeassistant", {})
    mock_config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    yield mock_config_entry
    if mock_config_entry.state.recoverable:
        await hass.config_entries.async_unload(mock_config_entry.entry_id)
        await hass.async_block_till_done()
