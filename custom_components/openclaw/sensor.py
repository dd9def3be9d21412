"""Sensors: the gateway's version and active runs; per exposed session its reply, run state, usage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.restore_state import RestoreEntity

from .const import ATTR_RUN_ID, MAX_REPLY_ATTRIBUTE, MAX_STATE_LENGTH
from .coordinator import (
    RUN_STATES,
    OpenClawConfigEntry,
    OpenClawCoordinator,
    SessionState,
    reply_channel,
)
from .entity import OpenClawEntity, OpenClawSessionEntity

# Read-only, pushed state: no limit on concurrent updates.
PARALLEL_UPDATES = 0

ATTR_FULL_TEXT = "full_text"
ATTR_ERROR = "error"
# An error message is diagnostic text, not a transcript: keep it short.
MAX_ERROR_ATTRIBUTE = 1000


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, kw_only=True)
class GatewaySensorDescription(SensorEntityDescription):
    value_fn: Callable[[OpenClawCoordinator], str | int | None]


@dataclass(frozen=True, kw_only=True)
class SessionSensorDescription(SensorEntityDescription):
    value_fn: Callable[[SessionState], str | int | None]


GATEWAY_SENSORS: tuple[GatewaySensorDescription, ...] = (
    GatewaySensorDescription(
        key="version",
        translation_key="version",
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=lambda coordinator: (
            coordinator.hello.server_version if coordinator.hello else None
        ),
    ),
    GatewaySensorDescription(
        key="active_runs",
        translation_key="active_runs",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=lambda coordinator: coordinator.active_runs,
    ),
)

# Tokens of the last finished run: one value per run, so a measurement (not a running total).
SESSION_SENSORS: tuple[SessionSensorDescription, ...] = (
    SessionSensorDescription(
        key="run_state",
        translation_key="run_state",
        device_class=SensorDeviceClass.ENUM,
        options=RUN_STATES,
        value_fn=lambda session: session.run_state,
    ),
    SessionSensorDescription(
        key="last_run_tokens",
        translation_key="last_run_tokens",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        value_fn=lambda session: session.usage.total_tokens if session.usage else None,
    ),
    SessionSensorDescription(
        key="last_run_input_tokens",
        translation_key="last_run_input_tokens",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        value_fn=lambda session: session.usage.input_tokens if session.usage else None,
    ),
    SessionSensorDescription(
        key="last_run_output_tokens",
        translation_key="last_run_output_tokens",
        state_class=SensorStateClass.MEASUREMENT,
        suggested_display_precision=0,
        entity_registry_enabled_default=False,
        value_fn=lambda session: session.usage.output_tokens if session.usage else None,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenClawConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data.coordinator
    entities: list[SensorEntity] = [
        OpenClawGatewaySensor(coordinator, description) for description in GATEWAY_SENSORS
    ]
    for key in coordinator.sessions:
        entities.append(OpenClawReplySensor(coordinator, key))
        entities.extend(
            OpenClawSessionSensor(coordinator, key, description) for description in SESSION_SENSORS
        )
    async_add_entities(entities)


class OpenClawGatewaySensor(OpenClawEntity, SensorEntity):
    entity_description: GatewaySensorDescription

    def __init__(
        self, coordinator: OpenClawCoordinator, description: GatewaySensorDescription
    ) -> None:
        super().__init__(coordinator, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> str | int | None:
        return self.entity_description.value_fn(self.coordinator)


class OpenClawSessionSensor(OpenClawSessionEntity, SensorEntity):
    entity_description: SessionSensorDescription

    def __init__(
        self,
        coordinator: OpenClawCoordinator,
        session_key: str,
        description: SessionSensorDescription,
    ) -> None:
        super().__init__(coordinator, session_key, description.key)
        self.entity_description = description

    @property
    def native_value(self) -> str | int | None:
        return self.entity_description.value_fn(self.session)

    @property
    def extra_state_attributes(self) -> dict[str, Any] | None:
        if self.entity_description.key != "run_state":
            return None
        error = self.session.error
        return {
            ATTR_RUN_ID: self.session.run_id,
            ATTR_ERROR: truncate(error, MAX_ERROR_ATTRIBUTE) if error else None,
        }


class OpenClawReplySensor(OpenClawSessionEntity, RestoreEntity, SensorEntity):
    """The latest reply: the state is its start, ``full_text`` the (capped) whole of it.

    The gateway does not repeat old replies, so the last one is restored after a restart
    until the session runs again.
    """

    _attr_translation_key = "reply"
    # Replies can be kilobytes per run: kept on the state, never written to the database.
    _unrecorded_attributes = frozenset({ATTR_FULL_TEXT})

    def __init__(self, coordinator: OpenClawCoordinator, session_key: str) -> None:
        super().__init__(coordinator, session_key, "reply")
        self._restored: tuple[str, str | None] | None = None

    async def async_added_to_hass(self) -> None:
        await super().async_added_to_hass()
        self.async_on_remove(
            self.coordinator.async_add_listener(
                self._handle_update, reply_channel(self.session_key)
            )
        )
        last = await self.async_get_last_state()
        if last is None or last.state in (STATE_UNKNOWN, STATE_UNAVAILABLE):
            return
        full_text = last.attributes.get(ATTR_FULL_TEXT)
        run_id = last.attributes.get(ATTR_RUN_ID)
        self._restored = (
            full_text if isinstance(full_text, str) and full_text else last.state,
            run_id if isinstance(run_id, str) else None,
        )

    def _reply(self) -> tuple[str, str | None]:
        session = self.session
        if session.run_id is None and self._restored is not None:
            return self._restored
        return session.reply, session.run_id

    @property
    def native_value(self) -> str | None:
        reply, _ = self._reply()
        return truncate(reply, MAX_STATE_LENGTH) if reply else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        reply, run_id = self._reply()
        return {
            ATTR_FULL_TEXT: truncate(reply, MAX_REPLY_ATTRIBUTE) if reply else None,
            ATTR_RUN_ID: run_id,
        }
