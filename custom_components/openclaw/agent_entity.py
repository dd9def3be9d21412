"""Base of the entities made from subentries: one device per configured OpenClaw agent."""

from __future__ import annotations

from collections.abc import Callable

from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
    ConfigSubentry,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .assist_const import CONF_AGENT_ID
from .const import DOMAIN
from .coordinator import OpenClawConfigEntry, OpenClawRuntimeData
from .entity import OpenClawEntity


@callback
def async_setup_agent_entities(
    hass: HomeAssistant,
    entry: OpenClawConfigEntry,
    subentry_type: str,
    factory: Callable[[OpenClawConfigEntry, ConfigSubentry], Entity],
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """One entity per subentry of this type, now and for subentries added later.

    Adding a subentry does not reload the entry, so new ones are picked up from the entry's
    change signal (not an update listener: the options flow reloads by itself, and HA
    refuses update listeners next to it). Removed ones go with their registry entries.
    """
    added: set[str] = set()

    @callback
    def add_new() -> None:
        for subentry in entry.subentries.values():
            if subentry.subentry_type == subentry_type and subentry.subentry_id not in added:
                added.add(subentry.subentry_id)
                async_add_entities(
                    [factory(entry, subentry)], config_subentry_id=subentry.subentry_id
                )

    @callback
    def on_change(change: ConfigEntryChange, changed: ConfigEntry) -> None:
        if change is ConfigEntryChange.UPDATED and changed.entry_id == entry.entry_id:
            add_new()

    add_new()
    entry.async_on_unload(async_dispatcher_connect(hass, SIGNAL_CONFIG_ENTRY_CHANGED, on_change))


class OpenClawAgentEntity(OpenClawEntity):
    """An entity of one subentry; its name is the subentry's (the device's) name."""

    _attr_name = None

    def __init__(self, entry: OpenClawConfigEntry, subentry: ConfigSubentry) -> None:
        super().__init__(entry.runtime_data.coordinator, subentry.subentry_id)
        self.entry = entry
        self._subentry = subentry
        agent = next((a for a in self.coordinator.agents if a.agent_id == self.agent_id), None)
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, subentry.subentry_id)},
            name=subentry.title,
            manufacturer="OpenClaw",
            model=agent.model if agent and agent.model else "Agent",
            model_id=self.agent_id,
            entry_type=DeviceEntryType.SERVICE,
        )
        if self.coordinator.gateway_device_id is not None:
            self._attr_device_info["via_device_id"] = self.coordinator.gateway_device_id

    @property
    def subentry(self) -> ConfigSubentry:
        """The subentry as it is now (a reconfigure replaces it without a reload)."""
        return self.entry.subentries.get(self._subentry.subentry_id, self._subentry)

    @property
    def runtime(self) -> OpenClawRuntimeData:
        return self.entry.runtime_data

    @property
    def agent_id(self) -> str:
        agent_id = self.subentry.data.get(CONF_AGENT_ID)
        if isinstance(agent_id, str) and agent_id:
            return agent_id
        hello = self.coordinator.hello
        return hello.default_agent_id if hello else "main"
