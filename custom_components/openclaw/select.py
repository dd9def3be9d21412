"""Session settings as selects: thinking level and reasoning level (``sessions.patch``)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.select import SelectEntity
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .aioopenclaw import OpenClawError
from .coordinator import OpenClawConfigEntry, OpenClawCoordinator
from .entity import OpenClawSessionEntity
from .errors import translate_error

PARALLEL_UPDATES = 1

# The gateway's thinking levels (2026.9.6); each model accepts a subset, which session rows
# list as ``thinkingLevels`` [{id, label}] when the gateway knows the model's profile.
THINKING_LEVELS = ["off", "minimal", "low", "medium", "high", "xhigh", "adaptive"]
REASONING_LEVELS = ["off", "on", "stream"]
# 2026.9.6 lets write-scoped operators patch thinkingLevel and fastMode; reasoningLevel and
# the other settings need admin.
ADMIN_SCOPE = "operator.admin"


async def async_patch_session(
    coordinator: OpenClawCoordinator, session_key: str, **fields: Any
) -> None:
    """Patch one session and apply the answer; a refusal raises a translated error."""
    try:
        result = await coordinator.client.sessions_patch(session_key, **fields)
    except OpenClawError as err:
        raise translate_error(err) from err
    entry = result.get("entry")
    # The answer carries the patched row (9.x without its key); else keep what we sent.
    row = dict(entry) if isinstance(entry, dict) else dict(fields)
    row["key"] = session_key
    coordinator.update_session_row(row)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenClawConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    coordinator = entry.runtime_data.coordinator
    hello = coordinator.hello
    admin = hello is not None and ADMIN_SCOPE in hello.scopes
    entities: list[SelectEntity] = []
    for key in coordinator.sessions:
        entities.append(ThinkingLevelSelect(coordinator, key))
        if admin:
            entities.append(ReasoningLevelSelect(coordinator, key))
    async_add_entities(entities)


class ThinkingLevelSelect(OpenClawSessionEntity, SelectEntity):
    _attr_translation_key = "thinking_level"
    _attr_entity_category = EntityCategory.CONFIG

    def __init__(self, coordinator: OpenClawCoordinator, session_key: str) -> None:
        super().__init__(coordinator, session_key, "thinking_level")

    @property
    def options(self) -> list[str]:
        info = self.session.info
        levels = info.raw.get("thinkingLevels") if info else None
        if isinstance(levels, list):
            ids = [lvl["id"] for lvl in levels if isinstance(lvl, dict) and "id" in lvl]
            if ids and all(isinstance(i, str) for i in ids):
                return ids
        return THINKING_LEVELS

    @property
    def current_option(self) -> str | None:
        info = self.session.info
        if info is None:
            return None
        # Unset means the model's default, which 9.x rows name as ``thinkingDefault``.
        level = info.thinking_level or info.raw.get("thinkingDefault")
        return level if level in self.options else None

    async def async_select_option(self, option: str) -> None:
        await async_patch_session(self.coordinator, self.session_key, thinkingLevel=option)


class ReasoningLevelSelect(OpenClawSessionEntity, SelectEntity):
    _attr_translation_key = "reasoning_level"
    _attr_entity_category = EntityCategory.CONFIG
    _attr_options = REASONING_LEVELS

    def __init__(self, coordinator: OpenClawCoordinator, session_key: str) -> None:
        super().__init__(coordinator, session_key, "reasoning_level")

    @property
    def current_option(self) -> str | None:
        info = self.session.info
        level = info.reasoning_level if info else None
        return level if level in REASONING_LEVELS else None

    async def async_select_option(self, option: str) -> None:
        await async_patch_session(self.coordinator, self.session_key, reasoningLevel=option)
