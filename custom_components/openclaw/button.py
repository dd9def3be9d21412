"""Abort the running reply of an exposed session."""

from __future__ import annotations

from homeassistant.components.button import ButtonEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .aioopenclaw import OpenClawError
from .const import LOGGER
from .coordinator import OpenClawConfigEntry, OpenClawCoordinator
from .entity import OpenClawSessionEntity
from .errors import translate_error

PARALLEL_UPDATES = 1


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenClawConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data.coordinator
    async_add_entities(AbortButton(coordinator, key) for key in coordinator.sessions)


class AbortButton(OpenClawSessionEntity, ButtonEntity):
    _attr_translation_key = "abort"

    def __init__(self, coordinator: OpenClawCoordinator, session_key: str) -> None:
        super().__init__(coordinator, session_key, "abort")

    async def async_press(self) -> None:
        try:
            result = await self.coordinator.client.chat_abort(self.session_key)
        except OpenClawError as err:
            raise translate_error(err) from err
        # Nothing running is not an error: the run may have just ended by itself.
        if not result.get("aborted"):
            LOGGER.debug("Abort of %s: no run was active", self.session_key)
