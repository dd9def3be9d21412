"""Small helpers shared by the Home Assistant tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from unittest.mock import patch

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry, snapshot_platform
from syrupy.assertion import SnapshotAssertion

MAIN = "agent:main:main"


async def wait_for(hass: HomeAssistant, check: Callable[[], bool], timeout: float = 5) -> None:
    """Let the fake and HA exchange frames until ``check()`` holds."""
    async with asyncio.timeout(timeout):
        while True:
            await hass.async_block_till_done()
            if check():
                return
            await asyncio.sleep(0.01)


async def snapshot_entities(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    platform: Platform,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Set up one platform of ``entry`` and snapshot its entities (registry entry and state)."""
    with patch("custom_components.openclaw.PLATFORMS", [platform]):
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
    await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)
    await hass.config_entries.async_unload(entry.entry_id)
