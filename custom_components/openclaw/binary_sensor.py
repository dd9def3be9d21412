"""The gateway connection as a connectivity binary sensor."""

from __future__ import annotations

from homeassistant.components.binary_sensor import BinarySensorEntity
from homeassistant.components.binary_sensor.const import BinarySensorDeviceClass
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import OpenClawConfigEntry, OpenClawCoordinator
from .entity import OpenClawEntity
from .nodes import async_setup_node_sensors

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenClawConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    async_add_entities([OpenClawConnectionSensor(entry.runtime_data.coordinator)])
    async_setup_node_sensors(entry, async_add_entities)


class OpenClawConnectionSensor(OpenClawEntity, BinarySensorEntity):
    """On while the gateway connection is up."""

    _attr_translation_key = "connection"
    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, coordinator: OpenClawCoordinator) -> None:
        super().__init__(coordinator, "connection")

    @property
    def available(self) -> bool:
        # The one entity that must show "off" rather than go unavailable when disconnected.
        return True

    @property
    def is_on(self) -> bool:
        return self.coordinator.connected
