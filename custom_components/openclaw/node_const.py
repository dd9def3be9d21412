"""Constants of the node features: gateway nodes in HA, and HA as a node of the gateway."""

from __future__ import annotations

from typing import Final

# Options: one section, off by default.
CONF_NODE: Final = "node"
CONF_NODE_ENABLED: Final = "enabled"
CONF_NODE_ACTIONS: Final = "actions"
CONF_NODE_SENSITIVE: Final = "sensitive_entities"
CONF_NODE_CONFIRM_SCRIPT: Final = "confirm_script"

# Entry data: the node's own device identity and device token (a second paired device).
CONF_NODE_DEVICE_KEY: Final = "node_device_key"
CONF_NODE_DEVICE_TOKEN: Final = "node_device_token"

# The commands Home Assistant offers as a node. Not platform defaults on the gateway: each
# must be listed in the gateway's `gateway.nodes.commands.allow`.
CMD_ENTITIES_LIST: Final = "ha.entities.list"
CMD_ENTITY_GET: Final = "ha.entity.get"
CMD_ACTION_CALL: Final = "ha.action.call"
CMD_AREAS_LIST: Final = "ha.areas.list"
NODE_COMMANDS: Final = (CMD_ENTITIES_LIST, CMD_ENTITY_GET, CMD_ACTION_CALL, CMD_AREAS_LIST)
NODE_DISPLAY_NAME: Final = "Home Assistant"
_ENTITY_IDS: Final = {
    "description": "An entity id, or a list of them.",
    "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
}
# Agent-visible tools for the commands (node.pluginTools.update); the gateway calls the
# command with the tool's arguments as params.
NODE_PLUGIN_TOOLS: Final = (
    {
        "pluginId": "home-assistant",
        "name": "ha_entities_list",
        "description": "List the Home Assistant entities exposed to assistants, with their "
        "state. Filter by domain (e.g. light) or area.",
        "parameters": {
            "type": "object",
            "properties": {
                "domain": {"type": "string", "description": "Only this domain, e.g. light."},
                "area": {"type": "string", "description": "Only this area (id or name)."},
                "limit": {"type": "integer", "minimum": 1, "maximum": 500},
            },
        },
        "command": CMD_ENTITIES_LIST,
    },
    {
        "pluginId": "home-assistant",
        "name": "ha_entity_get",
        "description": "Read the state and attributes of Home Assistant entities.",
        "parameters": {
            "type": "object",
            "properties": {"entity_id": _ENTITY_IDS},
            "required": ["entity_id"],
        },
        "command": CMD_ENTITY_GET,
    },
    {
        "pluginId": "home-assistant",
        "name": "ha_action_call",
        "description": "Call a Home Assistant action (e.g. light.turn_on) on exposed entities "
        "of that domain. Locks, alarms and doors may need the user's confirmation.",
        "parameters": {
            "type": "object",
            "properties": {
                "action": {"type": "string", "description": "domain.action, e.g. light.turn_on"},
                "entity_id": _ENTITY_IDS,
                "data": {"type": "object", "description": "Action data, e.g. brightness."},
            },
            "required": ["action", "entity_id"],
        },
        "command": CMD_ACTION_CALL,
    },
    {
        "pluginId": "home-assistant",
        "name": "ha_areas_list",
        "description": "List the areas of the home and the exposed entities in each.",
        "parameters": {"type": "object", "properties": {}},
        "command": CMD_AREAS_LIST,
    },
)

# Actions the agent may call on exposed entities unless the user changes the list.
DEFAULT_NODE_ACTIONS: Final = (
    "light.turn_on",
    "light.turn_off",
    "light.toggle",
    "switch.turn_on",
    "switch.turn_off",
    "switch.toggle",
    "fan.turn_on",
    "fan.turn_off",
    "fan.set_percentage",
    "cover.open_cover",
    "cover.close_cover",
    "cover.stop_cover",
    "cover.set_cover_position",
    "climate.set_temperature",
    "climate.set_hvac_mode",
    "media_player.media_play",
    "media_player.media_pause",
    "media_player.volume_set",
    "scene.turn_on",
    "input_boolean.turn_on",
    "input_boolean.turn_off",
    "vacuum.start",
    "vacuum.return_to_base",
    "lock.lock",
    "lock.unlock",
)
# Always sensitive: these act on the home's security.
SENSITIVE_DOMAINS: Final = frozenset({"lock", "alarm_control_panel"})
SENSITIVE_COVER_CLASSES: Final = frozenset({"door", "garage", "gate"})

# HA bus event for every node command (also shown in the logbook).
EVENT_NODE_COMMAND: Final = "openclaw_node_command"
OUTCOME_DONE: Final = "done"
OUTCOME_REFUSED: Final = "refused"
OUTCOME_FAILED: Final = "failed"

# Errors a node command answers with (the gateway shows "<code>: <message>").
ERR_INVALID_PARAMS: Final = "INVALID_PARAMS"
ERR_UNKNOWN_COMMAND: Final = "UNKNOWN_COMMAND"
ERR_NOT_EXPOSED: Final = "NOT_EXPOSED"
ERR_ACTION_NOT_ALLOWED: Final = "ACTION_NOT_ALLOWED"
ERR_ACTION_NOT_AVAILABLE: Final = "ACTION_NOT_AVAILABLE"
ERR_INVALID_TARGET: Final = "INVALID_TARGET"
ERR_SENSITIVE_REFUSED: Final = "SENSITIVE_REFUSED"
ERR_CONFIRMATION_DENIED: Final = "CONFIRMATION_DENIED"
ERR_ACTION_FAILED: Final = "ACTION_FAILED"

# Limits of what one command may ask for or return.
MAX_LIST_ENTITIES: Final = 500
DEFAULT_LIST_ENTITIES: Final = 200
MAX_TARGET_ENTITIES: Final = 20
MAX_GET_ENTITIES: Final = 50
# Service data keys whose values never go into events or the logbook.
REDACTED_DATA_KEYS: Final = frozenset({"code", "password", "pin", "token", "secret"})
