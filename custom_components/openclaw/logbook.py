"""Logbook lines for the commands the agent ran on Home Assistant as a node."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook.const import (
    LOGBOOK_ENTRY_ENTITY_ID,
    LOGBOOK_ENTRY_MESSAGE,
    LOGBOOK_ENTRY_NAME,
)
from homeassistant.core import Event, HomeAssistant, callback

from .const import DOMAIN
from .node_const import (
    CMD_ACTION_CALL,
    CMD_AREAS_LIST,
    CMD_ENTITIES_LIST,
    CMD_ENTITY_GET,
    EVENT_NODE_COMMAND,
    OUTCOME_DONE,
    OUTCOME_REFUSED,
)

LOGBOOK_NAME = "OpenClaw agent"


def describe_node_command(data: dict[str, Any]) -> str:
    """One line: what was asked, and what became of it."""
    command = str(data.get("command", ""))
    entities = ", ".join(data.get("entity_ids") or [])
    if command == CMD_ACTION_CALL:
        asked = f"{data.get('action', 'an action')} on {entities or 'nothing'}"
    elif command == CMD_ENTITY_GET:
        asked = f"the state of {entities or 'nothing'}"
    elif command == CMD_ENTITIES_LIST:
        asked = f"the exposed entities ({data.get('summary', '')})".replace(" ()", "")
    elif command == CMD_AREAS_LIST:
        asked = "the areas"
    else:
        asked = command
    outcome = data.get("outcome")
    verb, done = ("call", "called") if command == CMD_ACTION_CALL else ("read", "read")
    if outcome == OUTCOME_DONE:
        confirmed = " (confirmed)" if data.get("confirmed") else ""
        return f"{done} {asked}{confirmed}"
    reason = data.get("error_code") or "error"
    if data.get("error"):
        reason = f"{reason}: {data['error']}"
    if outcome == OUTCOME_REFUSED:
        return f"was refused {asked} ({reason})"
    return f"failed to {verb} {asked} ({reason})"


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[[str, str, Callable[[Event], dict[str, Any]]], None],
) -> None:
    """Describe the integration's logbook events."""

    @callback
    def describe(event: Event) -> dict[str, Any]:
        entity_ids = event.data.get("entity_ids") or []
        entry: dict[str, Any] = {
            LOGBOOK_ENTRY_NAME: LOGBOOK_NAME,
            LOGBOOK_ENTRY_MESSAGE: describe_node_command(dict(event.data)),
        }
        if entity_ids:
            entry[LOGBOOK_ENTRY_ENTITY_ID] = entity_ids[0]
        return entry

    async_describe_event(DOMAIN, EVENT_NODE_COMMAND, describe)
