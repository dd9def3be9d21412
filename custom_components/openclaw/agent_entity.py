"""Base of the entities made from subentries: one device per configured OpenClaw agent."""

from __future__ import annotations

from homeassistant.config_entries import ConfigSubentry
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo

from .assist_const import CONF_AGENT_ID
from .const import DOMAIN
from .coordinator import OpenClawConfigEntry, OpenClawRuntimeData
from .entity import OpenClawEntity


class OpenClawAgentEntity(OpenClawEntity):
    """An entity of one subentry; its name is the subentry's (the device's) name."""

    _attr_name = None

    def __init__(self, entry: OpenClawConfigEntry, subentry: ConfigSubentry) -> None:
        super().__init__(entry.runtime_data.coordinator, subentry.subentry_id)
        self.entry = entry
        self.subentry = subentry
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
    def runtime(self) -> OpenClawRuntimeData:
        return self.entry.runtime_data

    @property
    def agent_id(self) -> str:
        agent_id = self.subentry.data.get(CONF_AGENT_ID)
        if isinstance(agent_id, str) and agent_id:
            return agent_id
        hello = self.coordinator.hello
        return hello.default_agent_id if hello else "main"
