"""Fast mode of each exposed session as a switch (``sessions.patch``)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .coordinator import OpenClawConfigEntry, OpenClawCoordinator
from .entity import OpenClawSessionEntity
from .select import async_patch_session

PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenClawConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data.coordinator
    async_add_entities(FastModeSwitch(coordinator, key) for key in coordinator.sessions)


class FastModeSwitch(OpenClawSessionEntity, SwitchEntity):
    _attr_translation_key = "fast_mode"
    _attr_entity_category = EntityCategory.CONFIG

    def __init__(self, coordinator: OpenClawCoordinator, session_key: str) -> None:
        super().__init__(coordinator, session_key, "fast_mode")

    @property
    def is_on(self) -> bool | None:
        # None (unknown) while the session has no explicit setting: the gateway default applies.
        info = self.session.info
        return info.fast_mode if info else None

    async def async_turn_on(self, **kwargs: Any) -> None:
        await async_patch_session(self.coordinator, self.session_key, fastMode=True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        await async_patch_session(self.coordinator, self.session_key, fastMode=False)
