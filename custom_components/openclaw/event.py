"""Run events of each exposed session: started, final, aborted, error."""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import EventEntity
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .const import ATTR_RUN_ID
from .coordinator import RUN_EVENT_TYPES, OpenClawConfigEntry, OpenClawCoordinator
from .entity import OpenClawSessionEntity
from .sensor import ATTR_ERROR, MAX_ERROR_ATTRIBUTE, truncate

PARALLEL_UPDATES = 0


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenClawConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data.coordinator
    async_add_entities(OpenClawRunEvent(coordinator, key) for key in coordinator.sessions)


class OpenClawRunEvent(OpenClawSessionEntity, EventEntity):
    """Fires once per run transition of its session.

    The coordinator calls session listeners for every change (deltas and connection changes
    too); a transition is a new (run id, last event) pair. The coordinator decides each
    terminal state exactly once, so each pair is seen once.
    """

    _attr_translation_key = "run"
    _attr_event_types = RUN_EVENT_TYPES

    def __init__(self, coordinator: OpenClawCoordinator, session_key: str) -> None:
        super().__init__(coordinator, session_key, "run")
        self._seen = self._transition()

    def _transition(self) -> tuple[str | None, str | None]:
        return (self.session.run_id, self.session.last_event)

    def _handle_update(self) -> None:
        transition = self._transition()
        if transition != self._seen:
            self._seen = transition
            run_id, event_type = transition
            if event_type in self.event_types:
                attributes: dict[str, Any] = {ATTR_RUN_ID: run_id}
                if self.session.error:
                    attributes[ATTR_ERROR] = truncate(self.session.error, MAX_ERROR_ATTRIBUTE)
                self._trigger_event(event_type, attributes)
        self.async_write_ha_state()
