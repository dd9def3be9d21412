"""Base entities: the gateway device and one device per exposed session."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity

from .const import DOMAIN
from .coordinator import OpenClawCoordinator, SessionState


def gateway_device_info(coordinator: OpenClawCoordinator) -> DeviceInfo:
    hello = coordinator.hello
    return DeviceInfo(
        identifiers={(DOMAIN, coordinator.entry.entry_id)},
        name=coordinator.entry.title,
        manufacturer="OpenClaw",
        model="Gateway",
        sw_version=hello.server_version if hello else None,
    )


class OpenClawEntity(Entity):
    """Pushed state: no polling; unavailable while the connection is down."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, coordinator: OpenClawCoordinator, key: str) -> None:
        self.coordinator = coordinator
        self._attr_unique_id = f"{coordinator.entry.entry_id}_{key}"
        self._attr_device_info = gateway_device_info(coordinator)

    @property
    def available(self) -> bool:
        return self.coordinator.connected

    def _listen_key(self) -> str | None:
        return None

    async def async_added_to_hass(self) -> None:
        self.async_on_remove(
            self.coordinator.async_add_listener(self._handle_update, self._listen_key())
        )

    def _handle_update(self) -> None:
        self.async_write_ha_state()


class OpenClawSessionEntity(OpenClawEntity):
    """An entity of one exposed session, on that session's device."""

    def __init__(self, coordinator: OpenClawCoordinator, session_key: str, key: str) -> None:
        super().__init__(coordinator, f"{session_key}_{key}")
        self.session_key = session_key
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, f"{coordinator.entry.entry_id}_{session_key}")},
            name=self.session.title,
            manufacturer="OpenClaw",
            model="Session",
        )
        if coordinator.gateway_device_id is not None:
            self._attr_device_info["via_device_id"] = coordinator.gateway_device_id

    @property
    def session(self) -> SessionState:
        return self.coordinator.sessions[self.session_key]

    def _listen_key(self) -> str | None:
        return self.session_key
