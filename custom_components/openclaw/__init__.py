"""The OpenClaw integration: an OpenClaw gateway as part of the home."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType

from .client_factory import create_client, create_http_client
from .compat import async_remove_feature_issues
from .const import DOMAIN
from .coordinator import OpenClawConfigEntry, OpenClawCoordinator, OpenClawRuntimeData
from .entity import gateway_device_info
from .frontend_card import async_setup_chat_card
from .nodes import async_setup_nodes, node_device_identifiers
from .services import async_setup_services
from .transport import async_remove_transport_issue, async_update_transport_issue

PLATFORMS: list[Platform] = [
    Platform.AI_TASK,
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CONVERSATION,
    Platform.EVENT,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions once for all entries."""
    async_setup_services(hass)
    await async_setup_chat_card(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: OpenClawConfigEntry) -> bool:
    """Connect to the gateway and set up the entities."""
    async_update_transport_issue(hass, entry)
    session = async_get_clientsession(hass)
    coordinator: OpenClawCoordinator | None = None

    def on_device_token(token: str | None) -> None:
        if coordinator is not None:
            coordinator.store_device_token(token)

    client = create_client(session, entry.data, on_device_token=on_device_token)
    coordinator = OpenClawCoordinator(hass, entry, client)
    await coordinator.async_start()
    entry.runtime_data = OpenClawRuntimeData(
        client=client,
        http=create_http_client(session, entry.data, entry.options),
        coordinator=coordinator,
    )
    gateway_device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **gateway_device_info(coordinator)
    )
    coordinator.gateway_device_id = gateway_device.id
    await async_setup_nodes(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    _remove_stale_devices(hass, entry, coordinator)
    return True


def _remove_stale_devices(
    hass: HomeAssistant, entry: OpenClawConfigEntry, coordinator: OpenClawCoordinator
) -> None:
    """Drop the devices of sessions that are no longer exposed."""
    wanted = {(DOMAIN, entry.entry_id)} | {
        (DOMAIN, f"{entry.entry_id}_{key}") for key in coordinator.sessions
    }
    # Agent devices of subentries (Assist / AI task) go with their subentry.
    wanted |= {(DOMAIN, subentry_id) for subentry_id in entry.subentries}
    wanted |= node_device_identifiers(hass, entry)
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        if not device.identifiers & wanted:
            registry.async_update_device(device.id, remove_config_entry_id=entry.entry_id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: OpenClawConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Let the user delete a session device that is no longer exposed."""
    coordinator = entry.runtime_data.coordinator
    exposed = {(DOMAIN, entry.entry_id)} | {
        (DOMAIN, f"{entry.entry_id}_{key}") for key in coordinator.sessions
    }
    exposed |= {(DOMAIN, subentry_id) for subentry_id in entry.subentries}
    exposed |= node_device_identifiers(hass, entry)
    return not device.identifiers & exposed


async def async_unload_entry(hass: HomeAssistant, entry: OpenClawConfigEntry) -> bool:
    """Unload the platforms and close the connection."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.coordinator.async_stop()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: OpenClawConfigEntry) -> None:
    """Forget the entry's repair issues."""
    async_remove_transport_issue(hass, entry.entry_id)
    async_remove_feature_issues(hass, entry.entry_id)
